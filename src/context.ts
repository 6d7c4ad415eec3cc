import type { RedisClientType } from '@keyv/redis';
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import type { EntityCache } from './cache/entityCache';
import type { CacheableAnswer } from './cache/responseCache';
import { StaleEntities } from './cache/staleData';
import type { Config } from './config';
import { cacheScope, credentialFingerprint, type Credentials } from './credentials';
import { UpstreamError, type UpstreamService } from './errors';
import type { RequestSummary } from './http/requestLog';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { UpstreamEndpoints } from './sandbox';
import { UpstreamConnection } from './transport/http';
import { comagicAccounts, comagicConcurrency } from './upstreams/comagic/account';
import type { CoMagicClient } from './upstreams/comagic/client';
import { createPersonLoaders, type PersonLoaders } from './upstreams/comagic/loaders';
import { helpcrunchAccounts, helpcrunchConcurrency } from './upstreams/helpcrunch/account';
import type { HelpCrunchClient } from './upstreams/helpcrunch/client';
import { createCustomerLoader, type CustomerLoader } from './upstreams/helpcrunch/loader';

/** One upstream account: its client (with its limits, retries and breaker) and its cache scope. */
export interface Account<Client> {
  client: Client;
  /** Prefixes every cache key of this account, and scopes the response cache. */
  scope: string;
}

/**
 * At most this many accounts per upstream keep their client, budget and breaker in memory;
 * the least recently used is dropped. Their cache entries and shared limits are unaffected.
 */
const MAX_ACCOUNTS = 1_000;

/**
 * What lives as long as the server: a connection pool per upstream, the accounts (each
 * account's limits, retries and circuit breaker live in its client) and the shared cache.
 * Nothing here holds per-request data.
 */
export interface Services {
  /** The configured credentials, used when a request brings none. */
  defaults: Credentials;
  helpcrunch(apiKey: string): Account<HelpCrunchClient>;
  comagic(accessToken: string): Account<CoMagicClient>;
  entityCache: EntityCache;
  metrics: Metrics;
  close(): Promise<void>;
}

export interface ServiceDependencies {
  endpoints: UpstreamEndpoints;
  entityCache: EntityCache;
  /** The cache's Redis, when there is one: the HelpCrunch budget is shared through it. */
  redis: RedisClientType | undefined;
  logger: Logger;
  metrics: Metrics;
}

/** How many calls one account of each upstream may have in flight (see each folder's account.ts). */
export function concurrencyCaps(config: Config): Record<UpstreamService, number> {
  return { helpcrunch: helpcrunchConcurrency(config), comagic: comagicConcurrency(config) };
}

export function createServices(
  config: Config,
  { endpoints, entityCache, redis, logger, metrics }: ServiceDependencies,
): Services {
  const connections = {
    helpcrunch: new UpstreamConnection('helpcrunch', endpoints.helpcrunch.apiUrl),
    comagic: new UpstreamConnection('comagic', endpoints.comagic.apiUrl),
  };
  // One account per credential, built on first use and dropped least recently used.
  const accounts = <Client>(service: UpstreamService, build: (credential: string, fingerprint: string) => Client) =>
    new LRUCache<string, Account<Client>>({
      max: MAX_ACCOUNTS,
      memoMethod: (credential) => ({
        client: build(credential, credentialFingerprint(credential)),
        scope: cacheScope(service, credential),
      }),
      dispose: (_account, credential) => void metrics.forgetAccount(service, credentialFingerprint(credential)).catch(() => undefined),
    });
  const helpcrunch = accounts('helpcrunch', helpcrunchAccounts(config, { connection: connections.helpcrunch, redis, logger, metrics }));
  const comagic = accounts(
    'comagic',
    comagicAccounts(config, {
      connection: connections.comagic,
      configuredToken: endpoints.comagic.accessToken,
      configuredUserId: endpoints.comagic.userId,
      logger,
      metrics,
    }),
  );

  return {
    defaults: { helpcrunchApiKey: endpoints.helpcrunch.apiKey, comagicAccessToken: endpoints.comagic.accessToken },
    helpcrunch: (apiKey) => helpcrunch.memo(apiKey),
    comagic: (accessToken) => comagic.memo(accessToken),
    entityCache,
    metrics,
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
  /** Filled in when the answer may be stored in the response cache. */
  cacheable: CacheableAnswer;
  /** Response-cache lifetime of a "not found". */
  notFoundTtlSeconds: number;
  /** What the request's log line says of it. */
  summary: RequestSummary;
  /** Logs with the request id. */
  log: Logger;
  /** Entities this request was served from stale cache entries. */
  stale: StaleEntities;
}

export interface RequestOptions {
  /** Sent upstream as `X-Request-Id`. */
  requestId: string;
  summary: RequestSummary;
  log: Logger;
  credentials: Credentials;
  cacheable: CacheableAnswer;
}

/** The scopes of the accounts a request is served with: the response cache keeps their answers apart. */
export function cacheScopes(services: Services, credentials: Credentials): string[] {
  const scopes: string[] = [];
  if (credentials.helpcrunchApiKey) scopes.push(services.helpcrunch(credentials.helpcrunchApiKey).scope);
  if (credentials.comagicAccessToken) scopes.push(services.comagic(credentials.comagicAccessToken).scope);
  return scopes;
}

export function createContext(services: Services, { requestId, summary, log, credentials, cacheable }: RequestOptions): Context {
  const { entityCache } = services;
  const call = { requestId, upstreamCalls: summary.upstreamCalls };
  const request = { call, stale: new StaleEntities(), metrics: services.metrics };

  let customers: CustomerLoader;
  if (credentials.helpcrunchApiKey) {
    const helpcrunch = services.helpcrunch(credentials.helpcrunchApiKey);
    customers = createCustomerLoader(helpcrunch.client, entityCache, helpcrunch.scope, request);
  } else {
    customers = refusing(noCredential('helpcrunch', 'HELPCRUNCH_API_KEY', 'X-HelpCrunch-Api-Key'));
  }

  let persons: PersonLoaders;
  if (credentials.comagicAccessToken) {
    const comagic = services.comagic(credentials.comagicAccessToken);
    persons = createPersonLoaders(comagic.client, entityCache, comagic.scope, request);
  } else {
    const error = noCredential('comagic', 'COMAGIC_ACCESS_TOKEN', 'X-CoMagic-Access-Token');
    persons = { persons: refusing(error), visitors: refusing(error) };
  }

  return {
    customers,
    ...persons,
    cacheable,
    notFoundTtlSeconds: entityCache.ttl.notFoundSeconds,
    summary,
    log,
    stale: request.stale,
  };
}

function noCredential(service: UpstreamService, variable: string, header: string): UpstreamError {
  return new UpstreamError(
    'UNAUTHENTICATED',
    `No ${service} credential: this server has no ${variable}, and the request sent no ${header} header`,
    { service },
    { heldBack: true },
  );
}

/** A loader for an upstream this request has no credential for: every id fails with `error`. */
function refusing<V>(error: Error): DataLoader<number, V> {
  return new DataLoader<number, V>(async (ids) => ids.map(() => error));
}
