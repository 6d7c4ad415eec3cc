import { FIRST_GENERATED_PERSON_ID, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import { comagicCalls, helpcrunchCalls, useTestServer } from './support/harness';

// A fresh cache per test would hide nothing here: every test asks for ids no other test asks for.
const t = useTestServer({ COMAGIC_CONCURRENCY: '3' });

test('a batch of 50 customer ids costs one search call, matched by id', async () => {
  const ids = Array.from({ length: 50 }, (_, index) => String(FIRST_GENERATED_CUSTOMER_ID + index));
  const { body } = await t.server.query('query ($ids: [ID!]!) { customers(ids: $ids) { id email } }', { ids });

  expect(body.errors).toBeUndefined();
  expect(body.data?.customers.map((customer: { id: string }) => customer.id)).toEqual(ids);
  for (const customer of body.data?.customers ?? []) {
    expect(customer.email).toContain(`.${customer.id}@example.com`);
  }
  expect(helpcrunchCalls(t.upstreams)).toEqual(['POST /v1/customers/search']);
  const search = t.upstreams.helpcrunch.fake.calls[0]!.body as { comparison: string; filter: unknown[]; limit: number };
  expect(search.comparison).toBe('OR');
  expect(search.filter).toHaveLength(50);
  expect(search.filter[0]).toEqual({ field: 'customers.id', operator: '=', value: FIRST_GENERATED_CUSTOMER_ID });
});

test('customers keeps the order asked, with null where a customer does not exist', async () => {
  const first = FIRST_GENERATED_CUSTOMER_ID + 100;
  const ids = [String(first + 2), '999999991', String(first), String(first + 2), '999999992', String(first + 1)];
  const { body } = await t.server.query('query ($ids: [ID!]!) { customers(ids: $ids) { id } }', { ids });

  expect(body.errors).toBeUndefined();
  expect(body.data?.customers).toEqual([
    { id: String(first + 2) },
    null,
    { id: String(first) },
    { id: String(first + 2) },
    null,
    { id: String(first + 1) },
  ]);
  // One search for the distinct ids, then a GET to confirm each id the search did not return.
  expect(helpcrunchCalls(t.upstreams).sort()).toEqual([
    'GET /v1/customers/999999991',
    'GET /v1/customers/999999992',
    'POST /v1/customers/search',
  ]);
});

test('150 customers through entity references cost two searches of at most 100 ids', async () => {
  const first = FIRST_GENERATED_CUSTOMER_ID + 120;
  const representations = Array.from({ length: 150 }, (_, index) => ({ __typename: 'Customer', id: String(first + index) }));
  const { body } = await t.server.query(
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }',
    { r: representations },
  );
  expect(body.errors).toBeUndefined();
  expect(body.data?._entities).toHaveLength(150);
  const searches = t.upstreams.helpcrunch.fake.calls.map((call) => (call.body as { filter: unknown[] }).filter.length);
  expect(searches.sort((a, b) => a - b)).toEqual([50, 100]);
});

test('one person reached from several fields costs one get.person_visitors', async () => {
  const { body } = await t.server.query(`{
    person(id: "${SEED_PERSON_ID}") { id visitors { id } }
    again: person(id: "${SEED_PERSON_ID}") { visitors { name } }
    first: visitor(id: "6152759362") { name person { id visitors { id } } }
    second: visitor(id: "6152759377") { name person { id } }
  }`);

  expect(body.errors).toBeUndefined();
  expect(body.data?.person.visitors.map((v: { id: string }) => v.id)).toEqual(['6152759362', '6152759377']);
  expect(body.data?.first).toEqual({
    name: 'Тест',
    person: { id: String(SEED_PERSON_ID), visitors: [{ id: '6152759362' }, { id: '6152759377' }] },
  });
  expect(body.data?.second.person.id).toBe(String(SEED_PERSON_ID));
  const calls = comagicCalls(t.upstreams);
  expect(calls.filter((method) => method === 'get.person_visitors')).toHaveLength(1);
  expect(calls.filter((method) => method === 'getobj.person_for_visitor')).toHaveLength(2);
  expect(calls).toHaveLength(3);
});

test('Visitor.person costs no call once the person is loaded', async () => {
  const personId = FIRST_GENERATED_PERSON_ID + 2;
  const { body } = await t.server.query(`{
    person(id: "${personId}") { visitors { id person { id visitors { id } } } }
  }`);
  expect(body.errors).toBeUndefined();
  expect(body.data?.person.visitors[0].person.id).toBe(String(personId));
  expect(comagicCalls(t.upstreams)).toEqual(['get.person_visitors']);
});

test('persons fan out into single calls, never more at once than COMAGIC_CONCURRENCY', async () => {
  let inFlight = 0;
  let most = 0;
  t.upstreams.comagic.fake.intercept = () => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    setTimeout(() => (inFlight -= 1), 30);
    return undefined;
  };
  t.upstreams.comagic.fake.latencyMs = 30;

  const ids = Array.from({ length: 10 }, (_, index) => FIRST_GENERATED_PERSON_ID + 20 + index);
  const query = `{ ${ids.map((id) => `p${id}: person(id: "${id}") { id }`).join(' ')} }`;
  const { body } = await t.server.query(query);

  expect(body.errors).toBeUndefined();
  expect(Object.keys(body.data ?? {})).toHaveLength(10);
  expect(comagicCalls(t.upstreams)).toEqual(Array(10).fill('get.person_visitors'));
  expect(most).toBe(3);
  // No JSON-RPC batch was ever sent: the Data API refuses them.
  expect(t.upstreams.comagic.fake.calls.every((call) => !Array.isArray(call.body))).toBe(true);
});

test('a visitor that belongs to no person is found through get.visitors', async () => {
  const lastBareId = await findBareVisitorId();
  const { body } = await t.server.query(`{ visitor(id: "${lastBareId}") { id name emails phones company person { id } } }`);
  expect(body.errors).toBeUndefined();
  expect(body.data?.visitor).toEqual({ id: String(lastBareId), name: null, emails: [], phones: [], company: null, person: null });
  expect(comagicCalls(t.upstreams)).toEqual(['getobj.person_for_visitor', 'get.visitors']);
});

async function findBareVisitorId(): Promise<number> {
  const { createCoMagicDataset } = await import('../src/upstreams/comagic/sandboxData');
  const dataset = createCoMagicDataset();
  const bare = [...dataset.visitors.values()].filter((visitor) => visitor.person_id === null);
  return bare[bare.length - 1]!.id;
}
