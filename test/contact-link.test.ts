import { createCoMagicDataset, FIRST_GENERATED_PERSON_ID, SEED_PERSON_ID, type RawPersonVisitor } from '../src/upstreams/comagic/sandboxData';
import { createHelpCrunchDataset, FIRST_LINKED_CUSTOMER_ID, type RawCustomer } from '../src/upstreams/helpcrunch/sandboxData';
import { helpcrunchCalls, scrape, startTestServer, startUpstreams, withTestServer, type TestServer, type Upstreams } from './support/harness';

/** A person whose contacts are written in the Ukrainian and Russian forms, and one with 150 emails. */
const UA_PERSON = 6_100_000_001;
const MANY_PERSON = 6_100_000_002;
/** Twenty persons of one visitor each, with an email and a phone: 40 contacts, one search. */
const TWENTY_FROM = 6_300_000_000;
const TENANT_B_KEY = 'hc-tenant-b-link-4c2e';
/** A person whose phone is contained in 600 longer numbers, and whose email is its one customer, seen long ago. */
const BROAD_PERSON = 6_100_000_003;
const BROAD_EMAIL_CUSTOMER = 3_000_100;
/** A person whose email has no customer yet. */
const LATE_PERSON = 6_100_000_004;
/** A person whose phones CoMagic gives formatted, of Russia, the US, the UK and Japan. */
const FORMATTED_PERSON = 6_100_000_005;
/** A person with 50 phones: 1,100 filters, more than one search holds. */
const MANY_PHONES_PERSON = 6_100_000_006;

function row(personId: number, visitorId: number, emails: string[], phones: string[]): RawPersonVisitor {
  return { person_id: personId, visitor_id: visitorId, name: `Visitor ${visitorId}`, emails, phones, company: null, commentary: null };
}
function customer(id: number, fields: Partial<RawCustomer>): RawCustomer {
  return { id, name: `Customer ${id}`, email: null, phone: null, lastSeen: 1_700_000_000 - id, tags: [], ...fields };
}

function datasets() {
  const comagic = createCoMagicDataset();
  comagic.persons.set(UA_PERSON, [row(UA_PERSON, 6_200_000_001, ['Ua.Person@Example.org'], ['380501234567', '79005556677'])]);
  comagic.persons.set(BROAD_PERSON, [row(BROAD_PERSON, 6_200_000_003, ['old.broad@example.com'], ['79001112233'])]);
  comagic.persons.set(LATE_PERSON, [row(LATE_PERSON, 6_200_000_004, ['late@example.com'], [])]);
  comagic.persons.set(MANY_PHONES_PERSON, [
    row(MANY_PHONES_PERSON, 6_200_000_006, [], Array.from({ length: 50 }, (_, i) => `7902${String(1_000_000 + i * 7_919).padStart(7, '0')}`)),
  ]);
  comagic.persons.set(FORMATTED_PERSON, [
    row(FORMATTED_PERSON, 6_200_000_005, [], ['+7 (901) 234-56-78', '1 415 555 0134', '44 20 7946 0958', '81-3-1234-5678']),
  ]);
  comagic.persons.set(MANY_PERSON, [row(MANY_PERSON, 6_200_000_002, Array.from({ length: 150 }, (_, i) => `many${i}@example.net`), [])]);
  for (let i = 0; i < 20; i += 1) {
    comagic.persons.set(TWENTY_FROM + i, [row(TWENTY_FROM + i, 6_400_000_000 + i, [`twenty${i}@example.com`], [`7901000${String(i).padStart(4, '0')}`])]);
  }
  const helpcrunch = createHelpCrunchDataset();
  for (const c of [
    customer(3_000_001, { phone: '0501234567' }),
    customer(3_000_002, { phone: '+380501234567' }),
    customer(3_000_003, { phone: '8 900 555 66 77' }),
    customer(3_000_004, { email: 'UA.PERSON@example.org' }),
    customer(3_000_005, { email: 'many7@example.net' }),
    customer(3_000_006, { email: 'many142@example.net' }),
    customer(BROAD_EMAIL_CUSTOMER, { email: 'old.broad@example.com', lastSeen: 1 }),
    // The formatted person's numbers as HelpCrunch holds them, each written otherwise.
    customer(3_000_301, { phone: '8 (901) 234 56 78' }),
    customer(3_000_302, { phone: '+1 415.555.0134' }),
    customer(3_000_303, { phone: '+44 (0)20 7946 0958' }),
    customer(3_000_304, { phone: '+81 3-1234-5678' }),
    // Not the formatted person's: the same last six digits in another number, the last digit
    // another, and the same Japanese digits without a country code (read as a national number).
    customer(3_000_305, { phone: '+7 902 234-56-78' }),
    customer(3_000_306, { phone: '+7 901 234-56-79' }),
    customer(3_000_307, { phone: '03-1234-5678' }),
    // Found by "contains 112233" (the number's last six digits), all newer than the email's customer, and none of them that number.
    ...Array.from({ length: 600 }, (_, i) => customer(3_200_000 + i, { phone: `+79001112233${String(i).padStart(3, '0')}` })),
    // Half of the twenty by email, half by phone.
    ...Array.from({ length: 20 }, (_, i) =>
      customer(3_100_000 + i, i % 2 === 0 ? { email: `Twenty${i}@example.com` } : { phone: `+7901000${String(i).padStart(4, '0')}` }),
    ),
  ]) {
    helpcrunch.customers.set(c.id, c);
  }
  return { comagic, helpcrunch };
}

