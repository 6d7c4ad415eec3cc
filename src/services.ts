import type { RedisClientType } from '@keyv/redis';
import type { Tracer } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import type { EntityCache } from './cache/entityCache';
import type { CacheableAnswer } from './cache/responseCache';
import type { HeldEntities } from './cache/invalidation';
import { StaleEntities } from './cache/staleData';
import { settingsOf, type Config, type SettingsByName } from './config';
import type { Context } from './context';
import { cacheScope, credentialFingerprint, type Credentials } from './credentials';
import { UpstreamError } from './errors';
import { PartialFailures } from './graphql/partialFailures';
import type { RequestSummary } from './http/requestLog';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { UpstreamEndpoints } from './sandbox';
import { UpstreamConnection } from './transport/http';
import type { Account, AnyUpstream } from './upstreams/upstream';
import { Writes, type WriteServices } from './writes';

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
  /** The upstreams served, as the composition root handed them. */
  upstreams: readonly AnyUpstream[];
  /** The configured credentials, used when a request brings none. */
  defaults: Credentials;
  /** An upstream's account for a credential: built on first use, then kept (see MAX_ACCOUNTS). */
  account(service: string, credential: string): Account<unknown>;
  entityCache: EntityCache;
  /** What writes go through: idempotency records and invalidation. */
  writes: WriteServices;
  metrics: Metrics;
  /** Starts the spans of loaders and upstream calls; records nothing when tracing is off. */
  tracer: Tracer;
  close(): Promise<void>;
}

export interface ServiceDependencies {
  endpoints: UpstreamEndpoints;
  entityCache: EntityCache;
  writes: WriteServices;
  /** The cache's Redis, when there is one: an upstream's budget may be shared through it. */
  redis: RedisClientType | undefined;
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/** How many calls one account of each upstream may have in flight (see each folder's account.ts). */
export function concurrencyCaps<const U extends readonly AnyUpstream[]>(upstreams: U, config: Config<SettingsByName<U>>): Record<string, number> {
  return Object.fromEntries(upstreams.map((upstream) => [upstream.name, upstream.concurrency(settingsOf(config, upstream.name), config)]));
}

export function createServices<const U extends readonly AnyUpstream[]>(
  upstreams: U,
  config: Config<SettingsByName<U>>,
  { endpoints, entityCache, writes, redis, logger, metrics, tracer }: ServiceDependencies,
): Services {
  const connections: UpstreamConnection[] = [];
  const accounts = new Map(
    upstreams.map((upstream) => {
      const service = upstream.name;
      const connection = new UpstreamConnection(service, endpoints[service]!.apiUrl);
      connections.push(connection);
      const build = upstream.accounts(settingsOf(config, upstream.name), config, { connection, redis, logger, metrics, tracer });
      // One account per credential, built on first use and dropped least recently used.
      const cache = new LRUCache<string, Account<unknown>>({
        max: MAX_ACCOUNTS,
        memoMethod: (credential) => ({ client: build(credential, credentialFingerprint(credential)), scope: cacheScope(service, credential) }),
        dispose: (_account, credential) => void metrics.forgetAccount(service, credentialFingerprint(credential)).catch(() => undefined),
      });
      return [service, cache];
    }),
  );

  return {
    upstreams,
    defaults: Object.fromEntries(upstreams.map(({ name }) => [name, endpoints[name]!.credential])),
    account: (service, credential) => accounts.get(service)!.memo(credential),
    entityCache,
    writes,
    metrics,
    tracer,
    async close() {
      await Promise.all(connections.map((connection) => connection.close()));
    },
  };
}

export interface RequestOptions {
  /** Sent upstream as `X-Request-Id`. */
  requestId: string;
  summary: RequestSummary;
  /** The request's logger, made when first asked for: most requests log nothing of their own. */
  logger: () => Logger;
  credentials: Credentials;
  cacheable: CacheableAnswer;
  /** The entities the answer holds, filled as it is made. */
  held: HeldEntities;
  /** The request's `Idempotency-Key` header, when it sent one. */
  idempotencyKey: string | undefined;
}

/** The scopes of the accounts a request is served with: the response cache keeps their answers apart. */
export function cacheScopes(services: Services, credentials: Credentials): string[] {
  const scopes: string[] = [];
  for (const { name } of services.upstreams) {
    const credential = credentials[name];
    if (credential) scopes.push(services.account(name, credential).scope);
  }
  return scopes;
}

/** A request's context: the shared part, and each upstream's loaders under the names its folder gives them. */
export function createContext(services: Services, { requestId, summary, logger, credentials, cacheable, held, idempotencyKey }: RequestOptions): Context {
  const { entityCache } = services;
  const call = { requestId, upstreamCalls: summary.upstreamCalls };
  const request = { call, stale: new StaleEntities(), held, metrics: services.metrics, tracer: services.tracer };

  const loaders = services.upstreams.map((upstream) => {
    const credential = credentials[upstream.name];
    if (credential) return upstream.loaders(services.account(upstream.name, credential), entityCache, request);
    return upstream.refusing(noCredential(upstream));
  });

  const own: Context = {
    cacheable,
    notFoundTtlSeconds: entityCache.ttl.notFoundSeconds,
    historyTtlSeconds: entityCache.ttl.historySeconds,
    summary,
    get log() {
      return logger();
    },
    stale: request.stale,
    partial: new PartialFailures(),
    held,
    writes: new Writes(services.writes, idempotencyKey, logger),
  };
  return Object.assign(own, ...loaders) as Context;
}

function noCredential({ name, credential }: AnyUpstream): UpstreamError {
  return new UpstreamError(
    'UNAUTHENTICATED',
    `No ${name} credential: this server has no ${credential.variable}, and the request sent no ${credential.header} header`,
    { service: name },
    { heldBack: true },
  );
}
