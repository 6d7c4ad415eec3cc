import { Writable } from 'node:stream';
import { createServerLogger } from '../src/server';
import { FIRST_GENERATED_PERSON_ID, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import {
  COMAGIC_TOKEN,
  HELPCRUNCH_KEY,
  postGraphQL,
  requestLines,
  scrape,
  startUpstreams,
  type TestServer,
  type Upstreams,
  withTestServer,
} from './support/harness';
import { startRedisServer } from './support/redis';

let upstreams: Upstreams;
beforeAll(async () => {
  upstreams = await startUpstreams();
});
beforeEach(() => upstreams.reset());
afterAll(() => upstreams.close());

const withServer = (env: Record<string, string>, run: (server: TestServer) => Promise<void>) =>
  withTestServer(upstreams, env, run);

const unavailable = { status: 503, body: '<html>Service Unavailable</html>' };

describe('GET /metrics', () => {
  test('counts operations, upstream requests with latency, cache lookups and loader batches', () =>
    withServer({}, async (server) => {
      const ids = [0, 1, 2].map((offset) => `"${FIRST_GENERATED_CUSTOMER_ID + offset}"`);
      const query = `query Contacts { customers(ids: [${ids.join(',')}]) { id } person(id: "${SEED_PERSON_ID}") { id } }`;
      expect((await server.query(query)).body.errors).toBeUndefined();
      expect((await server.query(query)).body.errors).toBeUndefined(); // from the response cache
      await server.query(`query Lookup { customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { name } }`); // entity cache

      const m = await scrape(server);
      expect(m.get('contact_graph_graphql_requests_total{operation="Contacts",outcome="success"}')).toBe(2);
      expect(m.get('contact_graph_graphql_requests_total{operation="Lookup",outcome="success"}')).toBe(1);
      const search = 'service="helpcrunch",method="POST /customers/search",outcome="ok"';
      expect(m.get(`contact_graph_upstream_requests_total{${search}}`)).toBe(1);
      expect(m.get(`contact_graph_upstream_request_duration_seconds_count{${search}}`)).toBe(1);
      expect(m.get(`contact_graph_upstream_request_duration_seconds_sum{${search}}`)).toBeGreaterThan(0);
      expect(m.get('contact_graph_upstream_requests_total{service="comagic",method="get.person_visitors",outcome="ok"}')).toBe(1);
      expect(m.get('contact_graph_cache_lookups_total{layer="response",result="hit"}')).toBe(1);
      expect(m.get('contact_graph_cache_lookups_total{layer="response",result="miss"}')).toBe(2);
      expect(m.get('contact_graph_cache_lookups_total{layer="entity",result="miss"}')).toBe(4);
      expect(m.get('contact_graph_cache_lookups_total{layer="entity",result="hit"}')).toBe(1);
      expect(m.get('contact_graph_loader_batch_size_sum{loader="customers"}')).toBe(4);
      expect(m.get('contact_graph_loader_batch_size_count{loader="customers"}')).toBe(2);
      expect(m.get('contact_graph_loader_batch_size_bucket{le="2",loader="customers"}')).toBe(1);
      expect(m.get('contact_graph_rate_limit_wait_seconds_count{service="helpcrunch"}')).toBe(1);
      // Default Node.js process metrics come along.
      expect(m.has('contact_graph_process_resident_memory_bytes')).toBe(true);
    }));

  test('counts errors by code, failed and held-back upstream calls, and shows an open circuit', () =>
    withServer({ UPSTREAM_BREAKER_FAILURES: '3', UPSTREAM_BREAKER_HALF_OPEN_MS: '60000' }, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      const failing = await server.query(`query One { customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } }`);
      expect(failing.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      await server.query(`query One { customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 1}") { id } }`);
      await server.query('{ customer(id: "not-a-number") { id } }');
      const aliases = Array.from({ length: 16 }, (_, index) => `a${index}: customer(id: "1") { id }`).join(' ');
      expect((await server.query(`{ ${aliases} }`)).body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');

      const m = await scrape(server);
      expect(m.get('contact_graph_graphql_requests_total{operation="One",outcome="error"}')).toBe(2);
      expect(m.get('contact_graph_graphql_errors_total{operation="One",code="UPSTREAM_UNAVAILABLE",origin="upstream"}')).toBe(2);
      expect(m.get('contact_graph_graphql_errors_total{operation="anonymous",code="BAD_USER_INPUT",origin="client"}')).toBe(1);
      // Counted under the code the client saw, not Apollo's GRAPHQL_VALIDATION_FAILED.
      expect(m.get('contact_graph_graphql_errors_total{operation="anonymous",code="QUERY_TOO_COMPLEX",origin="client"}')).toBe(1);
      // The client's mistakes are not failures of this server.
      expect(m.get('contact_graph_graphql_requests_total{operation="anonymous",outcome="client_error"}')).toBe(2);
      expect(m.has('contact_graph_graphql_requests_total{operation="anonymous",outcome="error"}')).toBe(false);
      // Three attempts opened the circuit; the second query was not sent at all.
      expect(m.get('contact_graph_upstream_requests_total{service="helpcrunch",method="GET /customers/{id}",outcome="UPSTREAM_UNAVAILABLE"}')).toBe(3);
      expect(m.get('contact_graph_upstream_held_back_total{service="helpcrunch",reason="circuit_open"}')).toBe(1);
      const circuit = [...m].find(([name]) => name.startsWith('contact_graph_upstream_circuit_state{service="helpcrunch"'));
      expect(circuit?.[1]).toBe(1);
    }));

  test('reports the CoMagic points the API says are left, and calls held back by the rate limit', () =>
    withServer({ HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '2', UPSTREAM_MAX_WAIT_MS: '0' }, async (server) => {
      const limits = { day_limit: 10_000, day_remaining: 4_321, day_reset: 3_600, minute_limit: 100, minute_remaining: 42, minute_reset: 30 };
      upstreams.comagic.fake.intercept = () => ({
        body: { jsonrpc: '2.0', id: 1, result: { data: [], metadata: { limits } } },
      });
      await server.query(`{ person(id: "${FIRST_GENERATED_PERSON_ID}") { id } }`);
      await server.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } }`);
      const held = await server.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 1}") { id } }`);
      expect(held.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');

      const m = await scrape(server);
      const points = [...m].filter(([name]) => name.startsWith('contact_graph_comagic_points_remaining'));
      expect(Object.fromEntries(points.map(([name, value]) => [/window="(\w+)"/.exec(name)![1], value]))).toEqual({
        minute: 42,
        day: 4_321,
      });
      expect(m.get('contact_graph_upstream_held_back_total{service="helpcrunch",reason="rate_limited"}')).toBe(1);
    }));
});

