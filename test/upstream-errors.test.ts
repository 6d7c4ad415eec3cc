import { createCoMagicDataset, FIRST_GENERATED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import type { FakeReply } from '../src/sandbox/fakeHttpServer';
import {
  COMAGIC_TOKEN,
  HELPCRUNCH_KEY,
  startTestServer,
  useTestServer,
} from './support/harness';

// This file is about how each failure is reported; retries, holds and the circuit breaker
// are tested in resilience.test.ts and rate-limits.test.ts, so the breaker stays out of the way.
const t = useTestServer({ UPSTREAM_TIMEOUT_MS: '300', UPSTREAM_BREAKER_FAILURES: '1000' });

/** However an upstream failed, no answer and no log line holds a credential. */
function expectNoCredential(text: string): void {
  expect(text).not.toContain(HELPCRUNCH_KEY);
  expect(text).not.toContain(COMAGIC_TOKEN);
}
afterEach(() => expectNoCredential(t.server.logs.join('\n')));
// Every case asks for ids no other case asked for, so no answer comes from the cache.
let nextCase = 0;

/** Asks for one customer and one person; the upstream under test fails, the other must survive. */
async function queryBoth() {
  nextCase += 1;
  const customerId = FIRST_GENERATED_CUSTOMER_ID + nextCase;
  const personId = FIRST_GENERATED_PERSON_ID + nextCase;
  const response = await t.server.query(`{
    customer(id: "${customerId}") { id }
    person(id: "${personId}") { id }
  }`);
  expectNoCredential(response.text);
  return { ...response, customerId, personId };
}

function rpcError(code: number, mnemonic: string, message: string, data: Record<string, unknown> = {}): FakeReply {
  return { body: { jsonrpc: '2.0', id: 1, error: { code, message, data: { mnemonic, ...data } } } };
}

describe('HelpCrunch failures fail Customer only', () => {
  test.each<[string, FakeReply, string, Record<string, unknown>]>([
    ['401 (seed form)', { status: 401, body: { errors: [{ code: 'invalid_token', message: 'Invalid token' }] } }, 'UPSTREAM_UNAUTHENTICATED', { status: 401, code: 'invalid_token' }],
    [
      '401 (newer form)',
      { status: 401, body: { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'unauthorized', message: 'Unauthorized' }] } },
      'UPSTREAM_UNAUTHENTICATED',
      { status: 401, code: 'unauthorized' },
    ],
    ['403', { status: 403, body: { errors: [{ code: 'forbidden', message: 'Forbidden' }] } }, 'UPSTREAM_FORBIDDEN', { status: 403, code: 'forbidden' }],
    [
      '400',
      { status: 400, body: { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'customers.id', message: 'wrong type' }] } },
      'BAD_USER_INPUT',
      { status: 400, code: 'customers.id' },
    ],
    ['503', { status: 503, body: '<html>Service Unavailable</html>' }, 'UPSTREAM_UNAVAILABLE', { status: 503 }],
    ['a body that is not JSON', { status: 200, body: '<html>maintenance</html>' }, 'UPSTREAM_BAD_RESPONSE', { status: 200 }],
    ['a body of the wrong shape', { status: 200, body: { id: 'not-a-number' } }, 'UPSTREAM_BAD_RESPONSE', { status: 200 }],
    ['a hang past the timeout', { hang: true }, 'UPSTREAM_TIMEOUT', {}],
    ['a connection reset', { destroy: true }, 'UPSTREAM_UNAVAILABLE', {}],
  ])('%s', async (_name, reply, code, upstream) => {
    t.upstreams.helpcrunch.fake.intercept = () => reply;
    const { body, personId } = await queryBoth();

    expect(body.data).toEqual({ customer: null, person: { id: String(personId) } });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.path).toEqual(['customer']);
    expect(body.errors![0]!.extensions).toMatchObject({ code, upstream: { service: 'helpcrunch', ...upstream } });
    expect(body.errors![0]!.extensions!.upstream).toEqual({ service: 'helpcrunch', ...upstream });
  });

  test('a failed search fails every id in it, and only the customers field', async () => {
    t.upstreams.helpcrunch.fake.intercept = () => ({ status: 500, body: { errors: [{ code: 'internal', message: 'boom' }] } });
    const ids = [FIRST_GENERATED_CUSTOMER_ID + 200, FIRST_GENERATED_CUSTOMER_ID + 201].map(String);
    const { body } = await t.server.query('query ($ids: [ID!]!) { customers(ids: $ids) { id } visitor(id: "6152759362") { id } }', { ids });
    expectNoCredential(JSON.stringify(body));
    expect(body.data).toEqual({ customers: [null, null], visitor: { id: '6152759362' } });
    expect(body.errors!.map((error) => error.path)).toEqual([['customers', 0], ['customers', 1]]);
    expect(body.errors!.every((error) => error.extensions!.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
  });

  test('a wrong API key is UPSTREAM_UNAUTHENTICATED, and the key is not in the answer', async () => {
    const wrong = await startTestServer(t.upstreams, { HELPCRUNCH_API_KEY: 'hc-wrong-key-0000' });
    try {
      const response = await wrong.query('{ customer(id: "8737843") { id } }');
      expect(response.body.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_UNAUTHENTICATED',
        upstream: { service: 'helpcrunch', status: 401, code: 'invalid_token' },
      });
      expect(response.text).not.toContain('hc-wrong-key-0000');
      expect(wrong.logs.join('\n')).not.toContain('hc-wrong-key-0000');
    } finally {
      await wrong.close();
    }
  });
});

