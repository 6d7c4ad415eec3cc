import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, responsePathAsArray } from 'graphql';
import type { Context } from '../context';
import { formatError } from '../graphqlErrors';
import { logError } from './errorLog';

/**
 * Puts the errors of fields answered in part (see graphql/partialFailures.ts) in the
 * response's `errors`, at the field's path and formatted as every other error, beside the
 * data that stands; and keeps such an answer out of every cache. Listed before the plugins
 * that count and log a response's errors, so that they count these too.
 */
export function partialFailuresPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ contextValue, overallCachePolicy }) {
          return {
            async executionDidEnd() {
              // A part missing now may answer in a moment: neither the response cache nor an HTTP cache keeps this.
              if (contextValue.partial.failures.length > 0) overallCachePolicy.restrict({ maxAge: 0 });
            },
          };
        },
        async willSendResponse({ response, contextValue, operationName }) {
          const { failures } = contextValue.partial;
          if (failures.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const formatted = failures.map(({ path, nodes, error }) => {
            const located = new GraphQLError(error.message, { nodes, path: responsePathAsArray(path), originalError: error });
            logError(contextValue.log, operationName, located);
            return formatError(located.toJSON(), located);
          });
          result.errors = [...(result.errors ?? []), ...formatted];
        },
      };
    },
  };
}
