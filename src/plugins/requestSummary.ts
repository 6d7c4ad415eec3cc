import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { recordErrorCodes } from '../http/requestLog';
import { operationNameOf } from './operationName';

/** Longest operation name a log line repeats; the client chooses it. */
const MAX_OPERATION_NAME = 100;

/** Tells the request's log line what the operation was and what it answered. */
export function requestSummaryPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse(requestContext) {
          const { contextValue: { summary }, operation, response, metrics } = requestContext;
          const name = operationNameOf(requestContext);
          if (name) summary.operationName = name.slice(0, MAX_OPERATION_NAME);
          if (operation?.operation === 'query') summary.responseCache = metrics.responseCacheHit ? 'hit' : 'miss';
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          recordErrorCodes(summary, errors.map((error) => String(error.extensions?.code)));
          const limit = errors.find((error) => error.extensions?.limit)?.extensions?.limit;
          if (limit) summary.limit = String(limit);
        },
      };
    },
  };
}
