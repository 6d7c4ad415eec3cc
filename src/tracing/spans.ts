import { SpanStatusCode, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { ATTRIBUTES } from './attributes';

/**
 * Runs `run` in a new span, current for everything it starts, and ends the span when it
 * settles. A failure marks the span as an error, with the failure's code as `error.type`
 * (an upstream's `UPSTREAM_TIMEOUT`, a GraphQL `BAD_USER_INPUT`), never its message.
 */
export function inSpan<T>(tracer: Tracer, name: string, options: SpanOptions, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await run(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Names a request's span after its operation, as OpenTelemetry's GraphQL conventions do: `query PersonCard`. */
export function nameOperationSpan(span: Span, type: string, name: string | null | undefined): void {
  span.updateName(name ? `${type} ${name}` : type);
  span.setAttribute(ATTRIBUTES.operationType, type);
  if (name) span.setAttribute(ATTRIBUTES.operationName, name);
}

/** Marks a span as failed by `error`: its status, and its code. */
export function failed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute(ATTRIBUTES.errorType, errorCodeOf(error));
}

/** The code of a failure: an UpstreamError's, a GraphQLError's extension, or the error's class. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code ?? (error as { extensions?: { code?: unknown } }).extensions?.code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'UNKNOWN';
}
