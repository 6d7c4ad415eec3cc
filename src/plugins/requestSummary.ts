import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { nameOperation, recordErrorCodes } from '../http/requestLog';
import { operationNameOf } from './operationName';

/** Tells the request's log line what the operation was and what it answered. */
export function requestSummaryPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse(requestContext) {
          const { contextValue: { summary }, response } = requestContext;
          nameOperation(summary, operationNameOf(requestContext));
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
