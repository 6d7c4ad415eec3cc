import { createHelpCrunchDataset, FIRST_GENERATED_CUSTOMER_ID, FIRST_LINKED_CUSTOMER_ID, SEED_CUSTOMER } from '../src/upstreams/helpcrunch/sandboxData';
import { LINKED_CONTACTS } from '../src/sandbox/random';
import { createCoMagicDataset, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { limiterWindow } from '../src/transport/rateLimiter';
import {
  COMAGIC_TOKEN,
  HELPCRUNCH_KEY,
  helpcrunchCalls,
  postGraphQL,
  startTestServer,
  startUpstreams,
  type TestServer,
  type Upstreams,
} from './support/harness';

const OTHER_KEY = 'hc-writes-other-tenant-51';
/** The seed person's customer linked by its email alone. */
const LINKED_BY_EMAIL = FIRST_LINKED_CUSTOMER_ID + LINKED_CONTACTS;
const CUSTOMER = `id name email phone company notes locale userId blocked customData tags { name color }`;
const PAYLOAD = `customer { ${CUSTOMER} } userErrors { field message code } replayed`;

let upstreams: Upstreams;
let server: TestServer;

beforeAll(async () => {
  upstreams = await startUpstreams({
    helpcrunchAccounts: { [HELPCRUNCH_KEY]: createHelpCrunchDataset(), [OTHER_KEY]: createHelpCrunchDataset() },
    comagicAccounts: { [COMAGIC_TOKEN]: createCoMagicDataset() },
  });
  // Attempts give up quickly, so that a write with no answer is told in a test's time.
  server = await startTestServer(upstreams, { UPSTREAM_TIMEOUT_MS: '300', UPSTREAM_DEADLINE_MS: '2000', ALLOW_CREDENTIAL_HEADERS: 'true' });
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await server?.close();
  await upstreams?.close();
});

const update = (id: string | number, input: Record<string, unknown>, headers?: Record<string, string>) =>
  server.query(`mutation ($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { ${PAYLOAD} } }`, { id: String(id), input }, headers);
const create = (input: Record<string, unknown>, headers?: Record<string, string>) =>
  server.query(`mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { ${PAYLOAD} } }`, { input }, headers);
const read = (id: string | number, headers?: Record<string, string>) => server.query(`{ customer(id: "${id}") { ${CUSTOMER} } }`, undefined, headers);
const writes = () => helpcrunchCalls(upstreams).filter((call) => !call.startsWith('GET') && !call.includes('/search'));

describe('each mutation over the sandbox', () => {
  test('createCustomer sends the fields given (POST /customers, 201) and answers the customer HelpCrunch made; it is then read by id', async () => {
    // `lead` is a tag the account has (in its colour); `new-tag` is created in the default one.
    const { body } = await create({ name: 'Olena Writer', email: 'olena.writer@example.com', phone: '+380 50 123 4567', customData: { plan: 'pro', seats: 3 }, tags: [{ name: 'lead' }, { name: 'new-tag' }] });
    expect(body.errors).toBeUndefined();
    const { customer, userErrors, replayed } = body.data!.createCustomer;
    expect(userErrors).toEqual([]);
    expect(replayed).toBe(false);
    expect(customer).toMatchObject({ name: 'Olena Writer', email: 'olena.writer@example.com', phone: '+380 50 123 4567', customData: { plan: 'pro', seats: 3 }, tags: [{ name: 'lead', color: '#00c2e0' }, { name: 'new-tag', color: '#c377e0' }] });
    const [post] = upstreams.helpcrunch.fake.calls.filter((call) => call.method === 'POST' && call.path === '/v1/customers');
    expect(post!.body).toEqual({
      name: 'Olena Writer',
      email: 'olena.writer@example.com',
      phone: '+380 50 123 4567',
      customData: [
        { property: 'plan', value: 'pro' },
        { property: 'seats', value: 3 },
      ],
      tags: [{ name: 'lead' }, { name: 'new-tag' }],
    });
    expect((await read(customer.id)).body.data!.customer).toEqual(customer);
  });

  test('updateCustomer sends only the fields given (PATCH); a null clears one; the others stay', async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 40;
    const before = (await read(id)).body.data!.customer;
    expect(before.company).not.toBeNull();
    const { body } = await update(id, { name: 'Renamed Person', company: null });
    expect(body.data!.updateCustomer.userErrors).toEqual([]);
    expect(body.data!.updateCustomer.customer).toEqual({ ...before, name: 'Renamed Person', company: null });
    const patch = upstreams.helpcrunch.fake.calls.find((call) => call.method === 'PATCH')!;
    expect([patch.path, patch.body]).toEqual([`/v1/customers/${id}`, { name: 'Renamed Person', company: null }]);
  });

  test('tagCustomer adds tags (PUT …/tags) and untagCustomer removes them by name (DELETE …/tags)', async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 41;
    const tagged = await server.query(`mutation { tagCustomer(id: "${id}", tags: [{ name: "vip", color: "#ff0000" }, { name: "trial" }]) { ${PAYLOAD} } }`);
    const names = (payload: { customer: { tags: Array<{ name: string }> } }) => payload.customer.tags.map((tag) => tag.name);
    expect(names(tagged.body.data!.tagCustomer)).toEqual(expect.arrayContaining(['vip', 'trial']));
    const untagged = await server.query(`mutation { untagCustomer(id: "${id}", tags: ["vip"]) { ${PAYLOAD} } }`);
    expect(names(untagged.body.data!.untagCustomer)).toEqual(expect.arrayContaining(['trial']));
    expect(names(untagged.body.data!.untagCustomer)).not.toContain('vip');
    expect(writes()).toEqual([`PUT /v1/customers/${id}/tags`, `DELETE /v1/customers/${id}/tags`]);
    expect(upstreams.helpcrunch.fake.calls.map((call) => call.body).filter(Boolean)).toEqual([{ tags: [{ name: 'vip', color: '#ff0000' }, { name: 'trial' }] }, { tags: [{ name: 'vip' }] }]);
  });

  test('deleteCustomer deletes (DELETE /customers/{id}): the customer is then not found, and a second delete is NOT_FOUND', async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 42;
    expect((await read(id)).body.data!.customer).not.toBeNull();
    const deleted = await server.query(`mutation { deleteCustomer(id: "${id}") { deletedCustomerId userErrors { field code } replayed } }`);
    expect(deleted.body.data!.deleteCustomer).toEqual({ deletedCustomerId: String(id), userErrors: [], replayed: false });
    expect((await read(id)).body.data!.customer).toBeNull();
    const again = await server.query(`mutation { deleteCustomer(id: "${id}") { deletedCustomerId userErrors { field code } } }`);
    expect(again.body.data!.deleteCustomer).toEqual({ deletedCustomerId: null, userErrors: [{ field: ['id'], code: 'NOT_FOUND' }] });
  });

  test('a write to a customer that does not exist is NOT_FOUND at ["id"], with no error', async () => {
    const { body } = await update(999_999_999, { name: 'Nobody' });
    expect(body.errors).toBeUndefined();
    expect(body.data!.updateCustomer).toMatchObject({ customer: null, userErrors: [{ field: ['id'], code: 'NOT_FOUND' }] });
  });
});

