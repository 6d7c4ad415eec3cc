import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { context, ROOT_CONTEXT, trace, type Attributes, type Context as TraceContext, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
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
import { withTimeout } from '../cache/withTimeout';
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
type ExporterCompression = NonNullable<NonNullable<ConstructorParameters<typeof OTLPTraceExporter>[0]>['compression']>;
/** A client-given value (an operation name) is cut at this length. */
const ATTRIBUTE_VALUE_LIMIT = 256;
/** The longest the last spans may take to go out at shutdown. */
const SHUTDOWN_EXPORT_MS = 2_000;
let contextManagerSet = false;

/**
 * Tracing as configured: off (a tracer that records nothing, and no context carried)
 * without an OTLP endpoint; otherwise spans batched and exported over OTLP/HTTP by the
 * OpenTelemetry SDK, each attribute allow-listed first.
 */
export function createTracing(config: TracingConfig, logger: Logger): Tracing {
  if (config.tracesUrl === undefined) {
    return { tracer: trace.getTracer(TRACER_NAME), enabled: false, incoming: () => ROOT_CONTEXT, shutdown: async () => undefined };
  }
  // One per process: a second server in it shares the first one's.
  contextManagerSet ||= context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new OTLPTraceExporter({
    url: config.tracesUrl,
    headers: config.headers,
    timeoutMillis: config.timeoutMs,
    // The SDK's enum has these very values, 'none' and 'gzip'; it lives in a package of its own.
    compression: config.compression as ExporterCompression,
    // The exporter's own agent factory loads node:http with a dynamic import(), which a CommonJS
    // test runner refuses; this server instruments no module, so agents made here are as good.
    httpAgentOptions: (protocol) => (protocol === 'http:' ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true, ...config.tls })),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName }),
    sampler: samplerOf(config.sampler, config.samplerRatio),
    spanLimits: { attributeValueLengthLimit: ATTRIBUTE_VALUE_LIMIT },
    spanProcessors: [new BatchSpanProcessor({ exporter: new AllowListedExporter(exporter, logger), ...config.batch })],
  });
  logger.info({ tracing: { sampler: config.sampler, ratio: config.samplerRatio, serviceName: config.serviceName } }, 'tracing: spans are exported over OTLP/HTTP');
  return {
    tracer: provider.getTracer(TRACER_NAME),
    enabled: true,
    incoming: incomingTraceContext,
    // Bounded: a collector that does not answer must not hold the process past its shutdown.
    shutdown: () => withTimeout(provider.shutdown(), SHUTDOWN_EXPORT_MS, 'traces: the last spans did not go out in time').catch((error: unknown) => {
      logger.warn({ err: error }, 'traces: the last spans were not all exported');
    }),
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
  /** Whether the last export failed: a failing collector is logged once, and its recovery once. */
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger?: Logger,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans.map(allowListed), (result) => {
      const failed = result.code !== ExportResultCode.SUCCESS;
      if (failed !== this.failing) {
        this.failing = failed;
        // The error's class and code only: its message may hold the collector's URL, and the URL a key.
        const error = result.error as (Error & { code?: unknown }) | undefined;
        if (failed) this.logger?.warn({ exportError: { type: error?.name, code: error?.code } }, 'traces: exporting spans failed; they are dropped until it succeeds');
        else this.logger?.info('traces: exporting spans works again');
      }
      done(result);
    });
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
