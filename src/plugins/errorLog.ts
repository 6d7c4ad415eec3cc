import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Context } from '../context';
import { UpstreamError } from '../errors';

/**
 * Logs what went wrong in an operation, on the request's own logger (so with its request
 * id): upstream failures as warnings, unexpected errors with their stack. Errors that are
 * the client's (bad input, invalid queries) are not logged.
 */
export function errorLogPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName, contextValue }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (original instanceof UpstreamError) {
              contextValue.log.warn(
                { operationName, code: original.code, upstream: original.upstream, path: error.path },
                original.message,
              );
            } else if (!error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR') {
              contextValue.log.error({ operationName, err: original, path: error.path }, 'resolver failed');
            }
          }
        },
      };
    },
  };
}
