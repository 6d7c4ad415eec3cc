import { createCoMagicDataset, FIRST_GENERATED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import type { FakeReply, RecordedCall } from '../src/sandbox/fakeHttpServer';
import {
  comagicCalls,
  helpcrunchCalls,
  startUpstreams,
  type TestServer,
  type Upstreams,
  withTestServer,
} from './support/harness';

let upstreams: Upstreams;
beforeAll(async () => {
  upstreams = await startUpstreams();
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await upstreams.close();
});

const withServer = (env: Record<string, string>, run: (server: TestServer) => Promise<void>) =>
  withTestServer(upstreams, env, run);

/** Answers with `faults` in turn, then as the fake normally would. */
function failFirst(...faults: FakeReply[]): (call: RecordedCall) => FakeReply | undefined {
  let seen = 0;
  return () => faults[seen++];
}

const unavailable: FakeReply = { status: 503, body: '<html>Service Unavailable</html>' };
const internalError: FakeReply = {
  body: { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error', data: { mnemonic: 'internal_error' } } },
};
/** Visitors of the default dataset that belong to no person. */
const bareVisitorIds = [...createCoMagicDataset().visitors.values()].filter((visitor) => visitor.person_id === null).map((visitor) => visitor.id);
const SEED_VISITOR_ID = 6152759362;
let nextId = 0;
const customerId = () => FIRST_GENERATED_CUSTOMER_ID + 100 + nextId++;
const personId = () => FIRST_GENERATED_PERSON_ID + 50 + nextId++;

describe('retries', () => {
  test('a 5xx then success is retried and answers', async () => {
    await withServer({}, async (server) => {
      const id = customerId();
      upstreams.helpcrunch.fake.intercept = failFirst(unavailable, unavailable);
      const { body } = await server.query(`{ customer(id: "${id}") { id } }`);
      expect(body).toEqual({ data: { customer: { id: String(id) } } });
      expect(helpcrunchCalls(upstreams)).toEqual(Array(3).fill(`GET /v1/customers/${id}`));
    });
  });

  test('at most two retries, then the failure is reported', async () => {
    await withServer({}, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      const { body } = await server.query(`{ customer(id: "${customerId()}") { id } }`);
      expect(body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: { status: 503 } });
      expect(helpcrunchCalls(upstreams)).toHaveLength(3);
    });
  });

  test('a connection reset is retried', async () => {
    await withServer({}, async (server) => {
      const id = customerId();
      upstreams.helpcrunch.fake.intercept = failFirst({ destroy: true });
      const { body } = await server.query(`{ customer(id: "${id}") { id } }`);
      expect(body).toEqual({ data: { customer: { id: String(id) } } });
      expect(helpcrunchCalls(upstreams)).toHaveLength(2);
    });
  });

  test('a hang is cut at the attempt timeout and retried', async () => {
    await withServer({ UPSTREAM_TIMEOUT_MS: '200' }, async (server) => {
      const id = customerId();
      upstreams.helpcrunch.fake.intercept = failFirst({ hang: true });
      const { body } = await server.query(`{ customer(id: "${id}") { id } }`);
      expect(body).toEqual({ data: { customer: { id: String(id) } } });
      expect(helpcrunchCalls(upstreams)).toHaveLength(2);
    });
  });

  test('no retry starts when the deadline would not leave time for it', async () => {
    await withServer({ UPSTREAM_TIMEOUT_MS: '200', UPSTREAM_DEADLINE_MS: '250' }, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => ({ hang: true });
      const { body } = await server.query(`{ customer(id: "${customerId()}") { id } }`);
      expect(body.errors![0]!.extensions!.code).toBe('UPSTREAM_TIMEOUT');
      expect(helpcrunchCalls(upstreams)).toHaveLength(1);
    });
  });

  test('a 4xx is not retried', async () => {
    await withServer({}, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => ({ status: 403, body: { errors: [{ code: 'forbidden', message: 'no' }] } });
      const { body } = await server.query(`{ customer(id: "${customerId()}") { id } }`);
      expect(body.errors![0]!.extensions!.code).toBe('UPSTREAM_FORBIDDEN');
      expect(helpcrunchCalls(upstreams)).toHaveLength(1);
    });
  });

  test('CoMagic internal_error is retried; other CoMagic errors are not', async () => {
    await withServer({}, async (server) => {
      const id = personId();
      upstreams.comagic.fake.intercept = failFirst(internalError, internalError);
      const first = await server.query(`{ person(id: "${id}") { id } }`);
      expect(first.body).toEqual({ data: { person: { id: String(id) } } });
      expect(comagicCalls(upstreams)).toEqual(Array(3).fill('get.person_visitors'));

      upstreams.reset();
      upstreams.comagic.fake.intercept = () => ({
        body: { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Invalid value', data: { mnemonic: 'invalid_parameter_value' } } },
      });
      const second = await server.query(`{ person(id: "${personId()}") { id } }`);
      expect(second.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(comagicCalls(upstreams)).toHaveLength(1);
    });
  });
});

