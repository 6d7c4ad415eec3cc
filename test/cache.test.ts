import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { EntityCache } from '../src/cache/entityCache';
import { createCacheStore } from '../src/cache/store';
import { createLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { FIRST_GENERATED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import { comagicCalls, helpcrunchCalls, useTestServer } from './support/harness';

const t = useTestServer({ CACHE_TTL_SECONDS: '60', CACHE_NOT_FOUND_TTL_SECONDS: '1' });

test('a second identical request is served from the response cache with no upstream call', async () => {
  const query = `{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id name } person(id: "${FIRST_GENERATED_PERSON_ID}") { visitors { id } } }`;
  const first = await t.server.query(query);
  expect(first.body.errors).toBeUndefined();
  expect(t.upstreams.helpcrunch.fake.calls.length + t.upstreams.comagic.fake.calls.length).toBe(2);
  expect(first.headers.get('cache-control')).toBe('max-age=60, public');
  t.upstreams.reset();

  const second = await t.server.query(query);
  expect(second.body).toEqual(first.body);
  expect(second.headers.get('age')).not.toBeNull();
  expect(t.upstreams.helpcrunch.fake.calls).toHaveLength(0);
  expect(t.upstreams.comagic.fake.calls).toHaveLength(0);
});

test('entities are cached on their own: another query for the same entities costs no call', async () => {
  const id = FIRST_GENERATED_CUSTOMER_ID + 1;
  await t.server.query(`{ customer(id: "${id}") { id } person(id: "${FIRST_GENERATED_PERSON_ID + 1}") { id } }`);
  t.upstreams.reset();

  const { body } = await t.server.query(`{
    customer(id: "${id}") { email company }
    customers(ids: ["${id}"]) { name }
    person(id: "${FIRST_GENERATED_PERSON_ID + 1}") { visitors { name emails } }
  }`);
  expect(body.errors).toBeUndefined();
  expect(body.data?.customers[0].name).toEqual(expect.any(String));
  expect(helpcrunchCalls(t.upstreams)).toEqual([]);
  expect(comagicCalls(t.upstreams)).toEqual([]);
});

test('a batch fetches only the ids the cache does not hold', async () => {
  const cached = FIRST_GENERATED_CUSTOMER_ID + 10;
  await t.server.query(`{ customer(id: "${cached}") { id } }`);
  t.upstreams.reset();

  const ids = [cached, cached + 1, cached + 2].map(String);
  const { body } = await t.server.query('query ($ids: [ID!]!) { customers(ids: $ids) { id } }', { ids });
  expect(body.data?.customers).toEqual(ids.map((id) => ({ id })));
  const search = t.upstreams.helpcrunch.fake.calls[0]!.body as { filter: Array<{ value: number }> };
  expect(search.filter.map((filter) => filter.value)).toEqual([cached + 1, cached + 2]);
});

test('errors are never cached', async () => {
  const id = FIRST_GENERATED_CUSTOMER_ID + 20;
  t.upstreams.helpcrunch.fake.intercept = () => ({ status: 503, body: 'down' });
  const failed = await t.server.query(`{ customer(id: "${id}") { id } }`);
  expect(failed.body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
  t.upstreams.reset();

  const recovered = await t.server.query(`{ customer(id: "${id}") { id } }`);
  expect(recovered.body).toEqual({ data: { customer: { id: String(id) } } });
  expect(helpcrunchCalls(t.upstreams)).toEqual([`GET /v1/customers/${id}`]);
});

test('not-found is cached for the shorter not-found TTL only', async () => {
  const first = await t.server.query('{ customer(id: "31337") { id } }');
  expect(first.body.data?.customer).toBeNull();
  expect(first.headers.get('cache-control')).toBe('max-age=1, public');
  t.upstreams.reset();

  await t.server.query('{ customer(id: "31337") { id } }');
  expect(helpcrunchCalls(t.upstreams)).toEqual([]);

  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await t.server.query('{ customer(id: "31337") { id } }');
  expect(helpcrunchCalls(t.upstreams)).toEqual(['GET /v1/customers/31337']);
});

test('the in-memory store is bounded by CACHE_MAX_ENTRIES and honours TTLs', async () => {
  const store = await createCacheStore(
    { url: undefined, ttlSeconds: 60, notFoundTtlSeconds: 10, historyTtlSeconds: 30, maxEntries: 2, timeoutMs: 200, staleSeconds: 0 },
    createLogger('silent', []),
    new Metrics(),
  );
  const cache = store.layer('entity');
  await cache.set('a', '1', { ttl: 60 });
  await cache.set('b', '2', { ttl: 60 });
  await cache.set('c', '3', { ttl: 60 });
  expect(await cache.get('a')).toBeUndefined();
  expect(await cache.get('c')).toBe('3');

  await cache.set('short', 'x', { ttl: 0.05 });
  expect(await cache.get('short')).toBe('x');
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(await cache.get('short')).toBeUndefined();
  await store.close();
});

test('entity writes start after the answer\'s turn; settled() waits for those started so far, and a write that fails is only skipped', async () => {
  const writes: Array<() => void> = [];
  const store: KeyValueCache<string> = {
    get: async () => undefined,
    set: () => new Promise<void>((resolve) => writes.push(resolve)),
    delete: async () => true,
  };
  const cache = new EntityCache(store, { foundSeconds: 60, notFoundSeconds: 10, historySeconds: 30, staleSeconds: 0 });
  cache.setBehind('a', { id: 1 });
  cache.setBehind('b', null);
  // A value that cannot be serialised never reaches the store, and rejects nothing.
  cache.setBehind('c', { id: BigInt(3) });
  let settled = false;
  const done = cache.settled().then(() => {
    settled = true;
  });
  // Nothing is serialised or sent in the turn that answers.
  expect(writes).toHaveLength(0);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toHaveLength(2);
  expect(settled).toBe(false);

  writes[0]!();
  await new Promise((resolve) => setImmediate(resolve));
  expect(settled).toBe(false);

  writes[1]!();
  await done;
  expect(settled).toBe(true);
  await cache.settled();
});

describe('with the in-memory store', () => {
  const small = useTestServer({ CACHE_TTL_SECONDS: '60', CACHE_MAX_ENTRIES: '3' });

  test('answers kept for the response cache take no room from entities: the store holds entities only', async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 40;
    const other = FIRST_GENERATED_CUSTOMER_ID + 41;
    await small.server.query(`{ customer(id: "${id}") { id } }`);
    // Five more answers, each cached, about another customer.
    for (let i = 0; i < 5; i += 1) {
      const { body } = await small.server.query(`query Card${i} { customer(id: "${other}") { id name } }`);
      expect(body.errors).toBeUndefined();
    }
    small.upstreams.reset();

    // The first customer is still held: three entries are room enough for two entities.
    const { body } = await small.server.query(`{ customer(id: "${id}") { email } }`);
    expect(body.errors).toBeUndefined();
    expect(helpcrunchCalls(small.upstreams)).toEqual([]);
  });
});
