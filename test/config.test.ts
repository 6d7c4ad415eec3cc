import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../src/config';
import { loadServerConfig } from '../src/server';
import { concurrencyCaps } from '../src/services';
import { UPSTREAMS } from '../src/upstreams';

function errorOf(env: Record<string, string>): string {
  try {
    loadServerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted a bad configuration');
}

test('an empty environment gives the documented defaults, with sandboxes for both upstreams', () => {
  const config = loadServerConfig({});
  expect(config).toEqual({
    host: '127.0.0.1',
    port: 4000,
    nodeEnv: 'development',
    isProduction: false,
    logLevel: 'info',
    allowCredentialHeaders: false,
    metricsEnabled: true,
    replicas: 1,
    http: { bodyLimitBytes: 1_048_576, shutdownTimeoutMs: 10_000 },
    persistedQueryTtlSeconds: 86_400,
    idempotencyTtlSeconds: 86_400,
    graphql: {
      introspection: true,
      landingPage: true,
      maxDepth: 10,
      maxCost: 5_000,
      maxAliases: 15,
      maxTokens: 2_000,
      maxDirectives: 50,
    },
    upstream: { attemptTimeoutMs: 3_000, deadlineMs: 8_000, maxWaitMs: 2_000, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
    cache: { url: undefined, ttlSeconds: 60, notFoundTtlSeconds: 10, historyTtlSeconds: 30, maxEntries: 10_000, timeoutMs: 250, staleSeconds: 3_600 },
    tracing: {
      tracesUrl: undefined,
      headers: {},
      timeoutMs: 10_000,
      compression: 'none',
      tls: {},
      serviceName: 'contact-graph',
      resourceAttributes: {},
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      batch: { scheduledDelayMillis: 5_000, exportTimeoutMillis: 30_000, maxQueueSize: 2_048, maxExportBatchSize: 512 },
    },
    upstreams: {
      helpcrunch: { apiUrl: 'https://api.helpcrunch.com/v1', apiKey: undefined, rateLimitPerMinute: 120, concurrency: undefined },
      comagic: { apiUrl: 'https://dataapi.comagic.ru/v2.0', accessToken: undefined, userId: undefined, concurrency: undefined, timeZone: undefined, reportsKeptDays: 366 },
    },
  });
});

test('unset, the concurrency caps are what each account may spend at once; set, they are used as given', () => {
  // HelpCrunch: one limiter window's burst (9 every 5 s for 120 a minute), at most 64.
  // CoMagic: the points budget alone decides, within 64 sockets.
  expect(concurrencyCaps(UPSTREAMS, loadServerConfig({}))).toEqual({ helpcrunch: 9, comagic: 64 });
  expect(concurrencyCaps(UPSTREAMS, loadServerConfig({ HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '600' })).helpcrunch).toBe(19);
  expect(concurrencyCaps(UPSTREAMS, loadServerConfig({ HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '2' })).helpcrunch).toBe(1);
  expect(concurrencyCaps(UPSTREAMS, loadServerConfig({ HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '100000' })).helpcrunch).toBe(64);
  expect(concurrencyCaps(UPSTREAMS, loadServerConfig({ HELPCRUNCH_CONCURRENCY: '', COMAGIC_CONCURRENCY: ' ' }))).toEqual({ helpcrunch: 9, comagic: 64 });
  expect(concurrencyCaps(UPSTREAMS, loadServerConfig({ HELPCRUNCH_CONCURRENCY: '4', COMAGIC_CONCURRENCY: '4' }))).toEqual({ helpcrunch: 4, comagic: 4 });
  expect(concurrencyCaps(UPSTREAMS, loadServerConfig({ HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '600', HELPCRUNCH_CONCURRENCY: '64' })).helpcrunch).toBe(64);
});

test('HOST defaults to loopback outside production and to every interface in it', () => {
  expect(loadServerConfig({}).host).toBe('127.0.0.1');
  expect(loadServerConfig({ NODE_ENV: 'production', HELPCRUNCH_API_KEY: 'k', COMAGIC_ACCESS_TOKEN: 't' }).host).toBe('0.0.0.0');
  expect(loadServerConfig({ HOST: 'localhost' }).host).toBe('localhost');
});

test('every variable is read', () => {
  const config = loadServerConfig({
    HOST: '::',
    PORT: '8080',
    NODE_ENV: 'production',
    LOG_LEVEL: 'debug',
    ALLOW_CREDENTIAL_HEADERS: 'true',
    METRICS_ENABLED: 'false',
    REPLICAS: '3',
    REQUEST_BODY_LIMIT_BYTES: '65536',
    SHUTDOWN_TIMEOUT_MS: '2500',
    PERSISTED_QUERY_TTL_SECONDS: '600',
    IDEMPOTENCY_TTL_SECONDS: '3600',
    GRAPHQL_INTROSPECTION: 'yes',
    GRAPHQL_LANDING_PAGE: 'false',
    GRAPHQL_MAX_DEPTH: '6',
    GRAPHQL_MAX_COST: '900',
    GRAPHQL_MAX_ALIASES: '3',
    GRAPHQL_MAX_TOKENS: '400',
    GRAPHQL_MAX_DIRECTIVES: '5',
    HELPCRUNCH_API_URL: 'http://127.0.0.1:9000/v1/',
    HELPCRUNCH_API_KEY: 'key',
    HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '60',
    HELPCRUNCH_CONCURRENCY: '2',
    COMAGIC_API_URL: 'https://dataapi.uiscom.ru/v2.0',
    COMAGIC_ACCESS_TOKEN: 'token',
    COMAGIC_USER_ID: '12345',
    COMAGIC_CONCURRENCY: '8',
    COMAGIC_TIMEZONE: 'Asia/Almaty',
    COMAGIC_REPORTS_KEPT_DAYS: '180',
    UPSTREAM_TIMEOUT_MS: '1500',
    UPSTREAM_DEADLINE_MS: '4000',
    UPSTREAM_MAX_WAIT_MS: '0',
    UPSTREAM_BREAKER_FAILURES: '3',
    UPSTREAM_BREAKER_HALF_OPEN_MS: '500',
    CACHE_URL: 'redis://:secret@cache:6379/2',
    CACHE_TTL_SECONDS: '300',
    CACHE_NOT_FOUND_TTL_SECONDS: '30',
    CACHE_HISTORY_TTL_SECONDS: '45',
    CACHE_MAX_ENTRIES: '500',
    CACHE_TIMEOUT_MS: '100',
    CACHE_STALE_SECONDS: '0',
    OTEL_SDK_DISABLED: 'false',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-team=contacts,authorization=Bearer%20backend-key',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=graph',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    OTEL_EXPORTER_OTLP_CERTIFICATE: __filename,
    OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000',
    OTEL_SERVICE_NAME: 'contacts-subgraph',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.namespace=crm',
    OTEL_TRACES_SAMPLER: 'ParentBased_TraceIdRatio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    OTEL_BSP_EXPORT_TIMEOUT: '3000',
    OTEL_BSP_MAX_QUEUE_SIZE: '100',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200',
  });
  expect(config).toEqual({
    host: '::',
    port: 8080,
    nodeEnv: 'production',
    isProduction: true,
    logLevel: 'debug',
    allowCredentialHeaders: true,
    metricsEnabled: false,
    replicas: 3,
    http: { bodyLimitBytes: 65_536, shutdownTimeoutMs: 2_500 },
    persistedQueryTtlSeconds: 600,
    idempotencyTtlSeconds: 3_600,
    graphql: { introspection: true, landingPage: false, maxDepth: 6, maxCost: 900, maxAliases: 3, maxTokens: 400, maxDirectives: 5 },
    upstream: { attemptTimeoutMs: 1500, deadlineMs: 4000, maxWaitMs: 0, breakerFailures: 3, breakerHalfOpenMs: 500 },
    cache: {
      url: 'redis://:secret@cache:6379/2',
      ttlSeconds: 300,
      notFoundTtlSeconds: 30,
      historyTtlSeconds: 45,
      maxEntries: 500,
      timeoutMs: 100,
      staleSeconds: 0,
    },
    tracing: {
      tracesUrl: 'http://collector:4318/v1/traces',
      headers: { 'x-team': 'graph', authorization: 'Bearer backend-key' },
      timeoutMs: 2_000,
      compression: 'gzip',
      tls: { ca: readFileSync(__filename) },
      serviceName: 'contacts-subgraph',
      resourceAttributes: { 'deployment.environment': 'prod', 'service.namespace': 'crm' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      // A batch is never larger than the queue.
      batch: { scheduledDelayMillis: 1_000, exportTimeoutMillis: 3_000, maxQueueSize: 100, maxExportBatchSize: 100 },
    },
    upstreams: {
      helpcrunch: { apiUrl: 'http://127.0.0.1:9000/v1', apiKey: 'key', rateLimitPerMinute: 60, concurrency: 2 },
      comagic: { apiUrl: 'https://dataapi.uiscom.ru/v2.0', accessToken: 'token', userId: 12345, concurrency: 8, timeZone: 'Asia/Almaty', reportsKeptDays: 180 },
    },
  });
});

test('tracing is off without an endpoint, when the SDK is disabled, or with no exporter; a traces endpoint is used as it is', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com' };
  expect(loadServerConfig(endpoint).tracing.tracesUrl).toBe('https://otel.example.com/v1/traces');
  expect(loadServerConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing.tracesUrl).toBeUndefined();
  expect(loadServerConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing.tracesUrl).toBeUndefined();
  expect(loadServerConfig({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/custom' }).tracing.tracesUrl).toBe('http://127.0.0.1:4318/custom');
  expect(loadServerConfig({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes' }).tracing.serviceName).toBe('from-attributes');
});

test('an OTLP header or endpoint that is wrong is refused without echoing it: it may hold the backend\'s key', () => {
  const headers = errorOf({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer secret-backend-key,broken' });
  expect(headers).toContain('OTEL_EXPORTER_OTLP_HEADERS: must be key=value pairs');
  expect(headers).not.toContain('secret-backend-key');
  const endpoint = errorOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318?token=secret-backend-key' });
  expect(endpoint).toContain('OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL');
  expect(endpoint).not.toContain('secret-backend-key');
});

test.each([
  [{ PORT: 'eighty' }, 'PORT: must be a whole number from 0 to 65535, got "eighty"'],
  [{ HOST: 'http://0.0.0.0' }, 'HOST: must be an IP address or a host name (such as 127.0.0.1, 0.0.0.0, ::), got "http://0.0.0.0"'],
  [{ HOST: 'my host' }, 'HOST: must be an IP address or a host name'],
  [{ PERSISTED_QUERY_TTL_SECONDS: '0' }, 'PERSISTED_QUERY_TTL_SECONDS: must be a whole number from 1 to 2592000'],
  [{ IDEMPOTENCY_TTL_SECONDS: '30' }, 'IDEMPOTENCY_TTL_SECONDS: must be a whole number from 60 to 2592000'],
  [{ PORT: '70000' }, 'PORT: must be a whole number'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'],
  [{ HELPCRUNCH_API_URL: 'api.helpcrunch.com' }, 'HELPCRUNCH_API_URL: must be an http(s) URL'],
  [{ COMAGIC_API_URL: 'ftp://x' }, 'COMAGIC_API_URL: must be an http(s) URL'],
  [{ COMAGIC_USER_ID: '-1' }, 'COMAGIC_USER_ID: must be a positive whole number'],
  [{ COMAGIC_CONCURRENCY: '0' }, 'COMAGIC_CONCURRENCY: must be a whole number from 1 to 64'],
  [{ HELPCRUNCH_CONCURRENCY: '0' }, 'HELPCRUNCH_CONCURRENCY: must be a whole number from 1 to 64, got "0"'],
  [{ HELPCRUNCH_CONCURRENCY: '65' }, 'HELPCRUNCH_CONCURRENCY: must be a whole number from 1 to 64, got "65"'],
  [{ UPSTREAM_TIMEOUT_MS: '1.5' }, 'UPSTREAM_TIMEOUT_MS: must be a whole number'],
  [{ UPSTREAM_TIMEOUT_MS: '5000', UPSTREAM_DEADLINE_MS: '4000' }, 'UPSTREAM_DEADLINE_MS: must not be shorter than UPSTREAM_TIMEOUT_MS'],
  [{ HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '1' }, 'HELPCRUNCH_RATE_LIMIT_PER_MINUTE: must be a whole number from 2 to 100000'],
  [{ UPSTREAM_BREAKER_FAILURES: '0' }, 'UPSTREAM_BREAKER_FAILURES: must be a whole number from 1 to 1000'],
  [{ CACHE_STALE_SECONDS: '-5' }, 'CACHE_STALE_SECONDS: must be a whole number'],
  [{ CACHE_TTL_SECONDS: '0' }, 'CACHE_TTL_SECONDS: must be a whole number'],
  [{ CACHE_MAX_ENTRIES: 'lots' }, 'CACHE_MAX_ENTRIES: must be a whole number'],
  [{ CACHE_TTL_SECONDS: '5', CACHE_NOT_FOUND_TTL_SECONDS: '10' }, 'CACHE_NOT_FOUND_TTL_SECONDS: must not be longer than CACHE_TTL_SECONDS'],
  [{ CACHE_TTL_SECONDS: '20', CACHE_HISTORY_TTL_SECONDS: '25' }, 'CACHE_HISTORY_TTL_SECONDS: must not be longer than CACHE_TTL_SECONDS'],
  [{ COMAGIC_TIMEZONE: 'Moscow' }, 'COMAGIC_TIMEZONE: must be an IANA time zone name'],
  [{ COMAGIC_REPORTS_KEPT_DAYS: '0' }, 'COMAGIC_REPORTS_KEPT_DAYS: must be a whole number from 1'],
  [{ NODE_ENV: 'production' }, 'HELPCRUNCH_API_KEY: is required when NODE_ENV=production'],
  [{ NODE_ENV: 'production', HELPCRUNCH_API_KEY: 'k' }, 'COMAGIC_ACCESS_TOKEN: is required when NODE_ENV=production'],
  [{ ALLOW_CREDENTIAL_HEADERS: 'sometimes' }, 'ALLOW_CREDENTIAL_HEADERS: must be true or false, got "sometimes"'],
  [{ GRAPHQL_INTROSPECTION: 'on' }, 'GRAPHQL_INTROSPECTION: must be true or false'],
  [{ REQUEST_BODY_LIMIT_BYTES: '10' }, 'REQUEST_BODY_LIMIT_BYTES: must be a whole number from 1024'],
  [{ GRAPHQL_MAX_DEPTH: '0' }, 'GRAPHQL_MAX_DEPTH: must be a whole number from 1'],
  [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER: must be one of always_on, always_off, traceidratio, parentbased_always_on'],
  [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG: must be a ratio from 0 to 1, got "1.5"'],
  [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL: must be one of http/json'],
  [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER: must be one of otlp, none'],
  [{ OTEL_SDK_DISABLED: 'maybe' }, 'OTEL_SDK_DISABLED: must be true or false'],
  [{ OTEL_BSP_SCHEDULE_DELAY: 'soon' }, 'OTEL_BSP_SCHEDULE_DELAY: must be a whole number'],
  [{ OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }, 'OTEL_EXPORTER_OTLP_COMPRESSION: must be one of none, gzip'],
  [{ OTEL_EXPORTER_OTLP_CLIENT_KEY: '/no/such/key.pem' }, 'OTEL_EXPORTER_OTLP_CLIENT_KEY: must name a readable PEM file, got "/no/such/key.pem"'],
])('%j is refused, naming the variable', (env, message) => {
  expect(errorOf(env)).toContain(message);
});

test('in production introspection and the landing page are off unless enabled', () => {
  const production = { NODE_ENV: 'production', HELPCRUNCH_API_KEY: 'k', COMAGIC_ACCESS_TOKEN: 't' };
  expect(loadServerConfig(production).graphql).toMatchObject({ introspection: false, landingPage: false });
  expect(loadServerConfig({ ...production, GRAPHQL_INTROSPECTION: 'true', GRAPHQL_LANDING_PAGE: '1' }).graphql).toMatchObject({
    introspection: true,
    landingPage: true,
  });
});

test('in production, credentials may be left to the requests only when credential headers are allowed', () => {
  const config = loadServerConfig({ NODE_ENV: 'production', ALLOW_CREDENTIAL_HEADERS: 'true' });
  expect(config.allowCredentialHeaders).toBe(true);
  expect(config.upstreams.helpcrunch.apiKey).toBeUndefined();
  expect(config.upstreams.comagic.accessToken).toBeUndefined();
});

test('every wrong variable is named at once', () => {
  const message = errorOf({ PORT: 'x', CACHE_TTL_SECONDS: 'y' });
  expect(message).toContain('PORT:');
  expect(message).toContain('CACHE_TTL_SECONDS:');
});

test('a bad CACHE_URL is named without echoing it (it may hold a password)', () => {
  const message = errorOf({ CACHE_URL: 'http://user:hunter2@cache:6379' });
  expect(message).toContain('CACHE_URL: must be a redis:// or rediss:// URL');
  expect(message).not.toContain('hunter2');
});

test('.env.example is a valid configuration, and docs/configuration.md documents each of its variables', () => {
  const root = join(__dirname, '..');
  const example = parseEnv(readFileSync(join(root, '.env.example'), 'utf8'));
  expect(() => loadServerConfig(example)).not.toThrow();
  const documented = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
  const names = Object.keys(example);
  expect(names.length).toBeGreaterThan(30);
  for (const name of names) expect(documented).toContain(`| \`${name}\` |`);
});

test('every bad variable is named at once, the rules between variables included', () => {
  const message = errorOf({
    NODE_ENV: 'production',
    PORT: 'eighty',
    CACHE_TTL_SECONDS: '5',
    CACHE_NOT_FOUND_TTL_SECONDS: '10',
    UPSTREAM_TIMEOUT_MS: '5000',
    UPSTREAM_DEADLINE_MS: '4000',
  });
  const named = message.split('\n').slice(1).map((line) => line.trim().split(':')[0]);
  expect(named.sort()).toEqual(['CACHE_NOT_FOUND_TTL_SECONDS', 'COMAGIC_ACCESS_TOKEN', 'HELPCRUNCH_API_KEY', 'PORT', 'UPSTREAM_DEADLINE_MS']);
});

test('a rule between variables is not judged on a variable that is wrong itself', () => {
  expect(errorOf({ UPSTREAM_TIMEOUT_MS: 'soon', UPSTREAM_DEADLINE_MS: '4000' }).split('\n').slice(1)).toEqual([
    expect.stringContaining('UPSTREAM_TIMEOUT_MS: must be a whole number'),
  ]);
});