describe('input checked before any call', () => {
  test.each([
    ['an email that is not one', () => update(SEED_CUSTOMER.id, { email: 'not-an-email' }), [['input', 'email'], 'INVALID']],
    ['a locale that is not ISO 639-1', () => update(SEED_CUSTOMER.id, { locale: 'english' }), [['input', 'locale'], 'INVALID']],
    ['a phone with no digit', () => update(SEED_CUSTOMER.id, { phone: 'call me' }), [['input', 'phone'], 'INVALID']],
    ['a name too long', () => update(SEED_CUSTOMER.id, { name: 'x'.repeat(256) }), [['input', 'name'], 'TOO_LONG']],
    ['a nested custom attribute', () => update(SEED_CUSTOMER.id, { customData: { address: { city: 'Kyiv' } } }), [['input', 'customData', 'address'], 'INVALID']],
    ['customData that is not an object', () => update(SEED_CUSTOMER.id, { customData: [1, 2] }), [['input', 'customData'], 'INVALID']],
    ['an update with nothing to change', () => update(SEED_CUSTOMER.id, {}), [['input'], 'REQUIRED']],
    ['a create with no field', () => create({ name: null }), [['input'], 'REQUIRED']],
    ['an id that is not one', () => update('abc', { name: 'A' }), [['id'], 'INVALID']],
    ['an empty tag name', () => server.query(`mutation { tagCustomer(id: "${SEED_CUSTOMER.id}", tags: [{ name: " " }]) { ${PAYLOAD} } }`), [['tags', '0', 'name'], 'REQUIRED']],
    ['no tag to remove', () => server.query(`mutation { untagCustomer(id: "${SEED_CUSTOMER.id}", tags: []) { ${PAYLOAD} } }`), [['tags'], 'REQUIRED']],
  ] as const)('%s is a user error at its path, and nothing is sent', async (_, send, [field, code]) => {
    const { body } = await send();
    expect(body.errors).toBeUndefined();
    const payload = Object.values(body.data!)[0] as { customer: unknown; userErrors: Array<{ field: string[]; code: string }> };
    expect(payload.customer).toBeNull();
    expect(payload.userErrors).toEqual([expect.objectContaining({ field, code })]);
    expect(helpcrunchCalls(upstreams)).toEqual([]);
  });
});

