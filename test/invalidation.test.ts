import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { EntityCache } from '../src/cache/entityCache';
import { Invalidation } from '../src/cache/invalidation';
import { ResponseCache } from '../src/cache/responseCache';
import { createCacheStore, type CacheStore } from '../src/cache/store';
import { createLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { startRedisServer, type RedisServer } from './support/redis';

const ttl = { foundSeconds: 60, notFoundSeconds: 10, historySeconds: 30, staleSeconds: 30 };
const logger = createLogger('silent', []);
let customerId = 40;
/** Each test's own customer: a mark lasts minutes, and reads within a second of one count as before it. */
let CUSTOMER = '';
beforeEach(() => {
  CUSTOMER = `helpcrunch:tenant:customer:v2:${(customerId += 1)}`;
});

let redis: RedisServer;
let store: CacheStore;

beforeAll(async () => {
  redis = await startRedisServer();
  store = await createCacheStore({ url: redis.url, ttlSeconds: 60, notFoundTtlSeconds: 10, historyTtlSeconds: 30, maxEntries: 100, timeoutMs: 500, staleSeconds: 30 }, logger, new Metrics());
});
afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

/**
 * A replica that has not heard the write (its subscription is slow or down): what Redis
 * holds is all that can keep it from storing what it read before the write.
 */
function deafReplica() {
  const invalidation = new Invalidation(store.redis, { timeoutMs: 500, logger });
  return {
    invalidation,
    entities: new EntityCache(store.layer('entity'), ttl, invalidation),
    answers: new ResponseCache({ shared: store.layer('response'), redis: store.redis, version: 'v1', invalidation, timeoutMs: 500 }),
  };
}

/** A write on another replica, in the order Writes.invalidate makes it: mark, then drop the shared copies. */
async function writeElsewhere(entities: EntityCache, answers: ResponseCache): Promise<void> {
  const writer = new Invalidation(store.redis, { timeoutMs: 500, logger });
  await writer.mark([CUSTOMER]);
  await Promise.all([entities.delete([CUSTOMER]), answers.dropShared([CUSTOMER])]);
}

test('an entity read before a write on another replica and stored after its drop is deleted again: the mark in Redis tells', async () => {
  const reader = deafReplica();
  const readSince = Date.now() - 5;
  await writeElsewhere(reader.entities, reader.answers);
  reader.entities.setBehind(CUSTOMER, { id: 42, name: 'As It Was' }, undefined, undefined, readSince);
  await reader.entities.settled();
  expect(await reader.entities.getMany([CUSTOMER])).toEqual([undefined]);

  // One read after the write is stored as usual.
  reader.entities.setBehind(CUSTOMER, { id: 42, name: 'As It Is' }, undefined, undefined, Date.now() + 2_000);
  await reader.entities.settled();
  expect((await reader.entities.getMany([CUSTOMER]))[0]?.value).toEqual({ id: 42, name: 'As It Is' });
  reader.answers.close();
});

test('an answer read before a write on another replica and stored after its drop is deleted again', async () => {
  const reader = deafReplica();
  const key = 'answer-read-before';
  const since = Date.now() - 5;
  await writeElsewhere(reader.entities, reader.answers);
  reader.answers.set(key, { body: '{"data":{"customer":{"name":"As It Was"}}}', cacheControl: 'max-age=60, public', operationName: undefined, maxAgeSeconds: 60 }, { entities: [CUSTOMER], since });
  await reader.answers.settled();
  // Another replica (no memory of its own) reads the shared store.
  const other = deafReplica();
  expect(await other.answers.get(key)).toBeUndefined();
  reader.answers.close();
  other.answers.close();
});

test('an answer stored before a write is found by its drop, through the list of the answers holding the entity', async () => {
  const reader = deafReplica();
  const key = 'answer-stored-before';
  reader.answers.set(key, { body: '{"data":{}}', cacheControl: 'max-age=60, public', operationName: undefined, maxAgeSeconds: 60 }, { entities: [CUSTOMER], since: Date.now() });
  await reader.answers.settled();
  const other = deafReplica();
  expect(await other.answers.get(key)).toBeDefined();
  await writeElsewhere(reader.entities, reader.answers);
  const third = deafReplica();
  expect(await third.answers.get(key)).toBeUndefined();
  for (const replica of [reader, other, third]) replica.answers.close();
});

test('a shared answer read while its entity is written is served, but not kept in memory', async () => {
  let release: (text: string) => void = () => undefined;
  const stored = JSON.stringify({ body: '{"data":{}}', cacheControl: 'max-age=60, public', storedAt: Date.now(), expiresAt: Date.now() + 60_000, entities: [CUSTOMER] });
  const slowShared: KeyValueCache<string> = { get: () => new Promise<string>((resolve) => (release = resolve)), set: async () => undefined, delete: async () => true };
  const invalidation = new Invalidation(undefined, { timeoutMs: 500, logger });
  const answers = new ResponseCache({ shared: slowShared, version: 'v1', invalidation });
  const pending = answers.get('read-during-write');
  // The write is heard while Redis is still answering the read.
  await new Promise((resolve) => setTimeout(resolve, 5));
  await invalidation.mark([CUSTOMER]);
  release(stored);
  expect(await pending).toBeDefined();
  expect(answers.localSize).toBe(0);
  answers.close();
});
