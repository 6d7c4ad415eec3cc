import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import { comagicCalls, helpcrunchCalls, useTestServer } from './support/harness';

const t = useTestServer();

test('a customer, person or visitor that does not exist is null with no error', async () => {
  const { body } = await t.server.query(`{
    customer(id: "424242") { id }
    person(id: "424242") { id }
    visitor(id: "424242") { id }
  }`);
  expect(body).toEqual({ data: { customer: null, person: null, visitor: null } });
  expect(helpcrunchCalls(t.upstreams)).toEqual(['GET /v1/customers/424242']);
  expect(comagicCalls(t.upstreams).sort()).toEqual(['get.person_visitors', 'get.visitors', 'getobj.person_for_visitor']);
});

test.each([
  ['customer(id: "abc") { id }', /^id must be a positive integer, got "abc"$/],
  ['customer(id: "0") { id }', /must be a positive integer/],
  ['customer(id: "-5") { id }', /must be a positive integer/],
  ['customer(id: "1.5") { id }', /must be a positive integer/],
  ['customer(id: "99999999999999999999") { id }', /^id is too large: upstream ids are at most 9007199254740991, got "99999999999999999999"$/],
  ['person(id: "6145241079abc") { id }', /must be a positive integer/],
  ['visitor(id: "") { id }', /must be a positive integer, got ""/],
  ['customers(ids: ["1000001", "x"]) { id }', /^ids\[1\] must be a positive integer/],
  ['_entities(representations: [{ __typename: "Customer", id: "nope" }]) { __typename }', /^Customer\.id must be a positive integer/],
])('%s is BAD_USER_INPUT before any upstream call', async (selection, message) => {
  const { status, body } = await t.server.query(`{ ${selection} }`);
  expect(status).toBe(200);
  expect(body.errors).toHaveLength(1);
  expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(body.errors?.[0]?.message).toMatch(message);
  expect(t.upstreams.helpcrunch.fake.calls).toHaveLength(0);
  expect(t.upstreams.comagic.fake.calls).toHaveLength(0);
});

test('more than 100 customer ids is BAD_USER_INPUT before any upstream call', async () => {
  const ids = Array.from({ length: 101 }, (_, index) => String(FIRST_GENERATED_CUSTOMER_ID + index));
  const { body } = await t.server.query('query ($ids: [ID!]!) { customers(ids: $ids) { id } }', { ids });
  expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(body.errors?.[0]?.message).toBe('customers takes at most 100 ids, got 101');
  expect(t.upstreams.helpcrunch.fake.calls).toHaveLength(0);
});
