import { createHash } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import { startTestServer, startUpstreams, type TestServer, type Upstreams } from './support/harness';
import { startRedisServer, type RedisServer } from './support/redis';

let redis: RedisServer;
let upstreams: Upstreams;
const servers: TestServer[] = [];

async function replica(env: Record<string, string> = {}) {
  const started = await startTestServer(upstreams, { CACHE_URL: redis.url, CACHE_TIMEOUT_MS: '200', ...env });
  servers.push(started);
  return started;
}

beforeAll(async () => {
  redis = await startRedisServer();
  upstreams = await startUpstreams();
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await upstreams?.close();
  await redis?.stop();
});

let nextCustomer = FIRST_GENERATED_CUSTOMER_ID + 200;
/** A query of its own for each test, so that no test finds another's registration. */
function persistedQuery() {
  nextCustomer += 1;
  const query = `query Persisted { customer(id: "${nextCustomer}") { id } }`;
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  return { query, id: String(nextCustomer), extensions: { persistedQuery: { version: 1, sha256Hash } } };
}

/** An APQ request as Apollo's persisted-queries link sends it: the hash alone, or with the query. */
async function send(server: TestServer, body: { query?: string; extensions: unknown }) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
}

async function redisTtl(key: string): Promise<number> {
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return await client.ttl(key);
  } finally {
    await client.quit();
  }
}

test('a query registered on one replica is known by its hash on another (one Redis)', async () => {
  const [a, b] = [await replica(), await replica()];
  const { query, id, extensions } = persistedQuery();

  expect((await send(b, { extensions })).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  expect((await send(a, { query, extensions })).body).toEqual({ data: { customer: { id } } });

  // Apollo writes the registration behind the answer.
  const deadline = Date.now() + 2_000;
  let answer = await send(b, { extensions });
  while (answer.body.errors && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    answer = await send(b, { extensions });
  }
  expect(answer).toEqual({ status: 200, body: { data: { customer: { id } } } });
});

test('a query longer than 32 KiB is answered but not registered: the shared cache holds no client-sized blobs', async () => {
  const server = await replica();
  const { query: short, id } = persistedQuery();
  const query = `${short}\n# ${'x'.repeat(33 * 1024)}`;
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  const extensions = { persistedQuery: { version: 1, sha256Hash } };

  expect((await send(server, { query, extensions })).body).toEqual({ data: { customer: { id } } });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect((await send(server, { extensions })).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  expect(await redisTtl(`contact-graph:apq:${sha256Hash}`)).toBe(-2);
});

test('a registration expires after PERSISTED_QUERY_TTL_SECONDS', async () => {
  const server = await replica({ PERSISTED_QUERY_TTL_SECONDS: '120' });
  const { query, extensions } = persistedQuery();
  await send(server, { query, extensions });
  const key = `contact-graph:apq:${extensions.persistedQuery.sha256Hash}`;
  const deadline = Date.now() + 2_000;
  let ttl = await redisTtl(key);
  while (ttl < 0 && Date.now() < deadline) ttl = await redisTtl(key);
  expect(ttl).toBeGreaterThan(110);
  expect(ttl).toBeLessThanOrEqual(120);
});

test('with Redis down a hash is a miss and a registration still answers: no request fails for it', async () => {
  const server = await replica();
  const { query, id, extensions } = persistedQuery();
  await redis.stop();
  try {
    const miss = await send(server, { extensions });
    expect(miss.status).toBe(200);
    expect(miss.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await send(server, { query, extensions })).body).toEqual({ data: { customer: { id } } });
  } finally {
    await redis.start();
  }
});
