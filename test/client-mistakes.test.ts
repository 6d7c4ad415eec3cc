import { createHash } from 'node:crypto';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import { postGraphQL, requestLines, scrape, startTestServer, startUpstreams, type TestServer, type Upstreams } from './support/harness';

let upstreams: Upstreams;
let dev: TestServer;
let production: TestServer;

beforeAll(async () => {
  upstreams = await startUpstreams();
  dev = await startTestServer(upstreams);
  production = await startTestServer(upstreams, { NODE_ENV: 'production' });
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await Promise.all([dev.close(), production.close()]);
  await upstreams.close();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Sends a request, and returns its response with the log lines it caused (matched by request id). */
async function send(server: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const requestId = `mistake-${Math.random().toString(36).slice(2)}`;
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
  return { status: response.status, body: json, lines: await requestLines(server, requestId) };
}

describe.each([
  ['development', () => dev],
  ['production', () => production],
])('in %s, what the client got wrong is a 4xx-class error, never an internal one', (_mode, server) => {
  test('an operation type the schema does not have (subscription) is GRAPHQL_VALIDATION_FAILED, 400', async () => {
    const { status, body, lines } = await send(server(), { query: 'subscription { x }' });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'This server has no subscription operations: its schema defines no Subscription type.',
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      }),
    ]);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[40, 'request completed']]);
    expect(lines[0]).toMatchObject({ errors: ['GRAPHQL_VALIDATION_FAILED'], res: { status: 400 } });
  });

  test('a subscription is refused the same way', async () => {
    const { status, body } = await send(server(), { query: 'subscription { x }' });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('an APQ hash that does not match its query is BAD_REQUEST, 400', async () => {
    const query = '{ __typename }';
    const { status, body, lines } = await send(server(), {
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256('something else') } },
    });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'provided sha does not match query', extensions: expect.objectContaining({ code: 'BAD_REQUEST' }) }),
    ]);
    expect(lines.map((line) => [line.level, line.errors])).toEqual([[40, ['BAD_REQUEST']]]);
  });

  test('a field argument the client got wrong fails its field with BAD_USER_INPUT, logged as a warning, not an error', async () => {
    const { status, body, lines } = await send(server(), { query: 'query Bad { customer(id: "abc") { id } }' });
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[40, 'request completed']]);
    expect(lines[0]).toMatchObject({ operationName: 'Bad', errors: ['BAD_USER_INPUT'], upstreamCalls: { helpcrunch: 0, comagic: 0 } });
  });
});

test('an unknown APQ hash is the first step of the protocol: no error in the log or the error metrics', async () => {
  const query = `query Registered { customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } }`;
  const persistedQuery = { version: 1, sha256Hash: sha256(query) };

  const miss = await send(dev, { extensions: { persistedQuery } });
  expect(miss.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  expect(miss.lines.map((line) => [line.level, line.errors])).toEqual([[30, ['PERSISTED_QUERY_NOT_FOUND']]]);

  const registered = await send(dev, { query, extensions: { persistedQuery } });
  expect(registered.body).toEqual({ data: { customer: { id: String(FIRST_GENERATED_CUSTOMER_ID) } } });
  const hit = await send(dev, { extensions: { persistedQuery } });
  expect(hit.body).toEqual(registered.body);

  const m = await scrape(dev);
  expect([...m.keys()].filter((name) => name.includes('PERSISTED_QUERY_NOT_FOUND'))).toEqual([]);
  expect([...m.keys()].filter((name) => name.startsWith('contact_graph_graphql_requests_total') && name.includes('outcome="error"'))).toEqual([]);
});

test('the error metrics count what the client got wrong apart from what failed here or upstream', async () => {
  const server = await startTestServer(upstreams);
  try {
    await postGraphQL(server.url, 'subscription { x }');
    // Refused at validation, yet counted under the name the client gave it.
    await postGraphQL(server.url, 'subscription Named { x }');
    await postGraphQL(server.url, 'query Bad { customer(id: "abc") { id } }');
    upstreams.helpcrunch.fake.intercept = () => ({ status: 503, body: 'down' });
    await postGraphQL(server.url, `query Down { customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } }`);

    const m = await scrape(server);
    const requests = [...m].filter(([name]) => name.startsWith('contact_graph_graphql_requests_total'));
    expect(Object.fromEntries(requests)).toEqual({
      'contact_graph_graphql_requests_total{operation="anonymous",outcome="client_error"}': 1,
      'contact_graph_graphql_requests_total{operation="Named",outcome="client_error"}': 1,
      'contact_graph_graphql_requests_total{operation="Bad",outcome="client_error"}': 1,
      'contact_graph_graphql_requests_total{operation="Down",outcome="error"}': 1,
    });
    const errors = [...m].filter(([name]) => name.startsWith('contact_graph_graphql_errors_total'));
    expect(Object.fromEntries(errors)).toEqual({
      'contact_graph_graphql_errors_total{operation="anonymous",code="GRAPHQL_VALIDATION_FAILED",origin="client"}': 1,
      'contact_graph_graphql_errors_total{operation="Named",code="GRAPHQL_VALIDATION_FAILED",origin="client"}': 1,
      'contact_graph_graphql_errors_total{operation="Bad",code="BAD_USER_INPUT",origin="client"}': 1,
      'contact_graph_graphql_errors_total{operation="Down",code="UPSTREAM_UNAVAILABLE",origin="upstream"}': 1,
    });
  } finally {
    await server.close();
  }
});
