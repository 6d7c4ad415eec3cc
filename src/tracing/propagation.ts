import type { IncomingHttpHeaders } from 'node:http';
import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** W3C trace context, in and out: what Apollo Router and Hive Gateway send, and what upstream calls carry. */
const propagator = new W3CTraceContextPropagator();

/** The trace a request came in with (`traceparent`, `tracestate`), to continue; the root context when it came with none. */
export function incomingTraceContext(headers: IncomingHttpHeaders): Context {
  return propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/** Adds the current span's `traceparent` (and `tracestate`) to an upstream call's headers; nothing outside a trace. */
export function injectTraceContext(headers: Record<string, string>): void {
  propagator.inject(context.active(), headers, defaultTextMapSetter);
}
