import { getIntrospectionQuery } from 'graphql';
import { SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { startTestServer, startUpstreams, type TestServer, type Upstreams } from './support/harness';

let upstreams: Upstreams;
let strict: TestServer;
let defaults: TestServer;
let production: TestServer;
let cheap: TestServer;

beforeAll(async () => {
  upstreams = await startUpstreams();
  strict = await startTestServer(upstreams, {
    GRAPHQL_MAX_DEPTH: '4',
    GRAPHQL_MAX_ALIASES: '2',
    GRAPHQL_MAX_TOKENS: '60',
    GRAPHQL_MAX_DIRECTIVES: '2',
    REQUEST_BODY_LIMIT_BYTES: '2048',
  });
  defaults = await startTestServer(upstreams);
  production = await startTestServer(upstreams, { NODE_ENV: 'production' });
  cheap = await startTestServer(upstreams, { GRAPHQL_MAX_COST: '20' });
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await Promise.all([strict.close(), defaults.close(), production.close(), cheap.close()]);
  await upstreams.close();
});

/** Asserts a refusal before anything ran: status 400, one error with this code and message, no upstream call. */
async function expectRefused(server: TestServer, query: string, code: string, message: RegExp, limit?: string) {
  const response = await server.query(query);
  expect(response.status).toBe(400);
  expect(response.body.data).toBeUndefined();
  expect(response.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(message) })]);
  expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(response.body.errors?.[0]?.extensions?.limit).toBe(limit);
  expect(upstreams.helpcrunch.fake.calls.length + upstreams.comagic.fake.calls.length).toBe(0);
}

test('a query nested deeper than GRAPHQL_MAX_DEPTH is refused', async () => {
  const deep = `{ visitor(id: "6152759377") { person { visitors { person { visitors { id } } } } } }`;
  await expectRefused(strict, deep, 'QUERY_TOO_COMPLEX', /depth limit of 4 exceeded, found 6/, 'MAX_DEPTH');
  const shallow = await strict.query(`{ visitor(id: "6152759377") { person { visitors { id } } } }`);
  expect(shallow.body.errors).toBeUndefined();
});

test('a query costlier than GRAPHQL_MAX_COST is refused', async () => {
  const fields = 'id name email userId company phone firstSeen lastSeen unsubscribed blocked source referer locale notes';
  await expectRefused(
    cheap,
    `{ customer(id: "8737843") { ${fields} location { city } device { ip } tags { name } } }`,
    'QUERY_TOO_COMPLEX',
    // The cost it found, as a whole number.
    /^Query Cost limit of 20 exceeded, found \d+\.$/i,
    'MAX_COST',
  );
  expect((await cheap.query('{ customer(id: "8737843") { id name } }')).body.errors).toBeUndefined();
});

test('more aliases than GRAPHQL_MAX_ALIASES are refused (no fan-out by aliasing one field)', async () => {
  await expectRefused(
    strict,
    `{ a: customer(id: "1") { id } b: customer(id: "2") { id } c: customer(id: "3") { id } }`,
    'QUERY_TOO_COMPLEX',
    /Aliases limit of 2 exceeded/,
    'MAX_ALIASES',
  );
});

test('more directives than GRAPHQL_MAX_DIRECTIVES are refused', async () => {
  await expectRefused(
    strict,
    `{ __typename @skip(if: false) customer(id: "1") @include(if: true) { id @skip(if: false) } }`,
    'QUERY_TOO_COMPLEX',
    /Directives limit of 2 exceeded/,
    'MAX_DIRECTIVES',
  );
});

test('a document of more than GRAPHQL_MAX_TOKENS tokens is refused while parsing', async () => {
  const ids = Array.from({ length: 60 }, (_, index) => `"${index + 1}"`).join(', ');
  await expectRefused(strict, `{ customers(ids: [${ids}]) { id } }`, 'QUERY_TOO_COMPLEX', /Document contains more th\w+ 60 tokens/, 'MAX_TOKENS');
});

test('a body larger than REQUEST_BODY_LIMIT_BYTES is refused with 413, in GraphQL error form', async () => {
  const response = await fetch(`${strict.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(4096) } }),
  });
  expect(response.status).toBe(413);
  expect(await response.json()).toEqual({
    errors: [{ message: 'The request body is larger than the 2048 bytes allowed', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
  });
});

test('a body that is not JSON is a 400 in GraphQL error form, not an HTML page', async () => {
  const response = await fetch(`${strict.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"query": ',
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
  });
});

test('the default limits let through Apollo Sandbox’s introspection and ordinary queries', async () => {
  const introspection = await defaults.query(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
  expect(introspection.status).toBe(200);
  expect(introspection.body.errors).toBeUndefined();

  const ordinary = await defaults.query(
    `{ person(id: "${SEED_PERSON_ID}") { visitors { id name emails phones company person { id } } } }`,
  );
  expect(ordinary.body.errors).toBeUndefined();
});

test('in production, errors do not suggest field names (the schema stays private)', async () => {
  const development = await defaults.query('{ customer(id: "1") { nam } }');
  expect(development.body.errors?.[0]?.message).toContain('Did you mean "name"');
  const { body } = await production.query('{ customer(id: "1") { nam } }');
  expect(body.errors?.[0]?.message).toMatch(/Cannot query field "nam" on type "Customer"/);
  expect(body.errors?.[0]?.message).not.toContain('name"');
});
