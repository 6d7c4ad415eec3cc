import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { boolean, integer } from './envValues';
import { tracingConfig, tracingEnv, type TracingConfig } from './tracing/config';

/** A contact's history is fresh this long unless CACHE_HISTORY_TTL_SECONDS says otherwise (and never longer than CACHE_TTL_SECONDS). */
const DEFAULT_HISTORY_TTL_SECONDS = 30;

/**
 * Every setting the server reads, parsed and validated once at start-up: the shared ones,
 * and each upstream's own under `upstreams` (typed by the list handed to `loadConfig`; an
 * upstream's own code is handed its settings alone). Nothing else in the code base reads
 * `process.env`.
 */
export interface Config<Upstreams = Record<string, unknown>> {
  /** The address to listen on: loopback outside production, every interface in it. */
  host: string;
  port: number;
  nodeEnv: string;
  isProduction: boolean;
  logLevel: LogLevel;
  /**
   * Whether a request may bring its own upstream credentials, each in its upstream's header
   * (one tenant per credential), replacing the configured ones.
   */
  allowCredentialHeaders: boolean;
  /** Whether `/metrics` is served and every GraphQL request counted there. */
  metricsEnabled: boolean;
  /**
   * How many replicas share the upstream budgets. While Redis cannot be reached (or without
   * it), each keeps to its share, so that together they stay within the budget.
   */
  replicas: number;
  http: {
    /** Larger request bodies are refused with 413 before they are parsed. */
    bodyLimitBytes: number;
    /** How long in-flight requests may take to finish after SIGTERM before they are cut. */
    shutdownTimeoutMs: number;
  };
  /** How long an automatic persisted query (APQ) stays registered in the shared cache. */
  persistedQueryTtlSeconds: number;
  /** How long a write's first result is kept for its Idempotency-Key. */
  idempotencyTtlSeconds: number;
  graphql: GraphQLLimitsConfig & {
    introspection: boolean;
    /** Apollo Sandbox at `GET /graphql` for browsers. */
    landingPage: boolean;
  };
  /** What every upstream call is held to; each upstream's own settings are under its name. */
  upstream: UpstreamPolicyConfig;
  cache: {
    /** `redis://` or `rediss://`; undefined means in-memory. */
    url: string | undefined;
    ttlSeconds: number;
    notFoundTtlSeconds: number;
    /** Lifetime of a contact's history (chats, calls, a timeline): it grows while people talk, so it is kept briefly. */
    historyTtlSeconds: number;
    maxEntries: number;
    /** A cache operation slower than this counts as a miss. */
    timeoutMs: number;
    /** How long past its TTL an entity may still be served while its upstream fails; 0 turns this off. */
    staleSeconds: number;
  };
  /** OpenTelemetry traces, from the standard `OTEL_*` variables; off without an endpoint. */
  tracing: TracingConfig;
  /** Each upstream's own settings, under its name, from its folder's config.ts. */
  upstreams: Upstreams;
}

/** What this module reads of an upstream (see upstreams/upstream.ts): its variables, and its settings once they are valid. */
export interface UpstreamVariables<Name extends string = string, Env extends z.ZodRawShape = z.ZodRawShape, Settings = unknown> {
  /** Labels its metrics, logs, errors and cache keys, and its settings here. */
  name: Name;
  /** The variable of its credential: required in production, unless requests bring their own. */
  credential: { variable: keyof Env & string };
  /** Its environment variables, each named after it, validated with the rest at start-up. */
  env: Env;
  /** Its settings, from its variables once they are valid. */
  settings(env: z.output<z.ZodObject<Env>>): Settings;
}

/** Any upstream, as this module reads it. */
type AnyUpstreamVariables = UpstreamVariables<string, any, any>;

/** The settings of each of `U`, under its name. */
export type SettingsByName<U extends readonly AnyUpstreamVariables[]> = {
  [Upstream in U[number] as Upstream['name']]: ReturnType<Upstream['settings']>;
};

/** What one operation may ask for; larger ones are refused before they run. */
export interface GraphQLLimitsConfig {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
}

/** How every upstream call is bounded, retried and cut off. */
export interface UpstreamPolicyConfig {
  /** One HTTP attempt. */
  attemptTimeoutMs: number;
  /** The whole call: waits, attempts and the pauses between retries. */
  deadlineMs: number;
  /** The longest a call waits for rate-limit budget before it fails as RATE_LIMITED. */
  maxWaitMs: number;
  /** Consecutive failures that open an account's circuit. */
  breakerFailures: number;
  /** How long an open circuit fails fast before one call probes the upstream again. */
  breakerHalfOpenMs: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** An IP address, or a host name of letters, digits, dots and dashes (such as `localhost`). */
const host = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === '') return undefined;
    if (isIP(value) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `must be an IP address or a host name (such as 127.0.0.1, 0.0.0.0, ::), got "${value}"` });
      return z.NEVER;
    }
    return value;
  });