describe("HelpCrunch's 400 mapped onto the input", () => {
  test('a userId another customer has is TAKEN at ["input", "userId"]', async () => {
    const { body } = await update(FIRST_GENERATED_CUSTOMER_ID + 43, { userId: SEED_CUSTOMER.userId as string });
    expect(body.errors).toBeUndefined();
    expect(body.data!.updateCustomer).toMatchObject({ customer: null, userErrors: [{ field: ['input', 'userId'], code: 'TAKEN', message: 'userId is already taken by another customer' }] });
    expect(writes()).toEqual([`PATCH /v1/customers/${FIRST_GENERATED_CUSTOMER_ID + 43}`]);
  });

  test("a field HelpCrunch names is that field's; one it does not name is the input's, REFUSED; neither is retried", async () => {
    upstreams.helpcrunch.fake.intercept = (call) =>
      call.method === 'POST' && call.path === '/v1/customers'
        ? { status: 400, body: { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'company', message: 'Company is too long' }, { code: 'customer', message: 'Customer limit reached' }] } }
        : undefined;
    const { body } = await create({ name: 'Refused', company: 'Example' });
    expect(body.errors).toBeUndefined();
    expect(body.data!.createCustomer.userErrors).toEqual([
      { field: ['input', 'company'], message: 'Company is too long', code: 'INVALID' },
      { field: ['input'], message: 'Customer limit reached', code: 'REFUSED' },
    ]);
    expect(writes()).toEqual(['POST /v1/customers']);
  });
});

describe('writes are never sent twice blindly', () => {
  test('a write that gets no answer is sent once, and its error says its outcome is unknown', async () => {
    upstreams.helpcrunch.fake.intercept = (call) => (call.method === 'PATCH' ? { hang: true } : undefined);
    const { body } = await update(FIRST_GENERATED_CUSTOMER_ID + 44, { name: 'Maybe' });
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({ path: ['updateCustomer'], extensions: expect.objectContaining({ code: 'UPSTREAM_TIMEOUT', writeOutcome: 'UNKNOWN' }) })]);
    expect(writes()).toEqual([`PATCH /v1/customers/${FIRST_GENERATED_CUSTOMER_ID + 44}`]);
  });

  test('a write HelpCrunch answers with a 5xx is not sent again either', async () => {
    upstreams.helpcrunch.fake.intercept = (call) => (call.method === 'POST' ? { status: 503, body: { errors: [{ code: 'unavailable', message: 'Try later' }] } } : undefined);
    const { body } = await create({ name: 'Twice?' });
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', writeOutcome: 'UNKNOWN' });
    expect(writes()).toEqual(['POST /v1/customers']);
  });

  test('a mutation is never served from nor stored in the response cache: the same one twice is two writes, no-store', async () => {
    const first = await update(FIRST_GENERATED_CUSTOMER_ID + 45, { notes: 'same' });
    const second = await update(FIRST_GENERATED_CUSTOMER_ID + 45, { notes: 'same' });
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(second.body).toEqual(first.body);
    expect(writes()).toHaveLength(2);
  });
});

