import { createClient } from '@keyv/redis';
import { createCoMagicDataset, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { createHelpCrunchDataset, SEED_CUSTOMER } from '../src/upstreams/helpcrunch/sandboxData';
import {
  COMAGIC_TOKEN,
  HELPCRUNCH_KEY,
  startTestServer,
  startUpstreams,
  type TestServer,
  type Upstreams,
} from './support/harness';
import { lazyRedisServer } from './support/redis';

// Tenant A's credentials are also the server's configured ones; tenant B brings its own.
const TENANT_A = { 'x-helpcrunch-api-key': HELPCRUNCH_KEY, 'x-comagic-access-token': COMAGIC_TOKEN };
const TENANT_B = { 'x-helpcrunch-api-key': 'hc-tenant-b-5e7c1d9a', 'x-comagic-access-token': 'cm-tenant-b-2a4f6b8c' };

/** Tenant B's accounts hold the same ids as A's, with other data: a leak would show A's names. */
function tenantBAccounts() {
  const helpcrunch = createHelpCrunchDataset();
  helpcrunch.customers.get(SEED_CUSTOMER.id)!.name = 'Bea Tenant';
  const comagic = createCoMagicDataset();
  for (const row of comagic.persons.get(SEED_PERSON_ID)!) row.name = 'B visitor';
  return { helpcrunch, comagic };
}

const QUERY = `{ customer(id: "${SEED_CUSTOMER.id}") { name } person(id: "${SEED_PERSON_ID}") { visitors { name } } }`;
const A_DATA = { customer: { name: 'Cindy Mindy' }, person: { visitors: [{ name: 'Тест' }, { name: '346356' }] } };
const B_DATA = { customer: { name: 'Bea Tenant' }, person: { visitors: [{ name: 'B visitor' }, { name: 'B visitor' }] } };

/** The credentials the fakes were called with, one entry per call. */
function credentialsSent(upstreams: Upstreams): string[] {
  return [
    ...upstreams.helpcrunch.fake.calls.map((call) => String(call.headers.authorization).replace('Bearer ', '')),
    ...upstreams.comagic.fake.calls.map((call) => String((call.body as { params: { access_token: string } }).params.access_token)),
  ];
}

let upstreams: Upstreams;
const redis = lazyRedisServer();

/** The URL of this file's Redis, emptied. */
async function emptyRedis(): Promise<string> {
  const { url } = await redis();
  const client = createClient({ url });
  await client.connect();
  await client.flushAll();
  await client.quit();
  return url;
}

beforeAll(async () => {
  const b = tenantBAccounts();
  upstreams = await startUpstreams({
    helpcrunchAccounts: { [HELPCRUNCH_KEY]: createHelpCrunchDataset(), [TENANT_B['x-helpcrunch-api-key']]: b.helpcrunch },
    comagicAccounts: { [COMAGIC_TOKEN]: createCoMagicDataset(), [TENANT_B['x-comagic-access-token']]: b.comagic },
  });
});
beforeEach(() => upstreams.reset());
afterAll(() => upstreams.close());

describe.each([
  ['the in-memory cache', async () => ({})],
  ['Redis', async () => ({ CACHE_URL: await emptyRedis() })],
])('with credential headers allowed, over %s', (_name, cacheEnv) => {
  // A server, and a cache, of each test's own: what one test fetched must not answer another's.
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(upstreams, { ALLOW_CREDENTIAL_HEADERS: 'true', ...(await cacheEnv()) });
  });
  afterEach(() => server.close());

  test('tenant B never sees what tenant A fetched, from the response cache or the entity cache', async () => {
    const a = await server.query(QUERY, undefined, TENANT_A);
    expect(a.body).toEqual({ data: A_DATA });
    // A again: served whole from the response cache.
    upstreams.reset();
    expect((await server.query(QUERY, undefined, TENANT_A)).body).toEqual({ data: A_DATA });
    expect(credentialsSent(upstreams)).toEqual([]);

    // The same query for B: neither the cached response nor A's cached entities are used.
    const b = await server.query(QUERY, undefined, TENANT_B);
    expect(b.body).toEqual({ data: B_DATA });
    expect(credentialsSent(upstreams).sort()).toEqual(
      [TENANT_B['x-comagic-access-token'], TENANT_B['x-helpcrunch-api-key']].sort(),
    );

    // Another shape of query, so that only the entity cache could answer: each tenant gets its own.
    upstreams.reset();
    const other = `{ customer(id: "${SEED_CUSTOMER.id}") { name email } }`;
    expect((await server.query(other, undefined, TENANT_B)).body.data?.customer.name).toBe('Bea Tenant');
    expect((await server.query(other, undefined, TENANT_A)).body.data?.customer.name).toBe('Cindy Mindy');
    expect(credentialsSent(upstreams)).toEqual([]);
  });

  test('a credential the upstream refuses gets its error, never another tenant’s cached data', async () => {
    await server.query(QUERY, undefined, TENANT_A);
    const stranger = { 'x-helpcrunch-api-key': 'hc-stranger-0000', 'x-comagic-access-token': 'cm-stranger-0000' };
    const { body } = await server.query(QUERY, undefined, stranger);
    expect(body.data).toEqual({ customer: null, person: null });
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAUTHENTICATED', 'UPSTREAM_UNAUTHENTICATED']);
  });

  test('a request without headers is served with the configured credentials', async () => {
    expect((await server.query(QUERY)).body).toEqual({ data: A_DATA });
  });

  test('responses vary by the credential headers, so no shared HTTP cache mixes tenants', async () => {
    const { headers } = await server.query(QUERY, undefined, TENANT_B);
    expect(headers.get('vary')?.toLowerCase()).toContain('x-helpcrunch-api-key');
    expect(headers.get('vary')?.toLowerCase()).toContain('x-comagic-access-token');
  });

  test('a malformed credential header is refused with 400, without echoing it', async () => {
    const response = await server.query(QUERY, undefined, { 'x-helpcrunch-api-key': 'two words' });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toContain('x-helpcrunch-api-key header must be one credential');
    expect(response.text).not.toContain('two words');
    expect(credentialsSent(upstreams)).toEqual([]);
  });
});

