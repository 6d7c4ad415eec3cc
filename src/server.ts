import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { createHash } from 'node:crypto';
import { printSchema } from 'graphql';
import { EntityCache } from './cache/entityCache';
import { IdempotencyRecords } from './cache/idempotency';
import { Invalidation } from './cache/invalidation';
import { persistedQueryCache } from './cache/persistedQueries';
import { cacheableAnswerPlugin, ResponseCache } from './cache/responseCache';
import { createCacheStore } from './cache/store';
import { loadConfig, type Config, type LogLevel, type SettingsByName } from './config';
import type { Context } from './context';
import { CredentialHeaders } from './credentials';
import { buildSchema } from './graphql/schema';
import { formatError } from './graphqlErrors';
import { httpFront, sendJson } from './http/front';
import { graphqlRoute } from './http/graphql';
import { requestId, requestLog, requestLogger, requestSummary } from './http/requestLog';
import { KnownOperationTypesRule } from './knownOperationTypes';
import { LINKS } from './links';
import { createLogger, type Logger } from './logger';
import { Metrics } from './metrics';
import { errorLogPlugin } from './plugins/errorLog';
import { graphqlMetricsPlugin } from './plugins/metrics';
import { requestSummaryPlugin } from './plugins/requestSummary';
import { partialFailuresPlugin } from './plugins/partialFailures';
import { staleDataPlugin } from './plugins/staleData';
import { tracingPlugin } from './plugins/tracing';
import { queryLimits } from './queryLimits';
import { resolveUpstreams } from './sandbox';
import { cacheScopes, createContext, createServices } from './services';
import { createTracing } from './tracing/tracing';
import { UPSTREAMS } from './upstreams';

/*
 * The composition root: the one module (with main.ts, which starts it) that reads the list of
 * upstreams and links, and hands it to the shared machinery below, which knows only the
 * `Upstream` contract: the variables read, the redaction of credentials, the sandboxes, the
 * accounts and each request's loaders, the schema and its resolvers.
 */

/** This server's settings: the shared ones, and each upstream's under its name. */
export type ServerConfig = Config<SettingsByName<typeof UPSTREAMS>>;

/** Reads and validates this server's settings from the environment; throws a ConfigError naming every variable that is wrong. */
export function loadServerConfig(env?: NodeJS.ProcessEnv): ServerConfig {
  return loadConfig(UPSTREAMS, env);
}

const credentialHeaders = new CredentialHeaders(UPSTREAMS);

/** The server's logger: JSON lines with every place an upstream's credential could sit redacted. */
export function createServerLogger(level: LogLevel, destination?: Parameters<typeof createLogger>[2]): Logger {
  return createLogger(level, [...credentialHeaders.logPaths(), ...UPSTREAMS.flatMap(({ logRedactPaths }) => logRedactPaths)], destination);
}

/** The subgraph's schema: every upstream's types and the links between them, with their resolvers. */
export function buildGraphSchema() {
  return buildSchema({ upstreams: UPSTREAMS, links: LINKS });
}

export interface RunningServer {
  /** `http://host:port`; the GraphQL endpoint is `${url}/graphql`. */
  url: string;
  /**
   * Stops gracefully: `/ready` turns 503, no new connections are accepted, in-flight
   * requests get up to SHUTDOWN_TIMEOUT_MS to finish, then the cache and pools close.
   */
  close(): Promise<void>;
}

