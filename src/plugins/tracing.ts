import type { ApolloServerPlugin } from '@apollo/server';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context } from '../context';
import { ATTRIBUTES } from '../tracing/attributes';
import { nameOperationSpan } from '../tracing/spans';
import { operationNameOf } from './operationName';

/** A GraphQL name of at most 100 characters. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/**
 * Names the request's span after its operation, as OpenTelemetry's GraphQL conventions
 * do (`query PersonCard`), and records the codes of the errors it answered with. The span
 * itself is the HTTP route's: it is current while Apollo runs.
 */
export function tracingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const span = trace.getActiveSpan();
      if (!span?.isRecording()) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation) nameOperationSpan(span, operation.operation, operationName);
        },
        async willSendResponse(requestContext) {
          const { response } = requestContext;
          // An operation refused before it resolved (parsing, validation) is named as the client named it.
          if (!requestContext.operation) {
            // As the client wrote it: only a GraphQL name, and not a long one, goes into the span.
            const name = operationNameOf(requestContext);
            if (name && GRAPHQL_NAME.test(name)) span.setAttribute(ATTRIBUTES.operationName, name);
          }
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          if (!errors?.length) return;
          const codes = [...new Set(errors.map((error) => String(error.extensions?.code ?? 'UNKNOWN')))];
          span.setAttribute(ATTRIBUTES.errorCodes, codes);
          span.setStatus({ code: SpanStatusCode.ERROR });
        },
      };
    },
  };
}
