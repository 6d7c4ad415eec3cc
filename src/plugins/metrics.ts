import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { errorCode } from '../graphqlErrors';
import type { Metrics } from '../metrics';

/** Past this many distinct operation names, new ones are counted as `other`, so a client cannot grow the series without bound. */
const MAX_OPERATION_NAMES = 200;

/** Counts operations and their errors by operation name and code (the code the client sees), and response-cache hits. */
export function graphqlMetricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  const seen = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(name)) return 'other';
    if (!seen.has(name)) {
      if (seen.size >= MAX_OPERATION_NAMES) return 'other';
      seen.add(name);
    }
    return name;
  };

  return {
    async contextCreationDidFail({ error }) {
      metrics.graphqlRequests.inc({ operation: 'unknown', outcome: 'error' });
      metrics.graphqlErrors.inc({ operation: 'unknown', code: errorCode(error) });
    },
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName }) {
          const operation = operationLabel(operationName);
          for (const error of errors) metrics.graphqlErrors.inc({ operation, code: errorCode(error) });
        },
        async willSendResponse({ response, operationName, operation, metrics: requestMetrics }) {
          const failed = response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0;
          metrics.graphqlRequests.inc({ operation: operationLabel(operationName), outcome: failed ? 'error' : 'success' });
          if (operation?.operation === 'query') {
            metrics.cacheLookups.inc({ layer: 'response', result: requestMetrics.responseCacheHit ? 'hit' : 'miss' });
          }
        },
      };
    },
  };
}