describe('logs', () => {
  test('one JSON line per request, stamped with its request id, as are the warnings it causes', () =>
    withServer({}, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => ({ status: 403, body: { errors: [{ code: 'forbidden', message: 'no' }] } });
      const response = await server.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } }`, undefined, {
        'x-request-id': 'trace-42',
      });
      expect(response.headers.get('x-request-id')).toBe('trace-42');

      const lines = server.logs.map((line) => JSON.parse(line) as Record<string, any>);
      const mine = lines.filter((line) => line.requestId === 'trace-42');
      expect(mine.map((line) => line.msg)).toEqual(['HelpCrunch answered 403: no', 'request completed']);
      expect(mine[0]).toMatchObject({ level: 40, code: 'UPSTREAM_FORBIDDEN', upstream: { service: 'helpcrunch', status: 403 } });
      // The request's own line says it failed, and how.
      expect(mine[1]).toMatchObject({
        level: 40,
        req: { method: 'POST', path: '/graphql' },
        res: { status: 200 },
        errors: ['UPSTREAM_FORBIDDEN'],
        responseCache: 'miss',
        upstreamCalls: { helpcrunch: 1, comagic: 0 },
      });
      expect(mine[1]!.responseTime).toEqual(expect.any(Number));
    }));

  test('each request line names its operation, its error codes, the limit that refused it, the response cache and its upstream calls', () =>
    withServer({}, async (server) => {
      const ask = async (query: string, requestId: string) => {
        await server.query(query, undefined, { 'x-request-id': requestId });
        const lines = await requestLines(server, requestId);
        return lines.find((line) => line.msg === 'request completed')!;
      };
      const contacts = `query Contacts { customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } person(id: "${SEED_PERSON_ID}") { id } }`;
      expect(await ask(contacts, 'cold')).toMatchObject({
        level: 30,
        operationName: 'Contacts',
        errors: [],
        responseCache: 'miss',
        upstreamCalls: { helpcrunch: 1, comagic: 1 },
      });
      expect(await ask(contacts, 'hot')).toMatchObject({
        level: 30,
        operationName: 'Contacts',
        responseCache: 'hit',
        upstreamCalls: { helpcrunch: 0, comagic: 0 },
      });

      const aliases = Array.from({ length: 16 }, (_, index) => `a${index}: customer(id: "1") { id }`).join(' ');
      expect(await ask(`query Wide { ${aliases} }`, 'wide')).toMatchObject({
        level: 40,
        // Refused before Apollo resolved the operation: named as the client named it.
        operationName: 'Wide',
        res: { status: 400 },
        errors: ['QUERY_TOO_COMPLEX'],
        limit: 'MAX_ALIASES',
      });

      // Three attempts at a failing upstream, each counted.
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      expect(await ask(`query Down { customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 1}") { id } }`, 'down')).toMatchObject({
        level: 40,
        operationName: 'Down',
        errors: ['UPSTREAM_UNAVAILABLE'],
        upstreamCalls: { helpcrunch: 3, comagic: 0 },
      });
    }));

  test('what an upstream answered gets a warning line even when it was the input; a missing credential only the request line', async () => {
    await withServer({}, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => ({
        status: 400,
        body: { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'customers.id', message: 'wrong type' }] },
      });
      await server.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } }`, undefined, { 'x-request-id': 'upstream-400' });
      const lines = await requestLines(server, 'upstream-400');
      expect(lines.map((line) => [line.level, line.code ?? line.errors])).toEqual([
        [40, 'BAD_USER_INPUT'],
        [40, ['BAD_USER_INPUT']],
      ]);
      expect(lines[0]).toMatchObject({ upstream: { service: 'helpcrunch', status: 400 } });
    });
    await withServer(
      { NODE_ENV: 'production', ALLOW_CREDENTIAL_HEADERS: 'true', HELPCRUNCH_API_KEY: '', COMAGIC_ACCESS_TOKEN: '' },
      async (server) => {
        await server.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } }`, undefined, { 'x-request-id': 'no-key' });
        const lines = await requestLines(server, 'no-key');
        expect(lines.map((line) => [line.level, line.msg, line.errors])).toEqual([[40, 'request completed', ['UNAUTHENTICATED']]]);
      },
    );
  });

  test('upstream log lines name the upstream in a field of its own: no duplicate "service" key', () =>
    withServer({ UPSTREAM_BREAKER_FAILURES: '1' }, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      await server.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } }`);
      const opened = server.logs.find((line) => line.includes('circuit opened'));
      expect(opened).toBeDefined();
      const upstreamField = '"upstream":{"service":"helpcrunch"}';
      expect(opened).toContain(upstreamField);
      expect(opened!.replace(upstreamField, '').match(/"service":/g)).toEqual(['"service":']);
      // The same shape as the upstream field of an error's line: `{ service, status?, code? }`.
      expect(JSON.parse(opened!)).toMatchObject({ service: 'contact-graph', upstream: { service: 'helpcrunch' }, component: 'upstream' });
    }));

  test('no credential appears in any log line, response or metric, whatever happens', async () => {
    const tenant = { 'x-helpcrunch-api-key': 'hc-tenant-secret-71c3', 'x-comagic-access-token': 'cm-tenant-secret-94d2' };
    const secrets = [HELPCRUNCH_KEY, COMAGIC_TOKEN, ...Object.values(tenant)];
    const seen: string[] = [];
    await withServer({ LOG_LEVEL: 'trace', ALLOW_CREDENTIAL_HEADERS: 'true' }, async (server) => {
      const ask = async (query: string, headers: Record<string, string> = {}) => {
        const response = await server.query(query, undefined, headers);
        seen.push(response.text, JSON.stringify([...response.headers]));
      };
      const both = `{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID}") { id } person(id: "${SEED_PERSON_ID}") { id } }`;
      await ask(both);
      await ask(both, tenant); // a credential the fakes refuse
      // Upstreams that echo the credential back in their errors.
      upstreams.helpcrunch.fake.intercept = (call) => ({
        status: 500,
        body: { errors: [{ code: 'internal', message: `failed for ${call.headers.authorization}` }] },
      });
      upstreams.comagic.fake.intercept = (call) => ({
        body: {
          jsonrpc: '2.0',
          id: 1,
          error: { code: -32602, message: `bad token ${JSON.stringify(call.body)}`, data: { mnemonic: 'invalid_parameter_value' } },
        },
      });
      await ask(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 5}") { id } person(id: "${FIRST_GENERATED_PERSON_ID + 5}") { id } }`);
      await ask(both, { 'x-helpcrunch-api-key': `${tenant['x-helpcrunch-api-key']} extra` });
      seen.push(await (await fetch(`${server.url}/metrics`)).text());
      seen.push(...server.logs);
    });
    expect(seen.join('\n')).toContain('UPSTREAM_UNAUTHENTICATED');
    for (const secret of secrets) expect(seen.join('\n')).not.toContain(secret);
  });
});