const PERSON = 'query ($id: ID!) { person(id: $id) { id customers { id name email phone } visitors { id customers { id } } } }';
const ids = (list: Array<{ id: string }> | null | undefined) => list?.map((item) => item.id);

let upstreams: Upstreams;
let server: TestServer;
let tenantA: ReturnType<typeof datasets>;
beforeAll(async () => {
  const a = datasets();
  tenantA = a;
  const b = datasets();
  b.helpcrunch.customers.get(FIRST_LINKED_CUSTOMER_ID + 41)!.name = 'Tenant B Qere';
  upstreams = await startUpstreams({
    helpcrunchAccounts: { ['hc-test-key-3b1f9a7e5c']: a.helpcrunch, [TENANT_B_KEY]: b.helpcrunch },
    comagicAccounts: { ['cm-test-token-8d2e4c6a0f']: a.comagic },
  });
  server = await startTestServer(upstreams, { ALLOW_CREDENTIAL_HEADERS: 'true' });
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await server.close();
  await upstreams.close();
});

test('the seed person and each of its visitors get their customers, in one search for the whole request', () =>
  // A server of its own: another test may have asked for the seed person's contacts already.
  withTestServer(upstreams, {}, async (fresh) => {
    const { body } = await fresh.query(PERSON, { id: String(SEED_PERSON_ID) });
    expect(body.errors).toBeUndefined();
    const [tester, qere, test] = [43, 42, 41].map((n) => String(FIRST_LINKED_CUSTOMER_ID + n - 1));
    // Newest seen first: an email in another case, a phone with +7, a phone of another country.
    expect(body.data?.person.customers).toEqual([
      { id: tester, name: 'Tester Abroad', email: null, phone: '+213123123213' },
      { id: qere, name: 'Qere Four', email: 'qere4@fsdfsd.ry', phone: '+74564565465' },
      { id: test, name: 'Test', email: 'Test@1.ry', phone: null },
    ]);
    expect(body.data?.person.visitors.map((visitor: { customers: Array<{ id: string }> }) => ids(visitor.customers))).toEqual([
      [tester, test],
      [tester, qere],
    ]);
    expect(helpcrunchCalls(upstreams)).toEqual(['POST /v1/customers/search']);
    const sent = upstreams.helpcrunch.fake.calls[0]!.body as { comparison: string; filter: unknown[] };
    expect(sent.comparison).toBe('OR');
    // test@1.ry, test@2.ru, qere4@fsdfsd.ry, and three distinct phones in their 22 written forms each.
    expect(sent.filter).toHaveLength(3 + 3 * 22);
  }));

