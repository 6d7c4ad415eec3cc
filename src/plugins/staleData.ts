import type { ApolloServerPlugin } from '@apollo/server';
import { responsePathAsArray } from 'graphql';
import type { StaleEntities } from '../cache/staleData';
import type { UpstreamErrorCode, UpstreamService } from '../errors';

/** One entry of the response's `extensions.staleData`. */
export interface StaleField {
  path: Array<string | number>;
  service: UpstreamService;
  ageSeconds: number;
  reason: UpstreamErrorCode;
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