test('the logger itself redacts credentials wherever a logged object could carry them', () => {
  const lines: string[] = [];
  const logger = createServerLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  logger.info(
    {
      req: { headers: { authorization: 'Bearer s1', 'x-helpcrunch-api-key': 's2', 'x-comagic-access-token': 's3' } },
      params: { access_token: 's4', person_id: 1 },
      client: { apiKey: 's5', accessToken: 's6' },
    },
    'request',
  );
  const logged = JSON.parse(lines[0]!);
  expect(logged.req.headers).toEqual({
    authorization: '[REDACTED]',
    'x-helpcrunch-api-key': '[REDACTED]',
    'x-comagic-access-token': '[REDACTED]',
  });
  expect(logged.params).toEqual({ access_token: '[REDACTED]', person_id: 1 });
  expect(logged.client).toEqual({ apiKey: '[REDACTED]', accessToken: '[REDACTED]' });
});

describe('probes', () => {
  test('GET /health is always 200; GET /ready is 200 while Redis answers and 503 while it does not', async () => {
    const redis = await startRedisServer();
    try {
      await withServer({ CACHE_URL: redis.url, CACHE_TIMEOUT_MS: '200' }, async (server) => {
        const ready = await fetch(`${server.url}/ready`);
        expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', cache: 'redis' }]);

        await redis.stop();
        const down = await fetch(`${server.url}/ready`);
        expect([down.status, await down.json()]).toEqual([503, { status: 'not ready', cache: 'redis', reason: 'the cache does not answer' }]);
        expect((await fetch(`${server.url}/health`)).status).toBe(200);

        await redis.start();
        const deadline = Date.now() + 10_000;
        let status = 0;
        while (status !== 200 && Date.now() < deadline) {
          status = (await fetch(`${server.url}/ready`)).status;
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(status).toBe(200);
      });
    } finally {
      await redis.stop();
    }
  });

  test('with the in-memory cache the server is ready at once', () =>
    withServer({}, async (server) => {
      const response = await postGraphQL(server.url, '{ __typename }');
      expect(response.status).toBe(200);
      expect(await (await fetch(`${server.url}/ready`)).json()).toEqual({ status: 'ready', cache: 'memory' });
    }));
});
