import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import ApolloServerPluginResponseCache from '@apollo/server-plugin-response-cache';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { EntityCache } from './cache/entityCache';
import { staleDataPlugin } from './cache/staleData';
import { createCacheStore } from './cache/store';
import type { Config } from './config';
import { createContext, createServices, type Context } from './context';
import { CREDENTIAL_HEADERS, requestCredentials } from './credentials';
import { UpstreamError } from './errors';
import type { Logger } from './logger';
import { resolveUpstreams } from './sandbox';
import { buildSchema } from './schema';

export interface RunningServer {
  /** `http://host:port`; the GraphQL endpoint is `${url}/graphql`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the subgraph: upstreams (or their sandboxes), the cache, Apollo Server, and the
 * HTTP routes. Resolves once the server accepts requests.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const upstreams = await resolveUpstreams(config, logger);
  const store = await createCacheStore(config.cache, logger);
  const entityCache = new EntityCache(store.cache, {
    foundSeconds: config.cache.ttlSeconds,
    notFoundSeconds: config.cache.notFoundTtlSeconds,
    staleSeconds: config.cache.staleSeconds,
  });
  const services = createServices(config, {
    endpoints: upstreams.endpoints,
    entityCache,
    redis: store.redis,
    logger,
  });

  const app = express();
  const httpServer = createServer(app);
  const apollo = new ApolloServer<Context>({
    schema: buildSchema(),
    nodeEnv: config.nodeEnv,
    introspection: !config.isProduction,
    includeStacktraceInErrorResponses: !config.isProduction,
    csrfPrevention: true,
    logger: logger.child({ component: 'apollo' }),
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginCacheControl({ defaultMaxAge: config.cache.ttlSeconds }),
      staleDataPlugin(),
      ApolloServerPluginResponseCache({
        cache: store.cache,
        // Data fetched with one account's credentials is never served to another.
        extraCacheKeyData: async ({ contextValue }) => contextValue.cacheScopes,
      }),
      config.isProduction
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ footer: false }),
      logErrors(logger),
    ],
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(
    '/graphql',
    // Browsers may read the request id, to quote it when something went wrong.
    cors({ exposedHeaders: ['X-Request-Id'] }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = requestIdOf(req);
        res.setHeader('x-request-id', requestId);
        // Each tenant's answer differs: no shared HTTP cache may serve one tenant another's.
        if (config.allowCredentialHeaders) res.append('vary', Object.values(CREDENTIAL_HEADERS));
        const credentials = requestCredentials(req.headers, services.defaults, config.allowCredentialHeaders);
        return createContext(services, { requestId, credentials });
      },
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen(config.port, resolve));
  const url = `http://localhost:${(httpServer.address() as AddressInfo).port}`;
  logger.info({ url: `${url}/graphql`, cache: store.kind }, 'contact graph ready');

  return {
    url,
    async close() {
      await apollo.stop();
      await Promise.all([store.close(), services.close(), upstreams.close()]);
    },
  };
}

/** The caller's `X-Request-Id` when it is a sane token, otherwise a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** Upstream errors carry their typed code and upstream details to the client. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (!(original instanceof UpstreamError)) return formatted;
  return {
    ...formatted,
    message: original.message,
    extensions: {
      ...formatted.extensions,
      code: original.code,
      upstream: original.upstream,
      ...(original.retryAfter !== undefined ? { retryAfter: original.retryAfter } : {}),
    },
  };
}

function logErrors(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (original instanceof UpstreamError) {
              logger.warn({ operationName, code: original.code, upstream: original.upstream, path: error.path }, original.message);
            } else if (!error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR') {
              logger.error({ operationName, err: original, path: error.path }, 'resolver failed');
            }
          }
        },
      };
    },
  };
}

