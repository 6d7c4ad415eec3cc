import type { RedisClientType } from '@keyv/redis';
import type { Tracer } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import type { EntityCache } from './cache/entityCache';
import type { CacheableAnswer } from './cache/responseCache';
import { StaleEntities } from './cache/staleData';
import type { Config } from './config';
import { cacheScope, credentialFingerprint, type Credentials } from './credentials';
import { UpstreamError } from './errors';
import type { RequestSummary } from './http/requestLog';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { UpstreamEndpoints } from './sandbox';
import { UpstreamConnection } from './transport/http';
import { UPSTREAMS, type KnownUpstream, type UpstreamService } from './upstreams';
import type { Account, AnyUpstream, LoadersOf, UnionToIntersection } from './upstreams/upstream';

/** The upstreams as this module sees them: it builds and hands on what each folder defines, whatever its types. */
const upstreams: readonly AnyUpstream[] = UPSTREAMS;

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
  /** An upstream's account for a credential: built on first use, then kept (see MAX_ACCOUNTS). */
  account(service: UpstreamService, credential: string): Account<unknown>;
  entityCache: EntityCache;
  metrics: Metrics;
  /** Starts the spans of loaders and upstream calls; records nothing when tracing is off. */
  tracer: Tracer;
  close(): Promise<void>;
}

export interface ServiceDependencies {
  endpoints: UpstreamEndpoints;
  entityCache: EntityCache;
  /** The cache's Redis, when there is one: an upstream's budget may be shared through it. */
  redis: RedisClientType | undefined;
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/** How many calls one account of each upstream may have in flight (see each folder's account.ts). */
export function concurrencyCaps(config: Config): Record<UpstreamService, number> {
  return Object.fromEntries(upstreams.map((upstream) => [upstream.name, upstream.concurrency(config)])) as Record<UpstreamService, number>;
}

export function createServices(
  config: Config,
  { endpoints, entityCache, redis, logger, metrics, tracer }: ServiceDependencies,
): Services {
  const connections: UpstreamConnection[] = [];
  const accounts = new Map(
    upstreams.map((upstream) => {
      const service = upstream.name;
      const connection = new UpstreamConnection(service, endpoints[service].apiUrl);
      connections.push(connection);
      const build = upstream.accounts(config, { connection, redis, logger, metrics, tracer });
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
    defaults: Object.fromEntries(upstreams.map(({ name }) => [name, endpoints[name].credential])) as Credentials,
    account: (service, credential) => accounts.get(service)!.memo(credential),
    entityCache,
    metrics,
    tracer,
    async close() {
      await Promise.all(connections.map((connection) => connection.close()));
    },
  };
}

/** Every upstream's loaders, each under the name its folder gives it. */
export type UpstreamLoaders = UnionToIntersection<LoadersOf<KnownUpstream>>;

/** Per-request state: fresh loaders, so batching and memoisation never cross requests. */
export interface Context extends UpstreamLoaders {
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
  /** The request's logger, made when first asked for: most requests log nothing of their own. */
  logger: () => Logger;
  credentials: Credentials;
  cacheable: CacheableAnswer;
}

/** The scopes of the accounts a request is served with: the response cache keeps their answers apart. */
export function cacheScopes(services: Services, credentials: Credentials): string[] {
  const scopes: string[] = [];
  for (const { name } of upstreams) {
    const credential = credentials[name];
    if (credential) scopes.push(services.account(name, credential).scope);
  }
  return scopes;
}

export function createContext(services: Services, { requestId, summary, logger, credentials, cacheable }: RequestOptions): Context {
  const { entityCache } = services;
  const call = { requestId, upstreamCalls: summary.upstreamCalls };
  const request = { call, stale: new StaleEntities(), metrics: services.metrics, tracer: services.tracer };

  const loaders = upstreams.map((upstream) => {
    const credential = credentials[upstream.name];
    if (credential) return upstream.loaders(services.account(upstream.name, credential), entityCache, request);
    return upstream.refusing(noCredential(upstream));
  });

  const own: Omit<Context, keyof UpstreamLoaders> = {
    cacheable,
    notFoundTtlSeconds: entityCache.ttl.notFoundSeconds,
    summary,
    get log() {
      return logger();
    },
    stale: request.stale,
  };
  // Each folder's loaders are typed by its own `Upstream`, which UpstreamLoaders is made of.
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
