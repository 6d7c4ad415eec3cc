import { createHash } from 'node:crypto';
import { ResponseCache } from '../src/cache/responseCache';
import { SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import {
  comagicCalls,
  helpcrunchCalls,
  requestLines,
  startTestServer,
  startUpstreams,
  type GraphQLResponse,
  type TestServer,
  type Upstreams,
} from './support/harness';
import { lazyRedisServer } from './support/redis';

let upstreams: Upstreams;
const redis = lazyRedisServer();
const servers: TestServer[] = [];
// This file has upstreams of its own: any generated customer is one no other test asked for.
let nextId = FIRST_GENERATED_CUSTOMER_ID + 200;

async function server(env: Record<string, string> = {}): Promise<TestServer> {
  const started = await startTestServer(upstreams, { CACHE_TTL_SECONDS: '60', ...env });
  servers.push(started);
  return started;
}

/** A query for a customer no other test of this file asks for, with its person. */
function freshQuery(name = 'Card'): string {
  return `query ${name} { customer(id: "${nextId++}") { id name } person(id: "${SEED_PERSON_ID}") { id } }`;
}

function upstreamCallCount(): number {
  return upstreams.helpcrunch.fake.calls.length + upstreams.comagic.fake.calls.length;
}

beforeAll(async () => {
  upstreams = await startUpstreams();
});
beforeEach(() => upstreams.reset());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((started) => started.close()));
});
afterAll(async () => {
  await upstreams.close();
});

test('a hit is the stored answer byte for byte, with its cache policy, its age, its request id and CORS', async () => {
  const s = await server();
  const query = freshQuery();
  const first = await s.query(query);
  expect(first.body.errors).toBeUndefined();
  upstreams.reset();

  const second = await s.query(query, undefined, { 'x-request-id': 'again-1', origin: 'https://app.example' });
  expect(second.text).toBe(first.text);
  expect(second.headers.get('cache-control')).toBe('max-age=60, public');
  expect(Number(second.headers.get('age'))).toBeGreaterThanOrEqual(0);
  expect(second.headers.get('x-request-id')).toBe('again-1');
  expect(second.headers.get('access-control-allow-origin')).toBe('*');
  expect(second.headers.get('access-control-expose-headers')).toBe('X-Request-Id');
  expect(upstreamCallCount()).toBe(0);
  const [line] = await requestLines(s, 'again-1');
  expect(line).toMatchObject({ msg: 'request completed', operationName: 'Card', responseCache: 'hit', res: { status: 200 } });
});

test('an APQ request that sends only the hash is answered from the response cache, even once its registration is gone', async () => {
  const s = await server({ PERSISTED_QUERY_TTL_SECONDS: '1' });
  const query = freshQuery();
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  const extensions = { persistedQuery: { version: 1, sha256Hash } };
  const send = (body: object) =>
    fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = async (response: Promise<Response> | Response) => (await (await response).json()) as GraphQLResponse['body'];

  const registered = await json(send({ query, extensions }));
  expect(registered.errors).toBeUndefined();
  await new Promise((resolve) => setTimeout(resolve, 1_100)); // the registration expires
  upstreams.reset();

  const byHash = await send({ extensions });
  expect(await json(byHash)).toEqual(registered);
  expect(upstreamCallCount()).toBe(0);

  // A hash it never saw is still unknown, as the protocol says.
  const unknown = await json(send({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }));
  expect(unknown.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
});

test('a cached answer is kept apart by variables and operation name', async () => {
  const s = await server();
  const query = 'query One($id: ID!) { customer(id: $id) { id } } query Two { person(id: "6145241079") { id } }';
  const a = await s.query(query, { id: String(nextId++) }, {});
  expect(a.body.errors?.[0]?.message).toMatch(/operation name/i); // two operations and no name: refused
  const send = (operationName: string, variables: object) =>
    fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, operationName, variables }),
    }).then(async (response) => (await response.json()) as GraphQLResponse['body']);
  const id1 = String(nextId++);
  const id2 = String(nextId++);
  expect((await send('One', { id: id1 })).data).toEqual({ customer: { id: id1 } });
  expect((await send('One', { id: id2 })).data).toEqual({ customer: { id: id2 } });
  expect((await send('Two', { id: id1 })).data).toEqual({ person: { id: '6145241079' } });
  expect(helpcrunchCalls(upstreams)).toHaveLength(2);
  expect(comagicCalls(upstreams)).toHaveLength(1);
});

test('an answer expires with its max-age', async () => {
  const s = await server({ CACHE_TTL_SECONDS: '1', CACHE_NOT_FOUND_TTL_SECONDS: '1' });
  const query = freshQuery();
  await s.query(query);
  upstreams.reset();
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const again = await s.query(query);
  expect(again.body.errors).toBeUndefined();
  expect(upstreamCallCount()).toBe(2);
});

test('a request that asks for an inline trace gets one, although the answer is cached', async () => {
  const s = await server();
  const query = freshQuery();
  await s.query(query);
  upstreams.reset();
  const traced = await s.query(query, undefined, { 'apollo-federation-include-trace': 'ftv1' });
  expect(traced.body.errors).toBeUndefined();
  expect(traced.body).toMatchObject({ extensions: { ftv1: expect.any(String) } });
  const plain = await s.query(query);
  expect(plain.text).not.toContain('ftv1');
});