/** The variables every server reads, whatever its upstreams. */
const sharedEnv = {
  // Unset: 127.0.0.1 outside production, 0.0.0.0 in it.
  HOST: host,
  PORT: integer(0, 65535, 4000),
  NODE_ENV: z.string().trim().optional().transform((value) => value || 'development'),
  LOG_LEVEL: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || 'info')
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
  ALLOW_CREDENTIAL_HEADERS: boolean(false),
  METRICS_ENABLED: boolean(true),
  REPLICAS: integer(1, 1_000, 1),
  REQUEST_BODY_LIMIT_BYTES: integer(1_024, 100 * 1_048_576, 1_048_576),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600_000, 10_000),
  PERSISTED_QUERY_TTL_SECONDS: integer(1, 86_400 * 30, 86_400),
  IDEMPOTENCY_TTL_SECONDS: integer(60, 86_400 * 30, 86_400),
  // Unset: on outside production, off in it.
  GRAPHQL_INTROSPECTION: boolean(undefined),
  GRAPHQL_LANDING_PAGE: boolean(undefined),
  GRAPHQL_MAX_DEPTH: integer(1, 1_000, 10),
  GRAPHQL_MAX_COST: integer(1, 10_000_000, 5_000),
  GRAPHQL_MAX_ALIASES: integer(0, 10_000, 15),
  GRAPHQL_MAX_TOKENS: integer(1, 1_000_000, 2_000),
  GRAPHQL_MAX_DIRECTIVES: integer(0, 10_000, 50),
  UPSTREAM_TIMEOUT_MS: integer(1, 120_000, 3_000),
  UPSTREAM_DEADLINE_MS: integer(1, 300_000, 8_000),
  UPSTREAM_MAX_WAIT_MS: integer(0, 120_000, 2_000),
  UPSTREAM_BREAKER_FAILURES: integer(1, 1_000, 5),
  UPSTREAM_BREAKER_HALF_OPEN_MS: integer(1, 600_000, 10_000),
  CACHE_URL: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      if (!/^rediss?:\/\//.test(value) || !URL.canParse(value)) {
        // The URL may hold a password: name the variable, never echo the value.
        ctx.addIssue({ code: 'custom', message: 'must be a redis:// or rediss:// URL, or empty for the in-memory cache' });
        return z.NEVER;
      }
      return value;
    }),
  CACHE_TTL_SECONDS: integer(1, 86_400 * 30, 60),
  CACHE_NOT_FOUND_TTL_SECONDS: integer(1, 86_400, 10),
  CACHE_HISTORY_TTL_SECONDS: integer(1, 86_400, undefined),
  CACHE_MAX_ENTRIES: integer(1, 10_000_000, 10_000),
  CACHE_TIMEOUT_MS: integer(1, 60_000, 250),
  CACHE_STALE_SECONDS: integer(0, 86_400 * 30, 3_600),
  ...tracingEnv,
};

/** The shared variables as parsed; each upstream's are read by name. */
type Env = z.output<z.ZodObject<typeof sharedEnv>> & Record<string, unknown>;
type SharedVariable = keyof typeof sharedEnv;

/** An upstream's settings, as the config read with it holds them, for code that knows the upstream by its contract alone. */
export function settingsOf(config: Config<object>, name: string): unknown {
  return (config.upstreams as Record<string, unknown>)[name];
}

/** Every variable a server of these upstreams reads, with its schema: the shared ones and each upstream's. */
export function envVariables(upstreams: readonly AnyUpstreamVariables[]): Readonly<Record<string, z.ZodType>> {
  return Object.assign({}, sharedEnv, ...upstreams.map((upstream) => upstream.env));
}

/**
 * A rule between variables, checked whenever the variables it reads were valid themselves,
 * so that one start-up names every variable that is wrong, whatever else is.
 */
function rule(reads: string[], variable: string, holds: (env: Env) => boolean, message: string) {
  return z.refine<Env>(holds, {
    path: [variable],
    message,
    when: ({ issues }) => !issues.some((issue) => reads.includes(String(issue.path?.[0]))),
  });
}

/** A rule between shared variables, whose names are checked. */
const sharedRule = (reads: SharedVariable[], variable: SharedVariable, holds: (env: Env) => boolean, message: string) => rule(reads, variable, holds, message);

