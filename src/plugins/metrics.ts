import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { errorCode, errorOrigin, failureOrigins, PERSISTED_QUERY_NOT_FOUND } from '../graphqlErrors';
import type { Metrics } from '../metrics';
import { operationNameOf } from './operationName';

/**
 * Counts operations by outcome and their errors by code and origin (the code the client
 * sees). Answers served from the response cache never reach Apollo: the HTTP front counts
 * them, and the lookups. An operation is an `error` only when this server or an
 * upstream failed it; the client's mistakes are `client_error`, and an APQ hash the server
 * does not know yet (the first step of the protocol) is no error at all.
 */
export function graphqlMetricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  const countError = (operation: string, code: string) => {
    if (code !== PERSISTED_QUERY_NOT_FOUND) metrics.graphqlErrors.inc({ operation, code, origin: errorOrigin(code) });
  };

  return {
    async contextCreationDidFail({ error }) {
      const code = errorCode(error);
      metrics.graphqlRequests.inc({ operation: 'unknown', outcome: outcomeOf([code]) });
      countError('unknown', code);
    },
    async requestDidStart() {
      return {
        async didEncounterErrors(requestContext) {
          const operation = metrics.operationLabel(operationNameOf(requestContext));
          for (const error of requestContext.errors) countError(operation, errorCode(error));
        },
        async willSendResponse(requestContext) {
          const { response } = requestContext;
          const operation = metrics.operationLabel(operationNameOf(requestContext));
          // A field answered in part carries its missing part's error, which no execution error announced.
          for (const { error } of requestContext.contextValue.partial.failures) countError(operation, errorCode(error));
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const outcome = outcomeOf(errors.map((error) => String(error.extensions?.code)));
          metrics.graphqlRequests.inc({ operation, outcome });
        },
      };
    },
  };
}

/** `error` when this server or an upstream failed, `client_error` when only the client did wrong. */
function outcomeOf(codes: string[]): 'success' | 'client_error' | 'error' {
  const origins = failureOrigins(codes);
  if (origins.has('server') || origins.has('upstream')) return 'error';
  return origins.has('client') ? 'client_error' : 'success';
}