test('a contact matches in every form it is written in: case, +380, 0, 8 with spaces, digits alone', async () => {
  const { body } = await server.query(PERSON, { id: String(UA_PERSON) });
  expect(ids(body.data?.person.customers)?.sort()).toEqual(['3000001', '3000002', '3000003', '3000004']);
});

test('the sandbox\'s generated persons link in every form HelpCrunch holds: +7 with dashes, 8 with brackets, US, Ukraine, UK with 00, Germany with (0), France with dots, digits alone', async () => {
  const written: string[] = [];
  for (let index = 0; index < 10; index += 1) {
    const { body } = await server.query(PERSON, { id: String(FIRST_GENERATED_PERSON_ID + index) });
    expect(ids(body.data?.person.customers)).toEqual([String(FIRST_LINKED_CUSTOMER_ID + index)]);
    written.push(body.data?.person.customers[0].phone ?? body.data?.person.customers[0].email);
  }
  expect(written).toEqual([
    'Contact0@Example.com',
    expect.stringMatching(/^\+7 900 \d{3}-\d{2}-\d{2}$/),
    expect.stringMatching(/^8 \(900\) \d{3} \d{2} \d{2}$/),
    expect.stringMatching(/^7900\d{7}$/),
    expect.stringMatching(/^\+1 \(555\) \d{3}-\d{4}$/),
    expect.stringMatching(/^\+380 44 \d{3} \d{4}$/),
    expect.stringMatching(/^0044 20 \d{4} \d{4}$/),
    expect.stringMatching(/^\+49 \(0\)30 \d{4} \d{4}$/),
    expect.stringMatching(/^\+33 1(\.\d{2}){4}$/),
    expect.stringMatching(/^\+7900\d{7}$/),
  ]);
});

test('both sides formatted, numbers of several countries: each links to its own, and a number that is not it never does', async () => {
  const before = (await scrape(server)).get('contact_graph_link_candidates_total{link="contacts",result="left_out"}') ?? 0;
  const { body } = await server.query(PERSON, { id: String(FORMATTED_PERSON) });
  expect(body.errors).toBeUndefined();
  expect(ids(body.data?.person.customers)?.sort()).toEqual(['3000301', '3000302', '3000303', '3000304']);
  expect(helpcrunchCalls(upstreams)).toEqual(['POST /v1/customers/search']);
  // The other number with the same last six digits, and the national one, were read and left
  // out on this side; the one whose last digit differs was not even read.
  const leftOut = (await scrape(server)).get('contact_graph_link_candidates_total{link="contacts",result="left_out"}')!;
  expect(leftOut - before).toBe(2);
});

test('a visitor on its own gets its customers too', async () => {
  const visitorId = createCoMagicDataset().persons.get(FIRST_GENERATED_PERSON_ID + 5)![0]!.visitor_id;
  const { body } = await server.query('query ($id: ID!) { visitor(id: $id) { id customers { id } } }', { id: String(visitorId) });
  expect(body.data?.visitor.customers).toEqual([{ id: String(FIRST_LINKED_CUSTOMER_ID + 5) }]);
});

test('20 persons of a router\'s _entities cost one search, matched to each on this side', async () => {
  const representations = Array.from({ length: 20 }, (_, index) => ({ __typename: 'Person', id: String(TWENTY_FROM + index) }));
  const { body } = await server.query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id customers { id } } } }', { r: representations });
  expect(body.errors).toBeUndefined();
  expect(helpcrunchCalls(upstreams)).toEqual(['POST /v1/customers/search']);
  expect((upstreams.helpcrunch.fake.calls[0]!.body as { filter: unknown[] }).filter).toHaveLength(20 + 20 * 22);
  expect(body.data?._entities.map((person: { customers: Array<{ id: string }> }) => ids(person.customers))).toEqual(
    Array.from({ length: 20 }, (_, index) => [String(3_100_000 + index)]),
  );
});

