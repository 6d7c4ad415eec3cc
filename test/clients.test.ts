import { Client, fetchExchange } from '@urql/core';
import { SEED_CUSTOMER } from '../src/upstreams/helpcrunch/sandboxData';
import { useTestServer } from './support/harness';

/** What a frontend team's client sends, with the settings the README gives; CSRF prevention stays on. */
const t = useTestServer();
const QUERY = `query Customer($id: ID!) { customer(id: $id) { id name } }`;
const EXPECTED = { customer: { id: String(SEED_CUSTOMER.id), name: SEED_CUSTOMER.name } };

function urql(options: Partial<ConstructorParameters<typeof Client>[0]> = {}) {
  return new Client({ url: `${t.server.url}/graphql`, exchanges: [fetchExchange], ...options });
}

test("urql's defaults send a short query as GET without a preflight header: refused, and the message says what to send", async () => {
  const result = await urql().query(QUERY, { id: String(SEED_CUSTOMER.id) }).toPromise();
  expect(result.data).toBeUndefined();
  expect(result.error?.response?.status).toBe(400);
  const [error] = result.error!.graphQLErrors;
  expect(error?.extensions.code).toBe('BAD_REQUEST');
  expect(error?.message).toMatch(/^Blocked as a potential cross-site request forgery \(CSRF\)/);
  expect(error?.message).toContain('`apollo-require-preflight: true`');
  expect(error?.message).toContain('`content-type: application/json`');
});

test.each([
  ['POST for every query', { preferGetMethod: false as const }],
  ['GET with the preflight header', { fetchOptions: { headers: { 'apollo-require-preflight': 'true' } } }],
])('urql works with %s', async (_label, options) => {
  const result = await urql(options).query(QUERY, { id: String(SEED_CUSTOMER.id) }).toPromise();
  expect(result.error).toBeUndefined();
  expect(result.data).toEqual(EXPECTED);
});

test('plain fetch: a POST with content-type application/json', async () => {
  const response = await fetch(`${t.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: QUERY, variables: { id: String(SEED_CUSTOMER.id) } }),
  });
  expect(await response.json()).toEqual({ data: EXPECTED });
});

test('a browser preflight for the header is answered: CORS lets it through', async () => {
  const response = await fetch(`${t.server.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://app.example',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'apollo-require-preflight',
    },
  });
  expect(response.status).toBe(204);
  expect(response.headers.get('access-control-allow-headers')).toContain('apollo-require-preflight');
});
