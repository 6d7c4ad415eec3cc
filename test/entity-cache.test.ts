import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { EntityCache } from '../src/cache/entityCache';

const ttl = { foundSeconds: 60, notFoundSeconds: 10, historySeconds: 30, staleSeconds: 30 };

async function cacheHolding(entries: Record<string, string>): Promise<EntityCache> {
  const store = new InMemoryLRUCache<string>();
  for (const [key, text] of Object.entries(entries)) await store.set(key, text);
  return new EntityCache(store, ttl);
}

test('an entry that is not one is a miss, and the rest of the batch is read', async () => {
  const good = JSON.stringify({ value: { id: 1 }, fetchedAt: 1_000, freshUntil: 61_000 });
  const cache = await cacheHolding({
    good,
    null: 'null',
    junk: '{"value": {"id"',
    number: '42',
    shapeless: JSON.stringify({ value: { id: 2 }, fetchedAt: 'yesterday', freshUntil: 61_000 }),
  });
  const read = await cache.getMany(['null', 'junk', 'good', 'number', 'shapeless', 'absent'], 2_000);
  expect(read).toEqual([undefined, undefined, { value: { id: 1 }, fetchedAt: 1_000, fresh: true }, undefined, undefined, undefined]);
});

test('a stored "does not exist" reads as null, and an entry past its TTL as not fresh', async () => {
  const cache = await cacheHolding({
    absent: JSON.stringify({ value: null, fetchedAt: 1_000, freshUntil: 11_000 }),
    old: JSON.stringify({ value: { id: 3 }, fetchedAt: 1_000, freshUntil: 61_000 }),
  });
  expect(await cache.getMany(['absent', 'old'], 61_000)).toEqual([
    { value: null, fetchedAt: 1_000, fresh: false },
    { value: { id: 3 }, fetchedAt: 1_000, fresh: false },
  ]);
});

test('what is written reads back fresh for its TTL, then stale', async () => {
  const cache = await cacheHolding({});
  cache.setBehind('found', { id: 4 }, undefined, 1_000);
  cache.setBehind('gone', null, undefined, 1_000);
  await cache.settled();
  expect(await cache.getMany(['found', 'gone'], 60_999)).toEqual([
    { value: { id: 4 }, fetchedAt: 1_000, fresh: true },
    { value: null, fetchedAt: 1_000, fresh: false },
  ]);
  expect(await cache.getMany(['found'], 61_000)).toEqual([{ value: { id: 4 }, fetchedAt: 1_000, fresh: false }]);
});