test('each tenant has its own HelpCrunch rate limit: A using up its budget does not hold B back', async () => {
  // 2 a minute is 1 call per window; with no wait, the next call fails as RATE_LIMITED.
  const server = await startTestServer(upstreams, {
    ALLOW_CREDENTIAL_HEADERS: 'true',
    HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '2',
    UPSTREAM_MAX_WAIT_MS: '0',
  });
  try {
    const customer = (id: number) => `{ customer(id: "${id}") { id } }`;
    expect((await server.query(customer(1_000_001), undefined, TENANT_A)).body.errors).toBeUndefined();
    const held = await server.query(customer(1_000_002), undefined, TENANT_A);
    expect(held.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');

    const b = await server.query(customer(1_000_002), undefined, TENANT_B);
    expect(b.body).toEqual({ data: { customer: { id: '1000002' } } });
  } finally {
    await server.close();
  }
});

test('with the option off (the default), credential headers are ignored', async () => {
  const server = await startTestServer(upstreams);
  try {
    const { body, headers } = await server.query(QUERY, undefined, TENANT_B);
    expect(body).toEqual({ data: A_DATA });
    expect(new Set(credentialsSent(upstreams))).toEqual(new Set([HELPCRUNCH_KEY, COMAGIC_TOKEN]));
    expect(headers.get('vary') ?? '').not.toMatch(/x-helpcrunch-api-key/i);
  } finally {
    await server.close();
  }
});

test('in production with no configured credentials, a request without headers is told what to send', async () => {
  const server = await startTestServer(upstreams, {
    NODE_ENV: 'production',
    ALLOW_CREDENTIAL_HEADERS: 'true',
    HELPCRUNCH_API_KEY: '',
    COMAGIC_ACCESS_TOKEN: '',
  });
  try {
    const { body } = await server.query(QUERY);
    expect(body.data).toEqual({ customer: null, person: null });
    expect(body.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([
      ['UNAUTHENTICATED', expect.stringContaining('sent no X-HelpCrunch-Api-Key')],
      ['UNAUTHENTICATED', expect.stringContaining('sent no X-CoMagic-Access-Token')],
    ]);
    expect(credentialsSent(upstreams)).toEqual([]);
    expect((await server.query(QUERY, undefined, TENANT_B)).body).toEqual({ data: B_DATA });
  } finally {
    await server.close();
  }
});