/**
 * Starts the subgraph: upstreams (or their sandboxes), the cache, Apollo Server, and the
 * HTTP routes. Resolves once the server accepts requests.
 */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const metrics = new Metrics();
  const tracing = createTracing(config.tracing, logger);
  const upstreams = await resolveUpstreams(UPSTREAMS, config, logger);
  const store = await createCacheStore(config.cache, logger, metrics);
  const invalidation = new Invalidation(store.redis, { timeoutMs: config.cache.timeoutMs, logger });
  await invalidation.start();
  const entityCache = new EntityCache(
    store.layer('entity'),
    {
      foundSeconds: config.cache.ttlSeconds,
      notFoundSeconds: config.cache.notFoundTtlSeconds,
      historySeconds: config.cache.historyTtlSeconds,
      staleSeconds: config.cache.staleSeconds,
    },
    invalidation,
  );
  // An answer depends on the schema and the limits it passed: a deploy changing either starts afresh.
  const schema = buildGraphSchema();
  const answersVersion = createHash('sha256').update(printSchema(schema)).update(JSON.stringify(config.graphql)).digest('hex').slice(0, 16);
  const responseCache = new ResponseCache({
    shared: store.kind === 'redis' ? store.layer('response') : undefined,
    redis: store.redis,
    version: answersVersion,
    invalidation,
    timeoutMs: config.cache.timeoutMs,
  });
  // A write may read the customer first, then write: each within the deadline, and the drop of what it changed after.
  const leaseMs = 2 * config.upstream.deadlineMs + 30_000;
  const idempotency = new IdempotencyRecords(store.redis, { ttlSeconds: config.idempotencyTtlSeconds, leaseMs, timeoutMs: config.cache.timeoutMs });
  const services = createServices(UPSTREAMS, config, {
    endpoints: upstreams.endpoints,
    entityCache,
    writes: { entityCache, responseCache, invalidation, idempotency },
    redis: store.redis,
    logger,
    metrics,
    tracer: tracing.tracer,
  });

  const httpServer = createServer();
  const { introspection, landingPage } = config.graphql;
  const limits = queryLimits(config.graphql, { introspection });
  // Registered by one replica, known to all: the hashes live in the shared cache (a miss when it fails).
  const persistedQueries = { cache: persistedQueryCache(store.layer('apq')), ttl: config.persistedQueryTtlSeconds };
  const apollo = new ApolloServer<Context>({
    schema,
    nodeEnv: config.nodeEnv,
    introspection,
    includeStacktraceInErrorResponses: !config.isProduction,
    csrfPrevention: true,
    // main.ts owns SIGTERM: Apollo's own handler would stop Apollo alone and re-raise the signal.
    stopOnTerminationSignals: false,
    persistedQueries,
    parseOptions: limits.parseOptions,
    validationRules: [KnownOperationTypesRule, ...limits.validationRules],
    logger: logger.child({ component: 'apollo' }),
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.http.shutdownTimeoutMs }),
      ApolloServerPluginCacheControl({ defaultMaxAge: config.cache.ttlSeconds }),
      staleDataPlugin(),
      partialFailuresPlugin(),
      cacheableAnswerPlugin(),
      landingPage ? ApolloServerPluginLandingPageLocalDefault({ footer: false }) : ApolloServerPluginLandingPageDisabled(),
      ...(config.metricsEnabled ? [graphqlMetricsPlugin(metrics)] : []),
      requestSummaryPlugin(),
      ...(tracing.enabled ? [tracingPlugin()] : []),
      errorLogPlugin(),
      ...limits.plugins,
    ],
  });
  await apollo.start();

  let stopping = false;
  const credentialsOf = (headers: IncomingHttpHeaders) => credentialHeaders.read(headers, services.defaults, config.allowCredentialHeaders);
  httpServer.on(
    'request',
    httpFront({
      requestLog: requestLog(
        logger,
        UPSTREAMS.map(({ name }) => name),
      ),
      get: {
        '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
        '/ready': async (_req, res) => {
          if (stopping) return sendJson(res, 503, { status: 'stopping' });
          try {
            await store.ping();
            sendJson(res, 200, { status: 'ready', cache: store.kind });
          } catch {
            sendJson(res, 503, { status: 'not ready', cache: store.kind, reason: 'the cache does not answer' });
          }
        },
        ...(config.metricsEnabled && {
          '/metrics': async (_req, res) => {
            res.setHeader('content-type', metrics.registry.contentType);
            res.end(await metrics.registry.metrics());
          },
        }),
      },
      graphql: graphqlRoute({
        apollo,
        bodyLimitBytes: config.http.bodyLimitBytes,
        responseCache,
        metrics: config.metricsEnabled ? metrics : undefined,
        // Each tenant's answer differs: no shared HTTP cache may serve one tenant another's.
        headers: config.allowCredentialHeaders ? { vary: credentialHeaders.names.join(', ') } : {},
        tracing,
        scopesOf: (headers) => {
          try {
            return cacheScopes(services, credentialsOf(headers));
          } catch {
            return undefined;
          }
        },
        createContext: async (req, cacheable, held) =>
          createContext(services, {
            requestId: requestId(req),
            summary: requestSummary(req),
            logger: () => requestLogger(req, logger),
            credentials: credentialsOf(req.headers),
            cacheable,
            held,
            idempotencyKey: firstHeader(req.headers['idempotency-key']),
          }),
      }),
    }),
  );

  httpServer.listen(config.port, config.host);
  await once(httpServer, 'listening');
  const { address, port, family } = httpServer.address() as AddressInfo;
  const bound = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  logger.info({ url: `${bound}/graphql`, cache: store.kind }, 'contact graph ready');
  // Where this process itself reaches the server: a wildcard address is reached on loopback.
  const url = address === '0.0.0.0' ? `http://127.0.0.1:${port}` : address === '::' ? `http://[::1]:${port}` : bound;

  return {
    url,
    async close() {
      stopping = true;
      try {
        await apollo.stop();
        // Writes behind the last answers land before the store closes.
        await Promise.all([entityCache.settled(), responseCache.settled()]);
        responseCache.close();
        await Promise.all([invalidation.close(), store.close(), services.close(), upstreams.close()]);
      } finally {
        // The last requests' spans go out (within a bound) before the process may end.
        await tracing.shutdown();
      }
    },
  };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
