import { HeldEntities } from '../src/cache/invalidation';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { trace } from '@opentelemetry/api';
import { EntityCache } from '../src/cache/entityCache';
import { StaleEntities } from '../src/cache/staleData';
import { UpstreamError } from '../src/errors';
import { cachedBatch, type Outcome } from '../src/loaders/cachedBatch';
import { Metrics } from '../src/metrics';

// The loaders' common body alone, over a real in-memory store: what is read, fetched, written and stood in for.

interface Thing {
  id: number;
  name: string;
}

const unavailable = () => new UpstreamError('UPSTREAM_UNAVAILABLE', 'down', { service: 'helpcrunch' });
const refused = () => new UpstreamError('UPSTREAM_UNAUTHENTICATED', 'no', { service: 'helpcrunch', status: 401 });

function setUp(ttl = { foundSeconds: 60, notFoundSeconds: 10, historySeconds: 30, staleSeconds: 600 }) {
  const cache = new EntityCache(new InMemoryLRUCache<string>(), ttl);
  const request = { call: { requestId: 'r-1', upstreamCalls: {} }, stale: new StaleEntities(), held: new HeldEntities(), metrics: new Metrics(), tracer: trace.getTracer('test') };
  const asked: number[][] = [];
  const batch = (ids: number[], fetch: (missing: number[]) => Promise<Map<number, Outcome<Thing>>>) =>
    cachedBatch<Thing>({
      loader: 'things',
      service: 'helpcrunch',
      cache,
      request,
      ids,
      keyFor: (id) => `thing:${id}`,
      fetchMissing: (missing) => {
        asked.push(missing);
        return fetch(missing);
      },
    });
  const found = async (missing: number[]) => new Map(missing.map((id) => [id, { id, name: `thing ${id}` }] as const));
  return { cache, request, asked, batch, found };
}

test('only what the cache lacks is fetched; the answer keeps the order asked, and what was found is written behind', async () => {
  const { cache, asked, batch, found } = setUp();
  expect(await batch([2, 1], found)).toEqual([
    { id: 2, name: 'thing 2' },
    { id: 1, name: 'thing 1' },
  ]);
  await cache.settled();
  expect(await batch([1, 3, 2], found)).toEqual([
    { id: 1, name: 'thing 1' },
    { id: 3, name: 'thing 3' },
    { id: 2, name: 'thing 2' },
  ]);
  expect(asked).toEqual([[2, 1], [3]]);
});

test('"does not exist" is stored too; errors are not, and an id the fetch left out is an error', async () => {
  const { cache, asked, batch } = setUp();
  const outcomes = await batch([1, 2, 3], async () => new Map<number, Outcome<Thing>>([[1, null], [2, unavailable()]]));
  expect(outcomes[0]).toBeNull();
  expect(outcomes[1]).toBeInstanceOf(UpstreamError);
  expect(outcomes[2]).toEqual(new Error('no result for id 3'));
  await cache.settled();
  await batch([1, 2], async (missing) => new Map(missing.map((id) => [id, null] as const)));
  expect(asked).toEqual([[1, 2, 3], [2]]);
});

test('past its TTL an entry is fetched again; while the upstream fails, it stands in, recorded as stale', async () => {
  const { cache, request, batch } = setUp({ foundSeconds: 1, notFoundSeconds: 1, historySeconds: 30, staleSeconds: 600 });
  const old = { id: 1, name: 'as it was' };
  cache.setBehind('thing:1', old, undefined, Date.now() - 5_000);
  await cache.settled();
  const [served] = await batch([1], async () => new Map([[1, unavailable()]]));
  expect(served).toEqual(old);
  expect(request.stale.of(served)).toMatchObject({ service: 'helpcrunch', reason: 'UPSTREAM_UNAVAILABLE' });
});

test('a fetch that fails as a whole fails each id, and each may still stand in from its stale copy', async () => {
  const { cache, batch } = setUp({ foundSeconds: 1, notFoundSeconds: 1, historySeconds: 30, staleSeconds: 600 });
  cache.setBehind('thing:1', { id: 1, name: 'as it was' }, undefined, Date.now() - 5_000);
  await cache.settled();
  const outcomes = await batch([1, 2], () => Promise.reject(unavailable()));
  expect(outcomes[0]).toEqual({ id: 1, name: 'as it was' });
  expect(outcomes[1]).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
});

test('a stale copy never stands in for a refused credential', async () => {
  const { cache, request, batch } = setUp({ foundSeconds: 1, notFoundSeconds: 1, historySeconds: 30, staleSeconds: 600 });
  cache.setBehind('thing:1', { id: 1, name: 'as it was' }, undefined, Date.now() - 5_000);
  await cache.settled();
  const [outcome] = await batch([1], async () => new Map([[1, refused()]]));
  expect(outcome).toMatchObject({ code: 'UPSTREAM_UNAUTHENTICATED' });
  expect(request.stale.of(outcome)).toBeUndefined();
});