test('50 phones are two searches: one holds at most 1,000 filters', async () => {
  const { body } = await server.query(PERSON, { id: String(MANY_PHONES_PERSON) });
  expect(body.errors).toBeUndefined();
  const sizes = upstreams.helpcrunch.fake.calls.map((call) => (call.body as { filter: unknown[] }).filter.length);
  expect(sizes.sort((x, y) => x - y)).toEqual([5 * 22, 45 * 22]);
});

test('150 contacts are two searches of at most 100 filters', async () => {
  const { body } = await server.query(PERSON, { id: String(MANY_PERSON) });
  expect(ids(body.data?.person.customers)?.sort()).toEqual(['3000005', '3000006']);
  const sizes = upstreams.helpcrunch.fake.calls.map((call) => (call.body as { filter: unknown[] }).filter.length);
  expect(sizes.sort((x, y) => x - y)).toEqual([50, 100]);
});

test('a visitor with no email or phone costs no search', async () => {
  const bare = [...createCoMagicDataset().visitors.values()].find((visitor) => visitor.person_id === null)!;
  const { body } = await server.query('query ($id: ID!) { visitor(id: $id) { id customers { id } } }', { id: String(bare.id) });
  expect(body.data?.visitor).toEqual({ id: String(bare.id), customers: [] });
  expect(helpcrunchCalls(upstreams)).toEqual([]);
});

test('a contact already asked is answered from the cache', async () => {
  await server.query(PERSON, { id: String(FIRST_GENERATED_PERSON_ID + 30) });
  upstreams.reset();
  const { body } = await server.query('query ($id: ID!) { person(id: $id) { customers { id email } } }', { id: String(FIRST_GENERATED_PERSON_ID + 30) });
  expect(ids(body.data?.person.customers)).toContain(String(FIRST_LINKED_CUSTOMER_ID + 30));
  expect(helpcrunchCalls(upstreams)).toEqual([]);
});

test('each tenant\'s link is its own: the same person links to the customers of the HelpCrunch account asked', async () => {
  const query = `{ person(id: "${SEED_PERSON_ID}") { customers { id name } } }`;
  const a = await server.query(query);
  upstreams.reset();
  // A's answer for these contacts is cached by now: B's must not be it.
  const b = await server.query(query, undefined, { 'x-helpcrunch-api-key': TENANT_B_KEY });
  expect(a.body.data?.person.customers.map((c: { name: string }) => c.name)).toContain('Qere Four');
  expect(b.body.data?.person.customers.map((c: { name: string }) => c.name)).toContain('Tenant B Qere');
  expect(b.body.data?.person.customers.map((c: { name: string }) => c.name)).not.toContain('Qere Four');
  const keys = upstreams.helpcrunch.fake.calls.map((call) => String(call.headers.authorization));
  expect(keys).toEqual([`Bearer ${TENANT_B_KEY}`]);
});

test('with the HelpCrunch budget used up, the link alone fails as RATE_LIMITED and the person stands', async () => {
  await withTestServer(upstreams, { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '2', UPSTREAM_MAX_WAIT_MS: '0' }, async (limited) => {
    for (let spent = 0; spent < 5; spent += 1) {
      const { body } = await limited.query(`{ customer(id: "${3_000_001 + spent}") { id } }`);
      if (body.errors?.[0]?.extensions?.code === 'RATE_LIMITED') break;
    }
    upstreams.reset();
    const { body } = await limited.query(PERSON, { id: String(FIRST_GENERATED_PERSON_ID + 35) });
    expect(body.data?.person).toMatchObject({ id: String(FIRST_GENERATED_PERSON_ID + 35), customers: null });
    expect(body.data?.person.visitors.length).toBeGreaterThan(0);
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toContainEqual([['person', 'customers'], 'RATE_LIMITED']);
    expect(helpcrunchCalls(upstreams)).toEqual([]);
  });
});