describe('Idempotency-Key', () => {
  test("a key's first result is answered again, replayed, with nothing sent; the same key with another write is refused", async () => {
    const key = { 'idempotency-key': 'create-7c1e0b2a' };
    const first = await create({ name: 'Once Only', email: 'once.only@example.com' }, key);
    const again = await create({ name: 'Once Only', email: 'once.only@example.com' }, key);
    expect(first.body.data!.createCustomer.replayed).toBe(false);
    expect(again.body.data!.createCustomer).toEqual({ ...first.body.data!.createCustomer, replayed: true });
    expect(writes()).toEqual(['POST /v1/customers']);

    const other = await create({ name: 'Another' }, key);
    expect(other.body.errors![0]!.extensions!.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(writes()).toEqual(['POST /v1/customers']);
  });

  test.each([
    ['no answer', { hang: true }, 'UPSTREAM_TIMEOUT'],
    ['a 201 whose body cannot be read', { status: 201, body: '<html>created</html>' }, 'UPSTREAM_BAD_RESPONSE'],
  ] as const)('a create with a key that got %s is not sent again with that key: its outcome is unknown', async (what, reply, code) => {
    const key = { 'idempotency-key': `create-${what.length}-91d3` };
    upstreams.helpcrunch.fake.intercept = (call) => (call.method === 'POST' && call.path === '/v1/customers' ? reply : undefined);
    const first = await create({ name: 'Lost Answer' }, key);
    expect(first.body.errors![0]!.extensions).toMatchObject({ code, writeOutcome: 'UNKNOWN' });
    upstreams.helpcrunch.fake.intercept = undefined;
    const again = await create({ name: 'Lost Answer' }, key);
    expect(again.body.errors![0]!.extensions).toMatchObject({ code, writeOutcome: 'UNKNOWN' });
    expect(writes()).toEqual(['POST /v1/customers']);
  });

  test('an update with a key that got no answer is sent again with that key (it leaves the same customer), then answered from the key', async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 46;
    const key = { 'idempotency-key': 'update-timeout-4be2' };
    upstreams.helpcrunch.fake.intercept = (call) => (call.method === 'PATCH' ? { hang: true } : undefined);
    expect((await update(id, { name: 'Retried' }, key)).body.errors![0]!.extensions!.writeOutcome).toBe('UNKNOWN');
    upstreams.helpcrunch.fake.intercept = undefined;
    const resent = await update(id, { name: 'Retried' }, key);
    expect(resent.body.data!.updateCustomer).toMatchObject({ customer: { name: 'Retried' }, replayed: false });
    const replayed = await update(id, { name: 'Retried' }, key);
    expect(replayed.body.data!.updateCustomer).toMatchObject({ customer: { name: 'Retried' }, replayed: true });
    expect(writes()).toEqual([`PATCH /v1/customers/${id}`, `PATCH /v1/customers/${id}`]);
  });

  test('a key that is not one (a space in it) is refused before any call', async () => {
    const { body } = await create({ name: 'Bad Key' }, { 'idempotency-key': 'has space' });
    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(writes()).toEqual([]);
  });
});

