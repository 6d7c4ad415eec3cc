import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Logger } from '../logger';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Context } from '../context';
import { UpstreamError } from '../errors';
import { errorCode, errorOrigin } from '../graphqlErrors';

/**
 * Logs what went wrong in an operation, on the request's own logger (so with its request
 * id): what an upstream answered as warnings, this server's own faults with their stack.
 * The client's other mistakes (bad input, invalid queries, no credential) get no line of
 * their own: the request's line names their codes.
 */
export function errorLogPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName, contextValue }) {
          for (const error of errors) logError(contextValue.log, operationName, error);
        },
      };
    },
  };
}

/**
 * One error of an operation, on the request's logger: what an upstream answered as a warning
 * (whoever's mistake it was; a call held back here for want of a credential is the client's
 * alone), this server's own faults with their stack, the client's other mistakes not at all.
 */
export function logError(log: Logger, operationName: string | null | undefined, error: GraphQLError): void {
  const original = unwrapResolverError(error);
  const origin = errorOrigin(errorCode(error));
  if (original instanceof UpstreamError && (origin === 'upstream' || !original.heldBack)) {
    log.warn({ operationName, code: original.code, upstream: original.upstream, path: error.path }, original.message);
  } else if (origin === 'server') {
    log.error({ operationName, err: original, path: error.path }, 'resolver failed');
  }
}