describe('circuit breaker', () => {
  const env = { UPSTREAM_BREAKER_FAILURES: '3', UPSTREAM_BREAKER_HALF_OPEN_MS: '300' };

  test('opens after repeated failures, fails fast without calling, and a probe closes it', async () => {
    await withServer(env, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      await server.query(`{ customer(id: "${customerId()}") { id } }`);
      expect(helpcrunchCalls(upstreams)).toHaveLength(3);
      expect(server.logs.some((line) => line.includes('circuit opened'))).toBe(true);

      upstreams.reset();
      const id = personId();
      const open = await server.query(`{ customer(id: "${customerId()}") { id } person(id: "${id}") { id } }`);
      expect(helpcrunchCalls(upstreams)).toEqual([]);
      expect(open.body.data).toEqual({ customer: null, person: { id: String(id) } });
      expect(open.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfter: 1 });
      expect(open.body.errors![0]!.message).toContain('circuit open');

      // The upstream is back; after the pause one call probes it and closes the circuit.
      upstreams.reset();
      await new Promise((resolve) => setTimeout(resolve, 350));
      const closedId = customerId();
      const closed = await server.query(`{ customer(id: "${closedId}") { id } }`);
      expect(closed.body).toEqual({ data: { customer: { id: String(closedId) } } });
      expect(helpcrunchCalls(upstreams)).toHaveLength(1);
      expect(server.logs.some((line) => line.includes('circuit closed'))).toBe(true);
    });
  });

  test('a failed probe opens it again', async () => {
    await withServer(env, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      await server.query(`{ customer(id: "${customerId()}") { id } }`);
      await new Promise((resolve) => setTimeout(resolve, 350));
      upstreams.helpcrunch.fake.resetCalls();

      await server.query(`{ customer(id: "${customerId()}") { id } }`);
      // The probe failed and was not retried through the open circuit.
      expect(helpcrunchCalls(upstreams)).toHaveLength(1);
      const again = await server.query(`{ customer(id: "${customerId()}") { id } }`);
      expect(helpcrunchCalls(upstreams)).toHaveLength(1);
      expect(again.body.errors![0]!.message).toContain('circuit open');
    });
  });

  test('calls that fail fast on an open circuit spend none of the rate-limit budget', async () => {
    // 120 a minute is 9 calls per 5 s, and nothing may wait: 3 go to open the circuit.
    await withServer({ ...env, HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '120', UPSTREAM_MAX_WAIT_MS: '0' }, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      await server.query(`{ customer(id: "${customerId()}") { id } }`);
      for (let i = 0; i < 10; i += 1) {
        const { body } = await server.query(`{ customer(id: "${customerId()}") { id } }`);
        expect(body.errors![0]!.message).toContain('circuit open');
      }
      upstreams.reset();
      await new Promise((resolve) => setTimeout(resolve, 350));
      const id = customerId();
      const probe = await server.query(`{ customer(id: "${id}") { id } }`);
      expect(probe.body).toEqual({ data: { customer: { id: String(id) } } });
    });
  });

  test('rejections by the upstream (4xx) never open it', async () => {
    await withServer(env, async (server) => {
      upstreams.helpcrunch.fake.intercept = () => ({ status: 403, body: { errors: [{ code: 'forbidden', message: 'no' }] } });
      for (let i = 0; i < 5; i += 1) await server.query(`{ customer(id: "${customerId()}") { id } }`);
      expect(helpcrunchCalls(upstreams)).toHaveLength(5);
      expect(server.logs.some((line) => line.includes('circuit opened'))).toBe(false);
    });
  });
});