test('CSRF prevention holds for cached answers: a GET without a preflight header is refused, with one it is served', async () => {
  const s = await server();
  const query = freshQuery();
  await s.query(query);
  upstreams.reset();
  const url = `${s.url}/graphql?query=${encodeURIComponent(query)}`;
  const simple = await fetch(url);
  expect(simple.status).toBe(400);
  expect(((await simple.json()) as GraphQLResponse['body']).errors?.[0]?.message).toMatch(/CSRF/);
  const preflighted = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
  expect(preflighted.status).toBe(200);
  expect(((await preflighted.json()) as GraphQLResponse['body']).errors).toBeUndefined();
  expect(upstreamCallCount()).toBe(0);
});

test('a replica with stricter query limits refuses what another replica answered and cached in the shared store', async () => {
  const { url } = await redis();
  const lenient = await server({ CACHE_URL: url });
  const strict = await server({ CACHE_URL: url, GRAPHQL_MAX_ALIASES: '1' });
  const query = `{ a: customer(id: "${nextId}") { id } b: customer(id: "${nextId++}") { name } }`;
  expect((await lenient.query(query)).body.errors).toBeUndefined();
  const refused = await strict.query(query);
  expect(refused.status).toBe(400);
  expect(refused.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
});

test('a replica keeps the answers it served in memory too: while Redis is down they are still hits', async () => {
  const redisServer = await redis();
  const s = await server({ CACHE_URL: redisServer.url, CACHE_TIMEOUT_MS: '200' });
  const query = freshQuery();
  const first = await s.query(query);
  expect(first.body.errors).toBeUndefined();
  await redisServer.stop();
  try {
    upstreams.reset();
    const second = await s.query(query);
    expect(second.text).toBe(first.text);
    expect(upstreamCallCount()).toBe(0);
  } finally {
    await redisServer.start();
  }
});

test('another replica is served the answer from the shared store, with the age it has there', async () => {
  const { url } = await redis();
  const one = await server({ CACHE_URL: url });
  const two = await server({ CACHE_URL: url });
  const query = freshQuery();
  const first = await one.query(query);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the shared write is not waited for
  upstreams.reset();
  const second = await two.query(query);
  expect(second.text).toBe(first.text);
  expect(second.headers.get('cache-control')).toBe('max-age=60, public');
  expect(upstreamCallCount()).toBe(0);
});

describe('ResponseCache keys', () => {
  const store = { get: async () => undefined, set: async () => undefined, delete: async () => true };

  test('a body sent again is known by its text, with no parsing; another text, or other scopes, make another key', () => {
    const cache = new ResponseCache({ shared: store, version: 'v1' });
    const text = '{"query":"{ a }","variables":{"x":1}}';
    const parse = jest.fn(() => JSON.parse(text) as unknown);
    const asked = cache.askedOfBody(text, parse);
    expect(cache.askedOfBody(text, parse)).toBe(asked);
    expect(parse).toHaveBeenCalledTimes(1);

    // The same request written otherwise asks for the same; other variables do not.
    const spaced = '{ "query": "{ a }", "variables": { "x": 1 } }';
    expect(cache.askedOfBody(spaced, () => JSON.parse(spaced))).toBe(asked);
    const other = '{"query":"{ a }","variables":{"x":2}}';
    expect(cache.askedOfBody(other, () => JSON.parse(other))).not.toBe(asked);

    expect(cache.keyOf(asked!, ['helpcrunch:a'])).not.toBe(cache.keyOf(asked!, ['helpcrunch:b']));
    expect(cache.keyOf(asked!, ['helpcrunch:a'])).not.toBe(new ResponseCache({ shared: store, version: 'v2' }).keyOf(asked!, ['helpcrunch:a']));
  });

  test('a body that is not one request (a batch, or no document) is never remembered as one', () => {
    const cache = new ResponseCache({ shared: store, version: 'v1' });
    const batch = '[{"query":"{ a }"}]';
    const parse = jest.fn(() => JSON.parse(batch) as unknown);
    expect(cache.askedOfBody(batch, parse)).toBeUndefined();
    expect(cache.askedOfBody(batch, parse)).toBeUndefined();
    expect(parse).toHaveBeenCalledTimes(2);
    expect(cache.askedOfBody('{"variables":{}}', () => ({ variables: {} }))).toBeUndefined();
  });
});

test('answers past their max-age leave the replica\'s memory, read again or not', async () => {
  const cache = new ResponseCache({ shared: undefined, version: 'v1', purgeEveryMs: 50 });
  const answer = (maxAgeSeconds: number) => ({ body: '{"data":{}}', cacheControl: `max-age=${maxAgeSeconds}, public`, operationName: undefined, maxAgeSeconds });
  for (let n = 0; n < 3; n += 1) cache.set(`short-${n}`, answer(1));
  cache.set('long', answer(60));
  expect(cache.localSize).toBe(4);
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  // Never asked for again: the LRU alone would keep them until its bytes were all used.
  expect(cache.localSize).toBe(1);
  cache.close();
});