describe('CoMagic failures fail Person only', () => {
  test.each<[string, FakeReply, string, Record<string, unknown>]>([
    ['access_token_expired', rpcError(-32001, 'access_token_expired', 'Access token has been expired'), 'UPSTREAM_UNAUTHENTICATED', { code: 'access_token_expired' }],
    ['auth_error', rpcError(-32001, 'auth_error', 'Authorization error'), 'UPSTREAM_UNAUTHENTICATED', { code: 'auth_error' }],
    ['ip_not_whitelisted', rpcError(-32003, 'ip_not_whitelisted', 'IP is not whitelisted'), 'UPSTREAM_FORBIDDEN', { code: 'ip_not_whitelisted' }],
    ['method_component_disabled', rpcError(-32008, 'method_component_disabled', 'Component disabled'), 'UPSTREAM_FORBIDDEN', { code: 'method_component_disabled' }],
    ['account_inactive', rpcError(-32009, 'account_inactive', 'Account is inactive'), 'UPSTREAM_FORBIDDEN', { code: 'account_inactive' }],
    ['invalid_parameter_value', rpcError(-32602, 'invalid_parameter_value', 'Invalid value', { field: 'person_id' }), 'BAD_USER_INPUT', { code: 'invalid_parameter_value' }],
    ['internal_error', rpcError(-32603, 'internal_error', 'Internal error'), 'UPSTREAM_UNAVAILABLE', { code: 'internal_error' }],
    ['batch_opreations_not_supported', rpcError(-32099, 'batch_opreations_not_supported', 'Batch'), 'UPSTREAM_BAD_RESPONSE', { code: 'batch_opreations_not_supported' }],
  ])('%s', async (_name, reply, code, upstream) => {
    t.upstreams.comagic.fake.intercept = () => reply;
    const { body, customerId } = await queryBoth();

    expect(body.data).toEqual({ customer: { id: String(customerId) }, person: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.path).toEqual(['person']);
    expect(body.errors![0]!.extensions!.code).toBe(code);
    expect(body.errors![0]!.extensions!.upstream).toEqual({ service: 'comagic', status: 200, ...upstream });
  });

  test.each<[string, FakeReply, string, Record<string, unknown>]>([
    ['HTTP 502', { status: 502, body: 'Bad gateway' }, 'UPSTREAM_UNAVAILABLE', { status: 502 }],
    ['a body that is not JSON', { body: 'not json' }, 'UPSTREAM_BAD_RESPONSE', { status: 200 }],
    ['a result of the wrong shape', { body: { jsonrpc: '2.0', id: 1, result: { data: 'nope' } } }, 'UPSTREAM_BAD_RESPONSE', { status: 200 }],
    ['a hang past the timeout', { hang: true }, 'UPSTREAM_TIMEOUT', {}],
    ['a connection reset', { destroy: true }, 'UPSTREAM_UNAVAILABLE', {}],
  ])('%s', async (_name, reply, code, upstream) => {
    t.upstreams.comagic.fake.intercept = () => reply;
    const { body } = await queryBoth();
    expect(body.data?.person).toBeNull();
    expect(body.data?.customer).not.toBeNull();
    expect(body.errors![0]!.extensions).toMatchObject({ code });
    expect(body.errors![0]!.extensions!.upstream).toEqual({ service: 'comagic', ...upstream });
  });

  // The limits are read for the points budget only: malformed ones must not cost an answer.
  const malformedLimits = { limits: { minute_remaining: 'plenty', day_limit: null } };

  test('a good answer with malformed limits in its metadata still answers', async () => {
    const personId = FIRST_GENERATED_PERSON_ID + 90;
    const visitors = createCoMagicDataset().persons.get(personId)!;
    t.upstreams.comagic.fake.intercept = () => ({ body: { jsonrpc: '2.0', id: 1, result: { metadata: malformedLimits, data: visitors } } });
    const { body } = await t.server.query(`{ person(id: "${personId}") { id visitors { id } } }`);
    expectNoCredential(JSON.stringify(body));
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ person: { id: String(personId), visitors: visitors.map((visitor) => ({ id: String(visitor.visitor_id) })) } });
  });

  test('an error with malformed limits in its metadata is still that error', async () => {
    t.upstreams.comagic.fake.intercept = () => rpcError(-32003, 'ip_not_whitelisted', 'IP is not whitelisted', { metadata: malformedLimits });
    const { body } = await queryBoth();
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_FORBIDDEN', upstream: { service: 'comagic', code: 'ip_not_whitelisted' } });
  });

  test('an upstream message that echoes the token is redacted', async () => {
    t.upstreams.comagic.fake.intercept = () =>
      rpcError(-32001, 'access_token_blocked', `Access token ${COMAGIC_TOKEN} is blocked`, { params: { access_token: COMAGIC_TOKEN } });
    const { body, text } = await queryBoth();
    expect(body.errors![0]!.message).toBe('CoMagic error -32001: Access token [REDACTED] is blocked');
    expect(text).not.toContain(COMAGIC_TOKEN);
  });

  test('a wrong access token is access_token_invalid from the real fake', async () => {
    const wrong = await startTestServer(t.upstreams, { COMAGIC_ACCESS_TOKEN: 'cm-wrong-token-0000' });
    try {
      const response = await wrong.query('{ person(id: "6145241079") { id } }');
      expect(response.body.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_UNAUTHENTICATED',
        upstream: { service: 'comagic', code: 'access_token_invalid' },
      });
      expect(response.text).not.toContain('cm-wrong-token-0000');
    } finally {
      await wrong.close();
    }
  });
});

test('no answer and no log line holds a credential, even when both upstreams echo it back', async () => {
  t.upstreams.helpcrunch.fake.intercept = (call) => ({
    status: 401,
    body: { errors: [{ code: 'invalid_token', message: `Invalid token ${call.headers.authorization}` }] },
  });
  t.upstreams.comagic.fake.intercept = (call) => rpcError(-32001, 'access_token_invalid', `Invalid token in ${JSON.stringify(call.body)}`);
  const echoed = await queryBoth();
  expect(echoed.body.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAUTHENTICATED', 'UPSTREAM_UNAUTHENTICATED']);

  // The failures were logged, without the credentials (checked after every test).
  expect(t.server.logs.some((line) => line.includes('UPSTREAM_UNAUTHENTICATED'))).toBe(true);
});
