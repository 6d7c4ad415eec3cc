import { startTestServer, startUpstreams, type TestServer, type Upstreams } from './support/harness';

let upstreams: Upstreams;
let development: TestServer;
let production: TestServer;
let productionOpen: TestServer;

beforeAll(async () => {
  upstreams = await startUpstreams();
  development = await startTestServer(upstreams, { NODE_ENV: 'development' });
  production = await startTestServer(upstreams, { NODE_ENV: 'production' });
  productionOpen = await startTestServer(upstreams, {
    NODE_ENV: 'production',
    GRAPHQL_INTROSPECTION: 'true',
    GRAPHQL_LANDING_PAGE: 'true',
  });
});
afterAll(async () => {
  await Promise.all([development.close(), production.close(), productionOpen.close()]);
  await upstreams.close();
});

test('GET /health answers 200 once the server is ready', async () => {
  const response = await fetch(`${development.url}/health`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok' });
});

test('GET /graphql runs a query when the request cannot be a CSRF', async () => {
  const query = encodeURIComponent('{ customer(id: "8737843") { name } }');
  const response = await fetch(`${development.url}/graphql?query=${query}`, {
    headers: { 'apollo-require-preflight': 'true' },
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { customer: { name: 'Cindy Mindy' } } });

  const simple = await fetch(`${development.url}/graphql?query=${query}`);
  expect(simple.status).toBe(400);
  expect(await simple.text()).toContain('CSRF');
});

test('outside production a browser opening /graphql gets Apollo Sandbox, and introspection is on', async () => {
  const page = await fetch(`${development.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  // Served as a page, for the browser to show it as one.
  expect(page.headers.get('content-type')).toBe('text/html');
  const html = await page.text();
  expect(html).toContain('new window.EmbeddedSandbox(');

  const { body } = await development.query('{ __schema { queryType { name } } }');
  expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
});

test('in production there is no Sandbox, no introspection and no stack trace', async () => {
  const page = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(await page.text()).not.toContain('EmbeddedSandbox');

  const introspection = await production.query('{ __schema { queryType { name } } }');
  expect(introspection.body.errors?.[0]?.message).toMatch(/^Introspection is off on this server .*set GRAPHQL_INTROSPECTION=true to allow it\.$/);

  const failing = await production.query('{ customer(id: "nope") { id } }');
  expect(failing.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(failing.body.errors?.[0]?.extensions).not.toHaveProperty('stacktrace');
});

test('in production, GRAPHQL_INTROSPECTION and GRAPHQL_LANDING_PAGE turn them back on, still without stack traces', async () => {
  const page = await fetch(`${productionOpen.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(await page.text()).toContain('EmbeddedSandbox');
  const { body } = await productionOpen.query('{ __schema { queryType { name } } }');
  expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  const failing = await productionOpen.query('{ customer(id: "nope") { id } }');
  expect(failing.body.errors?.[0]?.extensions).not.toHaveProperty('stacktrace');
});
