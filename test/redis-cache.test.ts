import { createClient } from '@keyv/redis';
import { FIRST_GENERATED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import { createCoMagicDataset } from '../src/upstreams/comagic/sandboxData';
import { createHelpCrunchDataset } from '../src/upstreams/helpcrunch/sandboxData';
import { createCacheStore } from '../src/cache/store';
import { CUSTOMER_SHAPE } from '../src/upstreams/helpcrunch/customer';
import { Metrics } from '../src/metrics';
import { createLogger } from '../src/logger';
import {
  COMAGIC_TOKEN,
  HELPCRUNCH_KEY,
  helpcrunchCalls,
  startTestServer,
  startUpstreams,
  type TestServer,
  type Upstreams,
} from './support/harness';
import { startRedisServer, type RedisServer } from './support/redis';

const OTHER_KEY = 'hc-other-tenant-key-77';

let redis: RedisServer;
let upstreams: Upstreams;
const servers: TestServer[] = [];

async function server(env: Record<string, string> = {}) {
  const started = await startTestServer(upstreams, { CACHE_URL: redis.url, CACHE_TIMEOUT_MS: '200', ...env });
  servers.push(started);
  return started;
}

beforeAll(async () => {
  redis = await startRedisServer();
  // Two HelpCrunch accounts whose customer 1000001 differs, as two tenants' would.
  const other = createHelpCrunchDataset();
  other.customers.get(FIRST_GENERATED_CUSTOMER_ID)!.name = 'Other Tenant Customer';
  upstreams = await startUpstreams({
    helpcrunchAccounts: { [HELPCRUNCH_KEY]: createHelpCrunchDataset(), [OTHER_KEY]: other },
    comagicAccounts: { [COMAGIC_TOKEN]: createCoMagicDataset() },
  });
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await upstreams?.close();
  await redis?.stop();
});

test('entities are stored in Redis and shared by every replica with the same credential', async () => {
  const replicaA = await server();
  const replicaB = await server();
  const id = FIRST_GENERATED_CUSTOMER_ID + 1;

  await replicaA.query(`{ customer(id: "${id}") { id name } }`);
  expect(helpcrunchCalls(upstreams)).toEqual([`GET /v1/customers/${id}`]);
  upstreams.reset();

  // A different query shape, so the response cache cannot answer it: only the entity cache can.
  const { body } = await replicaB.query(`{ customers(ids: ["${id}"]) { id email } }`);
  expect(body.data?.customers[0].id).toBe(String(id));
  expect(helpcrunchCalls(upstreams)).toEqual([]);

  const client = createClient({ url: redis.url });
  await client.connect();
  const keys = await client.keys('*');
  await client.quit();
  expect(keys.some((key) => new RegExp(`^contact-graph:helpcrunch:[0-9a-f]{16}:customer:v${CUSTOMER_SHAPE}:1000002$`).test(key))).toBe(true);
  expect(keys.join(' ')).not.toContain(HELPCRUNCH_KEY);
});

test('a different credential is never served what another fetched, from either cache layer', async () => {
  const tenantA = await server();
  const tenantB = await server({ HELPCRUNCH_API_KEY: OTHER_KEY });
  const query = `{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id name } }`;

  const a = await tenantA.query(query);
  const aAgain = await tenantA.query(query);
  expect(helpcrunchCalls(upstreams)).toHaveLength(1);
  upstreams.reset();

  const b = await tenantB.query(query);
  expect(helpcrunchCalls(upstreams)).toHaveLength(1);
  expect(upstreams.helpcrunch.fake.calls[0]!.headers.authorization).toBe(`Bearer ${OTHER_KEY}`);
  expect(b.body.data?.customer.name).toBe('Other Tenant Customer');
  expect(a.body.data?.customer.name).not.toBe('Other Tenant Customer');
  expect(aAgain.body).toEqual(a.body);
});

test('with Redis down every query still answers from the upstream, and the outage is logged', async () => {
  const replica = await server();
  const id = FIRST_GENERATED_CUSTOMER_ID + 30;
  await redis.stop();
  try {
    const first = await replica.query(`{ customer(id: "${id}") { id } person(id: "${FIRST_GENERATED_PERSON_ID}") { id } }`);
    expect(first.body).toEqual({
      data: { customer: { id: String(id) }, person: { id: String(FIRST_GENERATED_PERSON_ID) } },
    });
    const second = await replica.query(`{ customer(id: "${id}") { name } }`);
    expect(second.body.errors).toBeUndefined();
    // Nothing could be cached, so both requests went upstream.
    expect(helpcrunchCalls(upstreams)).toEqual([`GET /v1/customers/${id}`, `GET /v1/customers/${id}`]);
    expect(replica.logs.some((line) => line.includes('cache is failing'))).toBe(true);
  } finally {
    await redis.start();
  }

  // Once Redis is back the cache works again. Each round asks for a customer of its own: the
  // answers of a round before are kept in this replica's memory, and would prove nothing.
  const deadline = Date.now() + 10_000;
  upstreams.reset();
  for (let next = FIRST_GENERATED_CUSTOMER_ID + 200; ; next += 1) {
    await replica.query(`{ customer(id: "${next}") { id } }`);
    const cachedNow = helpcrunchCalls(upstreams).length;
    await replica.query(`{ customer(id: "${next}") { email } }`);
    if (helpcrunchCalls(upstreams).length === cachedNow) break;
    if (Date.now() > deadline) throw new Error('the cache did not recover after Redis came back');
    await new Promise((resolve) => setTimeout(resolve, 200));
    upstreams.reset();
  }
  expect(replica.logs.some((line) => line.includes('cache recovered'))).toBe(true);
});

test('after close the Redis store is a miss and drops writes: a write behind an answer opens no new connection', async () => {
  const checker = createClient({ url: redis.url });
  await checker.connect();
  const connections = async () => new Set((await checker.clientList()).map((client) => client.id));
  try {
    const before = await connections();
    const store = await createCacheStore(
      { url: redis.url, ttlSeconds: 60, notFoundTtlSeconds: 10, historyTtlSeconds: 30, maxEntries: 100, timeoutMs: 200, staleSeconds: 0 },
      createLogger('silent', []),
      new Metrics(),
    );
    const cache = store.layer('response');
    await cache.set('before', '1', { ttl: 60 });
    expect(await cache.get('before')).toBe('1');
    await store.close();

    // What the response cache plugin and APQ do: write without waiting, possibly after shutdown.
    await cache.set('after', '2', { ttl: 60 });
    expect(await cache.get('before')).toBeUndefined();

    const deadline = Date.now() + 1_000;
    let opened = [...(await connections())].filter((id) => !before.has(id));
    while (opened.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      opened = [...(await connections())].filter((id) => !before.has(id));
    }
    expect(opened).toEqual([]);
    expect(await checker.exists('contact-graph:after')).toBe(0);
  } finally {
    await checker.quit();
  }
});

test('an answer does not wait for its entity writes: they land in Redis after it, and serve the next replica', async () => {
  // A cache timeout longer than the pause, so that a write that waited would still land.
  const replicaA = await server({ CACHE_TIMEOUT_MS: '5000' });
  const replicaB = await server({ CACHE_TIMEOUT_MS: '5000' });
  const id = FIRST_GENERATED_CUSTOMER_ID + 40;
  const checker = createClient({ url: redis.url });
  await checker.connect();
  const entityKeys = () => checker.keys(`contact-graph:helpcrunch:*:customer:v${CUSTOMER_SHAPE}:${id}`);
  try {
    // Redis stops taking writes (reads still answer) while the upstream answers: the lookups
    // and the rate-limit budget, which is a write too, are behind the request by then.
    let paused: Promise<unknown> | undefined;
    upstreams.helpcrunch.fake.intercept = () => {
      paused ??= checker.sendCommand(['CLIENT', 'PAUSE', '3000', 'WRITE']);
      return undefined;
    };
    // Time for the pause to take hold before the upstream's answer comes back.
    upstreams.helpcrunch.fake.latencyMs = 300;
    try {
      const { body } = await replicaA.query(`{ customer(id: "${id}") { id name } }`);
      expect(body.data?.customer.id).toBe(String(id));
      expect(paused).toBeDefined();
      await paused;
      expect(await entityKeys()).toEqual([]);
    } finally {
      await checker.sendCommand(['CLIENT', 'UNPAUSE']);
    }

    const deadline = Date.now() + 5_000;
    while ((await entityKeys()).length === 0) {
      if (Date.now() > deadline) throw new Error('the entity write never reached Redis');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(helpcrunchCalls(upstreams)).toEqual([`GET /v1/customers/${id}`]);
    upstreams.reset();

    // Another query shape, so that only the entity cache can answer it.
    const { body } = await replicaB.query(`{ customers(ids: ["${id}"]) { id email } }`);
    expect(body.data?.customers[0].id).toBe(String(id));
    expect(helpcrunchCalls(upstreams)).toEqual([]);
  } finally {
    await checker.quit();
  }
});