test('while HelpCrunch is down, a contact\'s customers past their TTL are served stale, marked so', async () => {
  await withTestServer(upstreams, { CACHE_TTL_SECONDS: '1', CACHE_NOT_FOUND_TTL_SECONDS: '1', CACHE_STALE_SECONDS: '60' }, async (cached) => {
    const query = `{ person(id: "${FIRST_GENERATED_PERSON_ID + 36}") { customers { id } } }`;
    const fresh = await cached.query(query);
    expect(fresh.body.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    upstreams.helpcrunch.fake.intercept = () => ({ status: 503, body: { errors: [{ code: 'unavailable', message: 'Service unavailable' }] } });
    const stale = await cached.query(query);
    expect(stale.body.data).toEqual(fresh.body.data);
    expect(stale.body.errors).toBeUndefined();
    const marks = (stale.body as { extensions?: { staleData?: Array<{ path: unknown[]; service: string }> } }).extensions?.staleData;
    expect(marks).toEqual([expect.objectContaining({ path: ['person', 'customers', 0], service: 'helpcrunch', reason: 'UPSTREAM_UNAVAILABLE' })]);
  });
});

test('a contact matching widely never cuts another\'s customers short: the search is split, and each reads up to 500', async () => {
  const { body } = await server.query(`{ person(id: "${BROAD_PERSON}") { customers { id } } }`);
  expect(body.errors).toBeUndefined();
  expect(ids(body.data?.person.customers)).toEqual([String(BROAD_EMAIL_CUSTOMER)]);
  // Both (601 match) → the email alone (1 filter) and the phone alone (22), 5 pages of 100.
  const searches = upstreams.helpcrunch.fake.calls.filter((call) => call.path === '/v1/customers/search');
  expect(searches.map((call) => (call.body as { filter: unknown[]; offset: number }).filter.length)).toEqual([23, 1, 22, 22, 22, 22, 22]);
  expect(searches.slice(2).map((call) => (call.body as { offset: number }).offset).sort((x, y) => x - y)).toEqual([0, 100, 200, 300, 400]);
});

test('a contact of no customer is fresh only as long as a customer not found', async () => {
  await withTestServer(upstreams, { CACHE_TTL_SECONDS: '600', CACHE_NOT_FOUND_TTL_SECONDS: '1' }, async (cached) => {
    const query = `{ person(id: "${LATE_PERSON}") { customers { id } } }`;
    expect((await cached.query(query)).body.data?.person.customers).toEqual([]);
    tenantA.helpcrunch.customers.set(3_000_200, customer(3_000_200, { email: 'Late@example.com' }));
    try {
      expect((await cached.query(query)).body.data?.person.customers).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await cached.query(query)).body.data?.person.customers).toEqual([{ id: '3000200' }]);
    } finally {
      tenantA.helpcrunch.customers.delete(3_000_200);
    }
  });
});

test('HelpCrunch refusing the link\'s own search is a bad response upstream, not the client\'s mistake', async () => {
  upstreams.helpcrunch.fake.intercept = (call) =>
    call.path === '/v1/customers/search'
      ? { status: 400, body: { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'filter', message: 'too many filters' }] } }
      : undefined;
  await withTestServer(upstreams, {}, async (fresh) => {
    const { body } = await fresh.query(`{ person(id: "${UA_PERSON}") { id customers { id } } }`);
    expect(body.data).toEqual({ person: { id: String(UA_PERSON), customers: null } });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['person', 'customers'], extensions: expect.objectContaining({ code: 'UPSTREAM_BAD_RESPONSE' }) })]);
    expect(body.errors![0]!.message).toContain('too many filters');
  });
});
