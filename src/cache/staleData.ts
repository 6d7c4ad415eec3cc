import type { ApolloServerPlugin } from '@apollo/server';
import { responsePathAsArray } from 'graphql';
import { UpstreamError, type UpstreamErrorCode, type UpstreamService } from '../errors';

/** Why and from when a stale entity was served. */
export interface StaleOrigin {
  service: UpstreamService;
  /** When the upstream last answered for this entity (ms since epoch). */
  fetchedAt: number;
  /** The error that kept the fresh value from being fetched. */
  reason: UpstreamErrorCode;
}

/** One entry of the response's `extensions.staleData`. */
export interface StaleField {
  path: Array<string | number>;
  service: UpstreamService;
  ageSeconds: number;
  reason: UpstreamErrorCode;
}

/** Failures that a stale copy may stand in for. Credentials refused or bad input never are. */
const STALE_STANDS_IN_FOR: ReadonlySet<UpstreamErrorCode> = new Set([
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'RATE_LIMITED',
  'UPSTREAM_BAD_RESPONSE',
]);

export function staleMayStandInFor(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError && STALE_STANDS_IN_FOR.has(error.code);
}

/**
 * The entities one request was served from a stale cache entry, by object identity:
 * loaders hand the same object to every resolver that reads it.
 */
export class StaleEntities {
  private readonly served = new WeakMap<object, StaleOrigin>();
  private recorded = 0;

  record(entity: unknown, origin: StaleOrigin): void {
    if (typeof entity !== 'object' || entity === null) return;
    this.served.set(entity, origin);
    this.recorded += 1;
  }

  /** `derived` was built from `source`: it is as stale as `source` is. */
  carryOver(source: unknown, derived: unknown): void {
    const origin = this.of(source);
    if (origin) this.record(derived, origin);
  }

  of(entity: unknown): StaleOrigin | undefined {
    if (this.recorded === 0 || typeof entity !== 'object' || entity === null) return undefined;
    return this.served.get(entity);
  }
}

/**
 * Lists every stale entity in the response under `extensions.staleData` (path, upstream,
 * age and the failure that made it stale), and keeps such a response out of every cache.
 * An entity is found through its fields: a field whose parent object was served stale
 * marks the parent's path, which also works for list items and `_entities`.
 */
export function staleDataPlugin<TContext extends { stale: StaleEntities }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart(requestContext) {
      const fields = new Map<string, StaleField>();
      return {
        async executionDidStart() {
          return {
            willResolveField({ source, contextValue, info }) {
              const origin = contextValue.stale.of(source);
              if (!origin || !info.path.prev) return;
              const path = responsePathAsArray(info.path.prev);
              const key = path.join('.');
              if (fields.has(key)) return;
              fields.set(key, {
                path,
                service: origin.service,
                ageSeconds: Math.max(0, Math.round((Date.now() - origin.fetchedAt) / 1000)),
                reason: origin.reason,
              });
              // Neither the response cache nor an HTTP cache may keep this answer.
              requestContext.overallCachePolicy.restrict({ maxAge: 0 });
            },
          };
        },
        async willSendResponse({ response }) {
          if (fields.size === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, staleData: [...fields.values()] };
        },
      };
    },
  };
}
