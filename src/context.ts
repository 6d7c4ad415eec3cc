import type { RedisClientType } from '@keyv/redis';
import { cacheScope, credentialFingerprint, type EntityCache } from './cache/entityCache';
import { StaleEntities } from './cache/staleData';
import { PointsBudget } from './comagic/budget';
import { CoMagicClient } from './comagic/client';
import type { Config } from './config';
import { HelpCrunchClient } from './helpcrunch/client';
import { createCustomerLoader, type CustomerLoader } from './loaders/customers';
import { createPersonLoaders, type PersonLoaders } from './loaders/persons';
import type { Logger } from './logger';
import { CallPolicy } from './transport/callPolicy';
import { UpstreamConnection } from './transport/http';
import { RequestRateLimiter } from './transport/rateLimiter';

/** The resolved address and credential of each upstream (the sandbox's, when it serves one). */
export interface UpstreamEndpoints {
  helpcrunch: { apiUrl: string; apiKey: string };
  comagic: { apiUrl: string; accessToken: string; userId: number | undefined };
}

/**
 * What lives as long as the server: a connection pool per upstream, the clients (each
 * account's limits, retries and circuit breaker live in its client) and the shared cache.
 * Nothing here holds per-request data.
 */
export interface Services {
  helpcrunch: { client: HelpCrunchClient; scope: string };
  comagic: { client: CoMagicClient; scope: string };
  entityCache: EntityCache;
  close(): Promise<void>;
}

export interface ServiceDependencies {
  endpoints: UpstreamEndpoints;
  entityCache: EntityCache;
  /** The cache's Redis, when there is one: the HelpCrunch budget is shared through it. */
  redis: RedisClientType | undefined;
  logger: Logger;
}

export function createServices(config: Config, { endpoints, entityCache, redis, logger }: ServiceDependencies): Services {
  const connections = {
    helpcrunch: new UpstreamConnection('helpcrunch', endpoints.helpcrunch.apiUrl),
    comagic: new UpstreamConnection('comagic', endpoints.comagic.apiUrl),
  };
  const helpcrunchLimiter = new RequestRateLimiter({
    service: 'helpcrunch',
    perMinute: config.helpcrunch.rateLimitPerMinute,
    redis,
    redisTimeoutMs: config.cache.timeoutMs,
    logger,
  });

  const { apiKey } = endpoints.helpcrunch;
  const helpcrunchAccount = credentialFingerprint(apiKey);
  const helpcrunch = new HelpCrunchClient({
    apiKey,
    connection: connections.helpcrunch,
    policy: new CallPolicy({
      ...config.upstream,
      service: 'helpcrunch',
      account: helpcrunchAccount,
      concurrency: config.helpcrunch.concurrency,
      throttle: helpcrunchLimiter.forAccount(helpcrunchAccount),
      logger,
    }),
  });

  const { accessToken, userId } = endpoints.comagic;
  const budget = new PointsBudget();
  const comagic = new CoMagicClient({
    accessToken,
    userId,
    connection: connections.comagic,
    budget,
    policy: new CallPolicy({
      ...config.upstream,
      service: 'comagic',
      account: credentialFingerprint(accessToken),
      concurrency: config.comagic.concurrency,
      throttle: budget,
      logger,
    }),
  });

  return {
    helpcrunch: { client: helpcrunch, scope: cacheScope('helpcrunch', apiKey) },
    comagic: { client: comagic, scope: cacheScope('comagic', accessToken) },
    entityCache,
    async close() {
      await Promise.all(Object.values(connections).map((connection) => connection.close()));
    },
  };
}

/** Per-request state: fresh loaders, so batching and memoisation never cross requests. */
export interface Context {
  customers: CustomerLoader;
  persons: PersonLoaders['persons'];
  visitors: PersonLoaders['visitors'];
  /** Scopes the response cache to the credentials that produced the data. */
  cacheScopes: string[];
  /** Response-cache lifetime of a "not found". */
  notFoundTtlSeconds: number;
  /** Sent upstream as `X-Request-Id` and returned to the caller. */
  requestId: string;
  /** Entities this request was served from stale cache entries. */
  stale: StaleEntities;
}

export function createContext(services: Services, requestId: string): Context {
  const { helpcrunch, comagic, entityCache } = services;
  const request = { call: { requestId }, stale: new StaleEntities() };
  return {
    customers: createCustomerLoader(helpcrunch.client, entityCache, helpcrunch.scope, request),
    ...createPersonLoaders(comagic.client, entityCache, comagic.scope, request),
    cacheScopes: [helpcrunch.scope, comagic.scope],
    notFoundTtlSeconds: entityCache.ttl.notFoundSeconds,
    requestId,
    stale: request.stale,
  };
}
