import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { boolean, integer, optionalString } from '../envValues';

/** The samplers of the OpenTelemetry specification, by their `OTEL_TRACES_SAMPLER` names. */
export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** An OTLP endpoint: an http(s) URL. Its value is never echoed: it may carry credentials. */
const endpoint = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === '') return undefined;
    if (!/^https?:\/\/[^/\s]+/.test(value) || !URL.canParse(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL (OTLP over HTTP)' });
      return z.NEVER;
    }
    return value;
  });

/**
 * `key=value,key=value`, each part percent-encoded, as the specification writes headers and
 * resource attributes. A header value may be a secret (an API key of the tracing backend):
 * it is never echoed.
 */
const keyValueList = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    const pairs: Record<string, string> = {};
    if (value === undefined || value === '') return pairs;
    for (const part of value.split(',')) {
      const at = part.indexOf('=');
      const key = at > 0 ? safeDecode(part.slice(0, at).trim()) : undefined;
      const item = at > 0 ? safeDecode(part.slice(at + 1).trim()) : undefined;
      if (!key || item === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be key=value pairs separated by commas, each part percent-encoded' });
        return z.NEVER;
      }
      pairs[key] = item;
    }
    return pairs;
  });

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** A PEM file, read at start-up: one that cannot be read stops the server, naming the variable. */
const pemFile = z
  .string()
  .trim()
  .optional()
  .transform((path, ctx) => {
    if (path === undefined || path === '') return undefined;
    try {
      return readFileSync(path);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must name a readable PEM file, got "${path}"` });
      return z.NEVER;
    }
  });

function oneOf<const T extends readonly string[]>(values: T, fallback: T[number]) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : value.toLowerCase()))
    .pipe(z.enum(values, { error: `must be one of ${values.join(', ')}` }));
}

/** The OpenTelemetry variables this server reads, validated with the rest in `loadConfig`. */
export const tracingEnv = {
  OTEL_SDK_DISABLED: boolean(false),
  OTEL_TRACES_EXPORTER: oneOf(['otlp', 'none'], 'otlp'),
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
  // Only JSON over HTTP is sent; a collector's OTLP/HTTP receiver takes it.
  OTEL_EXPORTER_OTLP_PROTOCOL: oneOf(['http/json'], 'http/json'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: oneOf(['http/json'], 'http/json'),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList,
  OTEL_EXPORTER_OTLP_COMPRESSION: oneOf(['none', 'gzip'], 'none'),
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: oneOf(['none', 'gzip', ''], ''),
  // A private CA for the collector, and a client certificate for mutual TLS.
  OTEL_EXPORTER_OTLP_CERTIFICATE: pemFile,
  OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: pemFile,
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pemFile,
  OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: pemFile,
  OTEL_EXPORTER_OTLP_CLIENT_KEY: pemFile,
  OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: pemFile,
  OTEL_EXPORTER_OTLP_TIMEOUT: integer(1, 600_000, 10_000),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: integer(1, 600_000, undefined),
  OTEL_SERVICE_NAME: optionalString,
  OTEL_RESOURCE_ATTRIBUTES: keyValueList,
  OTEL_TRACES_SAMPLER: oneOf(SAMPLERS, 'parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return 1;
      const ratio = Number(value);
      if (!/^\d*\.?\d+$/.test(value) || !(ratio >= 0 && ratio <= 1)) {
        ctx.addIssue({ code: 'custom', message: `must be a ratio from 0 to 1, got "${value}"` });
        return z.NEVER;
      }
      return ratio;
    }),
  OTEL_BSP_SCHEDULE_DELAY: integer(0, 600_000, 5_000),
  OTEL_BSP_EXPORT_TIMEOUT: integer(1, 600_000, 30_000),
  OTEL_BSP_MAX_QUEUE_SIZE: integer(1, 1_000_000, 2_048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: integer(1, 1_000_000, 512),
};

export interface TracingConfig {
  /** Where spans go (OTLP/HTTP, JSON); undefined turns tracing off, at no cost. */
  tracesUrl: string | undefined;
  /** Sent with every export; may hold the backend's key, so never logged. */
  headers: Record<string, string>;
  timeoutMs: number;
  compression: 'none' | 'gzip';
  /** For an https collector: its CA, and this server's certificate and key for mutual TLS. */
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  serviceName: string;
  resourceAttributes: Record<string, string>;
  sampler: SamplerName;
  /** The ratio of the `traceidratio` samplers. */
  samplerRatio: number;
  batch: { scheduledDelayMillis: number; exportTimeoutMillis: number; maxQueueSize: number; maxExportBatchSize: number };
}

/** The service's name in traces when `OTEL_SERVICE_NAME` does not say one. */
export const DEFAULT_SERVICE_NAME = 'contact-graph';

export function tracingConfig(e: z.output<z.ZodObject<typeof tracingEnv>>): TracingConfig {
  const off = e.OTEL_SDK_DISABLED || e.OTEL_TRACES_EXPORTER === 'none';
  return {
    tracesUrl: off ? undefined : (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? tracesUrlBelow(e.OTEL_EXPORTER_OTLP_ENDPOINT)),
    headers: { ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    timeoutMs: e.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? e.OTEL_EXPORTER_OTLP_TIMEOUT,
    compression: e.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION || e.OTEL_EXPORTER_OTLP_COMPRESSION,
    tls: definedOnly({
      ca: e.OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE ?? e.OTEL_EXPORTER_OTLP_CERTIFICATE,
      cert: e.OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE ?? e.OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
      key: e.OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY ?? e.OTEL_EXPORTER_OTLP_CLIENT_KEY,
    }),
    serviceName: e.OTEL_SERVICE_NAME ?? e.OTEL_RESOURCE_ATTRIBUTES['service.name'] ?? DEFAULT_SERVICE_NAME,
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES,
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG,
    batch: {
      scheduledDelayMillis: e.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: e.OTEL_BSP_EXPORT_TIMEOUT,
      maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: Math.min(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, e.OTEL_BSP_MAX_QUEUE_SIZE),
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

/** The specification's rule: the signal's path is appended to the base endpoint. */
function tracesUrlBelow(base: string | undefined): string | undefined {
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`;
}