describe('stale-if-error', () => {
  const env = { CACHE_TTL_SECONDS: '1', CACHE_NOT_FOUND_TTL_SECONDS: '1', CACHE_STALE_SECONDS: '60' };
  const pastTtl = () => new Promise((resolve) => setTimeout(resolve, 1_100));

  test('serves the last value while the upstream is down, marked in extensions and not cached', async () => {
    await withServer(env, async (server) => {
      const [a, b] = [customerId(), customerId()];
      const pId = personId();
      const query = `query ($ids: [ID!]!) { customers(ids: $ids) { id email } person(id: "${pId}") { id visitors { id } } }`;
      const fresh = await server.query(query, { ids: [String(a), String(b)] });
      expect(fresh.body.errors).toBeUndefined();
      await pastTtl();

      upstreams.reset();
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      upstreams.comagic.fake.intercept = () => ({ destroy: true });
      const stale = await server.query(query, { ids: [String(a), String(b)] });
      expect(stale.body.data).toEqual(fresh.body.data);
      expect(stale.body.errors).toBeUndefined();
      // The upstreams were asked (and retried) before the stale copies were used.
      expect(helpcrunchCalls(upstreams)).toHaveLength(3);
      expect(comagicCalls(upstreams)).toHaveLength(3);
      const marks = (stale.body as { extensions?: { staleData?: Array<Record<string, unknown>> } }).extensions?.staleData;
      // In the order the entities were resolved, which depends on which upstream gave up first.
      expect(marks).toHaveLength(3);
      expect(marks).toEqual(
        expect.arrayContaining([
          { path: ['customers', 0], service: 'helpcrunch', ageSeconds: expect.any(Number), reason: 'UPSTREAM_UNAVAILABLE' },
          { path: ['customers', 1], service: 'helpcrunch', ageSeconds: expect.any(Number), reason: 'UPSTREAM_UNAVAILABLE' },
          { path: ['person'], service: 'comagic', ageSeconds: expect.any(Number), reason: 'UPSTREAM_UNAVAILABLE' },
        ]),
      );
      expect(marks![0]!.ageSeconds).toBeGreaterThanOrEqual(1);
      expect(stale.headers.get('cache-control')).toBe('no-store');

      // Not kept by the response cache: once the upstream is back, the next answer is fresh.
      upstreams.reset();
      const recovered = await server.query(query, { ids: [String(a), String(b)] });
      expect(recovered.body).toEqual({ data: fresh.body.data });
      expect(helpcrunchCalls(upstreams)).toHaveLength(1);
    });
  });

  test('a visitor of no person is served from its stale copy too, as a merged visitor is', async () => {
    await withServer(env, async (server) => {
      const [bare, merged] = [bareVisitorIds[0], SEED_VISITOR_ID];
      const query = `{ bare: visitor(id: "${bare}") { id name } merged: visitor(id: "${merged}") { id name } }`;
      const fresh = await server.query(query);
      expect(fresh.body.errors).toBeUndefined();
      expect(fresh.body.data).toEqual({ bare: { id: String(bare), name: null }, merged: { id: String(merged), name: expect.any(String) } });
      await pastTtl();

      upstreams.reset();
      upstreams.comagic.fake.intercept = () => ({ destroy: true });
      const stale = await server.query(query);
      expect(stale.body.errors).toBeUndefined();
      expect(stale.body.data).toEqual(fresh.body.data);
      const marks = (stale.body as { extensions?: { staleData?: Array<Record<string, unknown>> } }).extensions?.staleData;
      expect(marks?.map((mark) => mark.path)).toEqual(expect.arrayContaining([['bare'], ['merged']]));
      expect(marks?.every((mark) => mark.service === 'comagic' && mark.reason === 'UPSTREAM_UNAVAILABLE')).toBe(true);
    });
  });

  test('when only the person lookup fails, a visitor is never served as one of no person', async () => {
    await withServer(env, async (server) => {
      // A merged visitor this server has never seen: get.visitors would answer it, without its person.
      const merged = createCoMagicDataset().persons.get(FIRST_GENERATED_PERSON_ID + 3)![0]!.visitor_id;
      upstreams.comagic.fake.intercept = (call) =>
        (call.body as { method?: string }).method === 'getobj.person_for_visitor' ? { destroy: true } : undefined;
      const { body } = await server.query(`{ visitor(id: "${merged}") { id company person { id } } }`);
      expect(body.data).toEqual({ visitor: null });
      expect(body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(comagicCalls(upstreams).filter((method) => method === 'get.visitors')).toEqual([]);
    });
  });

  test('marks stale entities in a federated _entities answer by index', async () => {
    await withServer(env, async (server) => {
      const [a, b] = [customerId(), customerId()];
      await server.query(`{ customer(id: "${a}") { id } }`);
      await pastTtl();
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      const { body } = await server.query(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }',
        { r: [{ __typename: 'Customer', id: String(b) }, { __typename: 'Customer', id: String(a) }] },
      );
      // b was never cached: it fails; a stands in from its stale copy.
      expect(body.data).toEqual({ _entities: [null, { id: String(a) }] });
      expect(body.errors!.map((error) => error.path)).toEqual([['_entities', 0]]);
      expect((body as { extensions?: { staleData?: unknown[] } }).extensions?.staleData).toEqual([
        expect.objectContaining({ path: ['_entities', 1], service: 'helpcrunch' }),
      ]);
    });
  });

  test('never stands in for a refused credential', async () => {
    await withServer(env, async (server) => {
      const id = customerId();
      await server.query(`{ customer(id: "${id}") { id } }`);
      await pastTtl();
      upstreams.helpcrunch.fake.intercept = () => ({ status: 401, body: { errors: [{ code: 'invalid_token', message: 'Invalid token' }] } });
      const { body } = await server.query(`{ customer(id: "${id}") { id } }`);
      expect(body.data).toEqual({ customer: null });
      expect(body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAUTHENTICATED');
    });
  });

  test('CACHE_STALE_SECONDS=0 turns it off', async () => {
    await withServer({ ...env, CACHE_STALE_SECONDS: '0' }, async (server) => {
      const id = customerId();
      await server.query(`{ customer(id: "${id}") { id } }`);
      await pastTtl();
      upstreams.helpcrunch.fake.intercept = () => unavailable;
      const { body } = await server.query(`{ customer(id: "${id}") { id } }`);
      expect(body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    });
  });
});

describe('connections and request ids', () => {
  test('calls to an upstream reuse one keep-alive connection', async () => {
    await withServer({}, async (server) => {
      for (let i = 0; i < 5; i += 1) await server.query(`{ customer(id: "${customerId()}") { id } }`);
      const ports = new Set(upstreams.helpcrunch.fake.calls.map((call) => call.remotePort));
      expect(upstreams.helpcrunch.fake.calls).toHaveLength(5);
      expect(ports.size).toBe(1);
    });
  });

  test("the caller's X-Request-Id goes upstream and comes back", async () => {
    await withServer({}, async (server) => {
      const response = await server.query(
        `{ customer(id: "${customerId()}") { id } person(id: "${personId()}") { id } }`,
        undefined,
        { 'x-request-id': 'req-7f3a.42' },
      );
      expect(response.headers.get('x-request-id')).toBe('req-7f3a.42');
      expect(response.headers.get('access-control-expose-headers')).toBe('X-Request-Id');
      const seen = [...upstreams.helpcrunch.fake.calls, ...upstreams.comagic.fake.calls].map((call) => call.headers['x-request-id']);
      expect(seen).toEqual(['req-7f3a.42', 'req-7f3a.42']);
    });
  });

  test.each([
    ['without one', {}],
    ['with a malformed one', { 'x-request-id': 'two words/and a <tag>' }],
  ])('%s, a new id is made and used the same way', async (_name, headers: Record<string, string>) => {
    await withServer({}, async (server) => {
      const response = await server.query(`{ customer(id: "${customerId()}") { id } }`, undefined, headers);
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(upstreams.helpcrunch.fake.calls[0]!.headers['x-request-id']).toBe(id);
    });
  });
});