// Where requests bring their own credentials, the configured ones are only a fallback.
const credentialRequired = (variable: string) =>
  rule(
    ['NODE_ENV', 'ALLOW_CREDENTIAL_HEADERS', variable],
    variable,
    (e) => e.NODE_ENV !== 'production' || e.ALLOW_CREDENTIAL_HEADERS || e[variable] !== undefined,
    'is required when NODE_ENV=production (unless ALLOW_CREDENTIAL_HEADERS=true)',
  );

/** The whole environment of a server of these upstreams, with the rules between its variables. */
function configSchema(upstreams: readonly AnyUpstreamVariables[]) {
  return (z.object(envVariables(upstreams)) as unknown as z.ZodType<Env, NodeJS.ProcessEnv>).check(
    ...upstreams.map((upstream) => credentialRequired(upstream.credential.variable)),
    sharedRule(
      ['CACHE_TTL_SECONDS', 'CACHE_NOT_FOUND_TTL_SECONDS'],
      'CACHE_NOT_FOUND_TTL_SECONDS',
      (e) => e.CACHE_NOT_FOUND_TTL_SECONDS <= e.CACHE_TTL_SECONDS,
      'must not be longer than CACHE_TTL_SECONDS',
    ),
    sharedRule(
      ['CACHE_TTL_SECONDS', 'CACHE_HISTORY_TTL_SECONDS'],
      'CACHE_HISTORY_TTL_SECONDS',
      (e) => e.CACHE_HISTORY_TTL_SECONDS === undefined || e.CACHE_HISTORY_TTL_SECONDS <= e.CACHE_TTL_SECONDS,
      'must not be longer than CACHE_TTL_SECONDS',
    ),
    sharedRule(
      ['UPSTREAM_TIMEOUT_MS', 'UPSTREAM_DEADLINE_MS'],
      'UPSTREAM_DEADLINE_MS',
      (e) => e.UPSTREAM_DEADLINE_MS >= e.UPSTREAM_TIMEOUT_MS,
      'must not be shorter than UPSTREAM_TIMEOUT_MS',
    ),
  );
}

/**
 * Parses the environment of a server of these upstreams: the shared variables and theirs.
 * Throws a ConfigError naming every variable that is wrong.
 */
export function loadConfig<const U extends readonly AnyUpstreamVariables[]>(upstreams: U, env: NodeJS.ProcessEnv = process.env): Config<SettingsByName<U>> {
  const parsed = configSchema(upstreams).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';

  return {
    host: e.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
    port: e.PORT,
    nodeEnv: e.NODE_ENV,
    isProduction,
    logLevel: e.LOG_LEVEL,
    allowCredentialHeaders: e.ALLOW_CREDENTIAL_HEADERS,
    metricsEnabled: e.METRICS_ENABLED,
    replicas: e.REPLICAS,
    http: { bodyLimitBytes: e.REQUEST_BODY_LIMIT_BYTES, shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    persistedQueryTtlSeconds: e.PERSISTED_QUERY_TTL_SECONDS,
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
    graphql: {
      introspection: e.GRAPHQL_INTROSPECTION ?? !isProduction,
      landingPage: e.GRAPHQL_LANDING_PAGE ?? !isProduction,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxCost: e.GRAPHQL_MAX_COST,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
    },
    upstream: {
      attemptTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      deadlineMs: e.UPSTREAM_DEADLINE_MS,
      maxWaitMs: e.UPSTREAM_MAX_WAIT_MS,
      breakerFailures: e.UPSTREAM_BREAKER_FAILURES,
      breakerHalfOpenMs: e.UPSTREAM_BREAKER_HALF_OPEN_MS,
    },
    cache: {
      url: e.CACHE_URL,
      ttlSeconds: e.CACHE_TTL_SECONDS,
      notFoundTtlSeconds: e.CACHE_NOT_FOUND_TTL_SECONDS,
      historyTtlSeconds: e.CACHE_HISTORY_TTL_SECONDS ?? Math.min(DEFAULT_HISTORY_TTL_SECONDS, e.CACHE_TTL_SECONDS),
      maxEntries: e.CACHE_MAX_ENTRIES,
      timeoutMs: e.CACHE_TIMEOUT_MS,
      staleSeconds: e.CACHE_STALE_SECONDS,
    },
    tracing: tracingConfig(e),
    upstreams: Object.fromEntries(upstreams.map((upstream) => [upstream.name, upstream.settings(e)])) as SettingsByName<U>,
  };
}

/** Loads `.env` from the working directory into the environment, if there is one. */
export function loadDotEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
