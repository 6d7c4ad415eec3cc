import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { context, ROOT_CONTEXT, trace, type Attributes, type Context as TraceContext, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { Logger } from '../logger';
import { ALLOWED_ATTRIBUTES } from './attributes';
import type { SamplerName, TracingConfig } from './config';
import { incomingTraceContext } from './propagation';

/** What the rest of the server sees of tracing. */
export interface Tracing {
  /** Starts this server's spans: a tracer that records nothing when tracing is off. */
  readonly tracer: Tracer;
  readonly enabled: boolean;
  /** The trace a request came in with (`traceparent`, `tracestate`), to continue; the root context when none or off. */
  incoming(headers: IncomingHttpHeaders): TraceContext;
  /** Exports what is pending, then stops. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = 'contact-graph';

/**
 * Tracing as configured: off (a tracer that records nothing, and no context carried)
 * without an OTLP endpoint; otherwise spans batched and exported over OTLP/HTTP by the
 * OpenTelemetry SDK, each attribute allow-listed first.
 */
export function createTracing(config: TracingConfig, logger: Logger): Tracing {
  if (config.tracesUrl === undefined) {
    return { tracer: trace.getTracer(TRACER_NAME), enabled: false, incoming: () => ROOT_CONTEXT, shutdown: async () => undefined };
  }
  // One per process; a second server in it finds it set, and shares it.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new OTLPTraceExporter({
    url: config.tracesUrl,
    headers: config.headers,
    timeoutMillis: config.timeoutMs,
    // The exporter's own agent factory loads node:http with a dynamic import(), which a CommonJS
    // test runner refuses; this server instruments no module, so agents made here are as good.
    httpAgentOptions: (protocol) => (protocol === 'http:' ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true })),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName }),
    sampler: samplerOf(config.sampler, config.samplerRatio),
    spanProcessors: [new BatchSpanProcessor({ exporter: new AllowListedExporter(exporter), ...config.batch })],
  });
  logger.info({ tracing: { sampler: config.sampler, ratio: config.samplerRatio, serviceName: config.serviceName } }, 'tracing: spans are exported over OTLP/HTTP');
  return {
    tracer: provider.getTracer(TRACER_NAME),
    enabled: true,
    incoming: incomingTraceContext,
    shutdown: () => provider.shutdown(),
  };
}

function samplerOf(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** Sends each span with only the attributes of `ATTRIBUTES`, its events' too. */
export class AllowListedExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans.map(allowListed), done);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function allowListed(span: ReadableSpan): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    // A status says only its code: messages are not allow-listed.
    status: { code: span.status.code },
    attributes: only(span.attributes),
    links: [],
    events: span.events.map((event) => ({ name: event.name, time: event.time, attributes: event.attributes && only(event.attributes) })),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount + span.links.length,
  };
}

function only(attributes: Attributes): Attributes {
  const kept: Attributes = {};
  for (const key in attributes) if (ALLOWED_ATTRIBUTES.has(key)) kept[key] = attributes[key];
  return kept;
}
