import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import ApolloServerPluginResponseCache from '@apollo/server-plugin-response-cache';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { EntityCache } from './cache/entityCache';
import { persistedQueryCache } from './cache/persistedQueries';
import { staleDataPlugin } from './cache/staleData';
import { createCacheStore } from './cache/store';
import type { Config } from './config';
import { createContext, createServices, type Context } from './context';
import { CREDENTIAL_HEADERS, requestCredentials } from './credentials';
import { formatError } from './graphqlErrors';
import { bodyErrorHandler } from './http/bodyErrors';
import { requestLog, requestSummary } from './http/requestLog';
import { KnownOperationTypesRule } from './knownOperationTypes';
import type { Logger } from './logger';
import { Metrics } from './metrics';
import { errorLogPlugin } from './plugins/errorLog';
import { graphqlMetricsPlugin } from './plugins/metrics';
import { requestSummaryPlugin } from './plugins/requestSummary';
import { queryLimits } from './queryLimits';
import { resolveUpstreams } from './sandbox';
import { buildSchema } from './schema';

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
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const metrics = new Metrics();
  const upstreams = await resolveUpstreams(config, logger);
  const store = await createCacheStore(config.cache, logger, metrics);
  const entityCache = new EntityCache(store.layer('entity'), {
    foundSeconds: config.cache.ttlSeconds,
    notFoundSeconds: config.cache.notFoundTtlSeconds,
    staleSeconds: config.cache.staleSeconds,
  });
  const services = createServices(config, {
    endpoints: upstreams.endpoints,
    entityCache,
    redis: store.redis,
    logger,
    metrics,
  });

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const { introspection, landingPage } = config.graphql;
  const limits = queryLimits(config.graphql, { introspection });
  // Registered by one replica, known to all: the hashes live in the shared cache (a miss when it fails).
  const persistedQueries = { cache: persistedQueryCache(store.layer('apq')), ttl: config.persistedQueryTtlSeconds };
  const apollo = new ApolloServer<Context>({
    schema: buildSchema(),
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
      ApolloServerPluginResponseCache({
        cache: store.layer('response'),
        // Data fetched with one account's credentials is never served to another.
        extraCacheKeyData: async ({ contextValue }) => contextValue.cacheScopes,
      }),
      landingPage ? ApolloServerPluginLandingPageLocalDefault({ footer: false }) : ApolloServerPluginLandingPageDisabled(),
      graphqlMetricsPlugin(metrics),
      requestSummaryPlugin(),
      errorLogPlugin(),
      ...limits.plugins,
    ],
  });
  await apollo.start();

  let stopping = false;
  app.use(requestLog(logger));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    if (stopping) return void res.status(503).json({ status: 'stopping' });
    try {
      await store.ping();
      res.json({ status: 'ready', cache: store.kind });
    } catch {
      res.status(503).json({ status: 'not ready', cache: store.kind, reason: 'the cache does not answer' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(
    '/graphql',
    (req, _res, next) => {
      requestSummary(req);
      next();
    },
    // Browsers may read the request id, to quote it when something went wrong.
    cors({ exposedHeaders: ['X-Request-Id'] }),
    express.json({ limit: config.http.bodyLimitBytes }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        // Each tenant's answer differs: no shared HTTP cache may serve one tenant another's.
        if (config.allowCredentialHeaders) res.append('vary', Object.values(CREDENTIAL_HEADERS));
        const credentials = requestCredentials(req.headers, services.defaults, config.allowCredentialHeaders);
        return createContext(services, { requestId: String(req.id), summary: requestSummary(req), log: req.log, credentials });
      },
    }),
  );
  app.use(bodyErrorHandler(config.http.bodyLimitBytes));

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
      await apollo.stop();
      await Promise.all([store.close(), services.close(), upstreams.close()]);
    },
  };
}