describe('tenants', () => {
  test("a tenant's write changes its own account only, and its Idempotency-Key is its own", async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 47;
    const other = { 'x-helpcrunch-api-key': OTHER_KEY };
    const ours = (await read(id)).body.data!.customer;
    const key = 'shared-key-between-tenants';
    const theirs = await update(id, { name: 'Their Name' }, { ...other, 'idempotency-key': key });
    expect(theirs.body.data!.updateCustomer.customer.name).toBe('Their Name');
    expect(upstreams.helpcrunch.fake.calls.find((call) => call.method === 'PATCH')!.headers.authorization).toBe(`Bearer ${OTHER_KEY}`);
    // Ours is as it was, from the cache or from HelpCrunch.
    expect((await read(id)).body.data!.customer).toEqual(ours);
    expect((await read(id, other)).body.data!.customer.name).toBe('Their Name');
    // The same key from our tenant is a first write of ours, not their result replayed.
    const mine = await update(id, { name: 'Their Name' }, { 'idempotency-key': key });
    expect(mine.body.data!.updateCustomer).toMatchObject({ replayed: false, customer: { name: 'Their Name', email: ours.email } });
  });
});

describe('CSRF prevention holds for mutations', () => {
  test('a mutation sent as a simple request (text/plain, no preflight header) is refused and writes nothing', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: `mutation { deleteCustomer(id: "${SEED_CUSTOMER.id}") { deletedCustomerId } }` }),
    });
    expect(response.status).toBe(400);
    expect(writes()).toEqual([]);
  });

  test('a mutation over GET is refused (405) and writes nothing', async () => {
    const query = encodeURIComponent(`mutation { deleteCustomer(id: "${SEED_CUSTOMER.id}") { deletedCustomerId } }`);
    const response = await fetch(`${server.url}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
    expect(writes()).toEqual([]);
    expect((await postGraphQL(server.url, `{ customer(id: "${SEED_CUSTOMER.id}") { id } }`)).body.data!.customer).not.toBeNull();
  });
});

describe("HelpCrunch's own 429, and the budget", () => {
  test('a 429 with a Retry-After that fits the wait is the one write tried again (nothing was applied); one without is RATE_LIMITED, sent once', async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 48;
    let refusals = 1;
    upstreams.helpcrunch.fake.intercept = (call) =>
      call.method === 'PATCH' && refusals-- > 0 ? { status: 429, headers: { 'retry-after': '0' }, body: { errors: [{ code: 'too_many_requests', message: 'Too many requests' }] } } : undefined;
    const retried = await update(id, { name: 'After A Wait' });
    expect(retried.body.data!.updateCustomer.customer.name).toBe('After A Wait');
    expect(writes()).toEqual([`PATCH /v1/customers/${id}`, `PATCH /v1/customers/${id}`]);

    upstreams.reset();
    upstreams.helpcrunch.fake.intercept = (call) => (call.method === 'PATCH' ? { status: 429, body: { errors: [{ code: 'too_many_requests', message: 'Too many requests' }] } } : undefined);
    const refused = await update(id, { name: 'Refused' });
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.body.errors![0]!.extensions!.writeOutcome).toBeUndefined();
    expect(writes()).toEqual([`PATCH /v1/customers/${id}`]);
  });

  test("writes spend the account's budget with its reads: past it, a write is held back and nothing is sent", async () => {
    const perMinute = 6;
    const budget = limiterWindow(perMinute).points;
    const limited = await startTestServer(upstreams, { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: String(perMinute), UPSTREAM_MAX_WAIT_MS: '0' });
    try {
      for (let n = 0; n < budget; n += 1) {
        expect((await limited.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 50 + n}") { id } }`)).body.errors).toBeUndefined();
      }
      const { body } = await limited.query(`mutation { updateCustomer(id: "${FIRST_GENERATED_CUSTOMER_ID + 49}", input: { name: "Over Budget" }) { customer { id } } }`);
      expect(body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(helpcrunchCalls(upstreams)).toHaveLength(budget);
      expect(writes()).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

describe('a write that may have been applied with no answer', () => {
  test("drops what it may have changed all the same: the customer's tags, and a linked customer's name in its person's link", async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 53;
    const tags = `{ customer(id: "${id}") { tags { name } } }`;
    const tagNames = async () => ((await server.query(tags)).body.data!.customer.tags as Array<{ name: string }>).map((tag) => tag.name);
    expect(await tagNames()).not.toContain('applied');
    const linked = `{ person(id: "${SEED_PERSON_ID}") { customers { id name } } }`;
    const nameOf = async () => ((await server.query(linked)).body.data!.person.customers as Array<{ id: string; name: string }>).find((c) => Number(c.id) === LINKED_BY_EMAIL)!.name;
    const oldName = await nameOf();

    // HelpCrunch applies each write, and its answers come after the attempt has given up.
    upstreams.helpcrunch.fake.latencyMs = 1_000;
    const tagged = await server.query(`mutation { tagCustomer(id: "${id}", tags: [{ name: "applied" }]) { replayed } }`);
    expect(tagged.body.errors![0]!.extensions!.writeOutcome).toBe('UNKNOWN');
    const renamed = await update(LINKED_BY_EMAIL, { name: 'Renamed Unanswered' });
    expect(renamed.body.errors![0]!.extensions!.writeOutcome).toBe('UNKNOWN');
    upstreams.helpcrunch.fake.latencyMs = 0;

    expect(await tagNames()).toContain('applied');
    expect(oldName).not.toBe('Renamed Unanswered');
    expect(await nameOf()).toBe('Renamed Unanswered');
  });

  test('a delete sent again with its key after no answer, and found gone, was the first one applied: deleted, then replayed', async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 54;
    const key = { 'idempotency-key': 'delete-unanswered-77' };
    const remove = () => server.query(`mutation { deleteCustomer(id: "${id}") { deletedCustomerId userErrors { code } replayed } }`, undefined, key);
    upstreams.helpcrunch.fake.intercept = (call) => (call.method === 'DELETE' ? { delayMs: 1_000, body: 'Ok' } : undefined);
    // The intercept answers late without deleting: delete it as HelpCrunch would have.
    expect((await remove()).body.errors![0]!.extensions!.writeOutcome).toBe('UNKNOWN');
    upstreams.helpcrunch.fake.intercept = undefined;
    expect((await server.query(`mutation { deleteCustomer(id: "${id}") { deletedCustomerId } }`)).body.data!.deleteCustomer.deletedCustomerId).toBe(String(id));
    expect((await remove()).body.data!.deleteCustomer).toEqual({ deletedCustomerId: String(id), userErrors: [], replayed: false });
    expect((await remove()).body.data!.deleteCustomer).toEqual({ deletedCustomerId: String(id), userErrors: [], replayed: true });
  });

  test('a read before the write that fails sends nothing, and says nothing of a write: its key is free', async () => {
    const id = FIRST_GENERATED_CUSTOMER_ID + 55;
    const key = { 'idempotency-key': 'read-before-fails-3' };
    upstreams.helpcrunch.fake.intercept = (call) => (call.method === 'GET' ? { status: 503, body: { errors: [{ code: 'unavailable', message: 'down' }] } } : undefined);
    const failed = await update(id, { email: 'new.address@example.com' }, key);
    expect(failed.body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(failed.body.errors![0]!.extensions!.writeOutcome).toBeUndefined();
    expect(writes()).toEqual([]);
    upstreams.helpcrunch.fake.intercept = undefined;
    const sent = await update(id, { email: 'new.address@example.com' }, key);
    expect(sent.body.data!.updateCustomer).toMatchObject({ customer: { email: 'new.address@example.com' }, replayed: false });
  });
});

test("untagCustomer's refusal of a name is at that name's path", async () => {
  const { body } = await server.query(`mutation { untagCustomer(id: "${SEED_CUSTOMER.id}", tags: ["vip", " "]) { userErrors { field code } } }`);
  expect(body.data!.untagCustomer.userErrors).toEqual([{ field: ['tags', '1'], code: 'REQUIRED' }]);
  expect(writes()).toEqual([]);
});
