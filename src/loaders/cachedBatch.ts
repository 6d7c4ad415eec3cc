import type { Tracer } from '@opentelemetry/api';
import type DataLoader from 'dataloader';
import type { EntityCache } from '../cache/entityCache';
import type { HeldEntities } from '../cache/invalidation';
import { staleMayStandInFor, type StaleEntities } from '../cache/staleData';
import type { UpstreamService } from '../errors';
import type { Metrics } from '../metrics';
import { ATTRIBUTES } from '../tracing/attributes';
import { inSpan } from '../tracing/spans';
import type { CallOptions } from '../transport/http';

/** What a fetch says of one id: the entity, null for "does not exist", or the error that hit it. */
export type Outcome<V> = V | null | Error;

/** What the loaders of one GraphQL request share. */
export interface LoaderRequest {
  call: CallOptions;
  /** Where entities served from a stale entry are recorded, for the response to say so. */
  stale: StaleEntities;
  /** The entities the answer holds, for the response cache's tags, and since when it reads them. */
  held: HeldEntities;
  metrics: Metrics;
  tracer: Tracer;
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
export function cachedBatch<V, K extends number | string = number>(options: CachedBatchOptions<V, K>): Promise<Array<Outcome<V>>> {
  const { loader, ids, request } = options;
  const attributes = { [ATTRIBUTES.loader]: loader, [ATTRIBUTES.service]: options.service, [ATTRIBUTES.batchSize]: ids.length };
  // One span a batch: its cache lookup and its upstream calls are its children.
  return inSpan(request.tracer, `batch ${loader}`, { attributes }, (span) => {
    request.metrics.loaderBatchSize.observe({ loader }, ids.length);
    return batch(options, (missing) => span.setAttribute(ATTRIBUTES.fetched, missing));
  });
}

async function batch<V, K extends number | string>(options: CachedBatchOptions<V, K>, fetching: (count: number) => void): Promise<Array<Outcome<V>>> {
  const { cache, ids, keyFor, service, request } = options;
  const { metrics } = request;
  const keys = ids.map(keyFor);
  const cached = await inSpan(request.tracer, 'cache lookup', { attributes: { [ATTRIBUTES.cacheLayer]: 'entity' } }, async (span) => {
    const entries = await cache.getMany<V>(keys);
    const counts = { hit: 0, stale: 0, miss: 0 };
    for (const entry of entries) {
      const result = entry === undefined ? 'miss' : entry.fresh ? 'hit' : 'stale';
      counts[result] += 1;
      metrics.cacheLookups.inc({ layer: 'entity', result });
    }
    span.setAttributes({ [ATTRIBUTES.cacheHits]: counts.hit, [ATTRIBUTES.cacheStale]: counts.stale, [ATTRIBUTES.cacheMisses]: counts.miss });
    return entries;
  });
  const missing = ids.filter((_, index) => !cached[index]?.fresh);
  fetching(missing.length);
  // A fetch that fails as a whole (one call for every id) fails each id, each then free to stand in from its stale copy.
  const fetched =
    missing.length > 0
      ? await options.fetchMissing(missing).catch((reason: unknown) => new Map(missing.map((id) => [id, asError(reason)] as const)))
      : new Map<K, Outcome<V>>();

  for (const id of missing) {
    const outcome = fetched.get(id);
    if (outcome === undefined || outcome instanceof Error) continue;
    // Read since the request began: what a write meanwhile replaced is not stored.
    cache.setBehind(keyFor(id), outcome, outcome === null ? undefined : options.foundTtlSeconds?.(outcome), undefined, request.held.since);
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

/**
 * `cachedBatch` for loaders whose value is a list (a contact's customers, a customer's chats):
 * a list served stale marks its items so, as they are what the response shows, and an id with
 * no list (none stored as null) answers an empty one.
 */
export async function cachedListBatch<V, K extends number | string = number>(options: CachedBatchOptions<V[], K>): Promise<Array<V[] | Error>> {
  const lists = await cachedBatch<V[], K>(options);
  for (const list of lists) if (Array.isArray(list)) for (const item of list) options.request.stale.carryOver(list, item);
  return lists.map((list) => list ?? []);
}

/** Runs `fetch` for each id concurrently and collects each id's outcome, errors included. */
export async function fetchEach<V, K = number>(ids: readonly K[], fetch: (id: K) => Promise<V | null>): Promise<Map<K, Outcome<V>>> {
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

/** `items` in runs of at most `size`: what one upstream call takes. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Runs `run` on each half of `items` at once: a batch matching more than one call reads is read again in halves. */
export async function inHalves<T>(items: readonly T[], run: (part: T[]) => Promise<void>): Promise<void> {
  const half = Math.ceil(items.length / 2);
  await Promise.all([items.slice(0, half), items.slice(half)].map(run));
}

/** Every value of `keys`, in order, or the first error one of them failed with: for a field that needs them all. */
export async function loadAll<K, V>(loader: DataLoader<K, V>, keys: readonly K[]): Promise<V[]> {
  const values = await loader.loadMany(keys);
  const failed = values.find((value) => value instanceof Error);
  if (failed) throw failed;
  return values as V[];
}
