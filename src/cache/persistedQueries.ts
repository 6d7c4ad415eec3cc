import type { KeyValueCache } from '@apollo/utils.keyvaluecache';

/**
 * Longest query registered for automatic persisted queries. GRAPHQL_MAX_TOKENS does not
 * bound a document's size (comments and white space are not tokens), and a registration
 * stays in the shared cache for PERSISTED_QUERY_TTL_SECONDS; a longer query is still
 * answered, only not registered.
 */
export const MAX_PERSISTED_QUERY_BYTES = 32 * 1024;

/** Where APQ registrations live: the given cache, with registrations over the size bound left out. */
export function persistedQueryCache(cache: KeyValueCache<string>): KeyValueCache<string> {
  return {
    get: (key) => cache.get(key),
    set: async (key, query, options) => {
      if (Buffer.byteLength(query) <= MAX_PERSISTED_QUERY_BYTES) await cache.set(key, query, options);
    },
    delete: (key) => cache.delete(key),
  };
}
