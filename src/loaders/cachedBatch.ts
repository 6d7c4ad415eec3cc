import type { EntityCache } from '../cache/entityCache';
import { staleMayStandInFor, type StaleEntities } from '../cache/staleData';
import type { UpstreamService } from '../errors';
import type { Metrics } from '../metrics';
import type { CallOptions } from '../transport/http';

/** What a fetch says of one id: the entity, null for "does not exist", or the error that hit it. */
export type Outcome<V> = V | null | Error;

/** What the loaders of one GraphQL request share. */
export interface LoaderRequest {
  call: CallOptions;
  /** Where entities served from a stale entry are recorded, for the response to say so. */
  stale: StaleEntities;
  metrics: Metrics;
}

export interface CachedBatchOptions<V, K extends number | string = number> {
  /** Names the loader in metrics. */
  loader: string;
  service: UpstreamService;
  cache: EntityCache;
  request: LoaderRequest;
  ids: readonly K[];
  keyFor(id: K): string;
  /** Fetches the ids the cache did not have; an id missing from the map is an error, and so is every id when it rejects. */
  fetchMissing(ids: K[]): Promise<Map<K, Outcome<V>>>;
  /** TTL of a found entity, when it differs from the cache's default (undefined keeps the default). */
  foundTtlSeconds?(value: V): number | undefined;
}

/**
 * The body of every entity loader: read the batch from the cache, fetch only what is
 * missing or past its TTL, and answer in the order of `ids`, as DataLoader requires.
 * What was found or confirmed absent is written behind the answer (errors are not
 * stored): the writes start before it goes out, and the answer does not wait for them.
 * When a fetch fails because the upstream does, an entity's stale entry stands in for
 * it, and is recorded so.
 */
export async function cachedBatch<V, K extends number | string = number>(options: CachedBatchOptions<V, K>): Promise<Array<Outcome<V>>> {
  const { cache, ids, keyFor, service, request } = options;
  const { metrics } = request;
  metrics.loaderBatchSize.observe({ loader: options.loader }, ids.length);
  const keys = ids.map(keyFor);
  const cached = await cache.getMany<V>(keys);
  for (const entry of cached) {
    metrics.cacheLookups.inc({ layer: 'entity', result: entry === undefined ? 'miss' : entry.fresh ? 'hit' : 'stale' });
  }
  const missing = ids.filter((_, index) => !cached[index]?.fresh);
  // A fetch that fails as a whole (one call for every id) fails each id, each then free to stand in from its stale copy.
  const fetched =
    missing.length > 0
      ? await options.fetchMissing(missing).catch((reason: unknown) => new Map(missing.map((id) => [id, asError(reason)] as const)))
      : new Map<K, Outcome<V>>();

  for (const id of missing) {
    const outcome = fetched.get(id);
    if (outcome !== undefined && !(outcome instanceof Error)) cache.setBehind(keyFor(id), outcome, outcome === null ? undefined : options.foundTtlSeconds?.(outcome));
  }

  return ids.map((id, index) => {
    const entry = cached[index];
    if (entry?.fresh) return entry.value;
    const outcome = fetched.has(id) ? (fetched.get(id) as Outcome<V>) : new Error(`no result for id ${id}`);
    if (entry && entry.value !== null && staleMayStandInFor(outcome)) {
      request.stale.record(entry.value, { service, fetchedAt: entry.fetchedAt, reason: outcome.code });
      return entry.value;
    }
    return outcome;
  });
}

/** Runs `fetch` for each id concurrently and collects each id's outcome, errors included. */
export async function fetchEach<V>(
  ids: readonly number[],
  fetch: (id: number) => Promise<V | null>,
): Promise<Map<number, Outcome<V>>> {
  const settled = await Promise.allSettled(ids.map(fetch));
  return new Map(
    ids.map((id, index) => {
      const result = settled[index]!;
      return [id, result.status === 'fulfilled' ? result.value : asError(result.reason)] as const;
    }),
  );
}

export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
