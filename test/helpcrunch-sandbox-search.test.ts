import { startHelpCrunchSandbox, type HelpCrunchSandbox } from '../src/upstreams/helpcrunch/sandbox';
import type { RawCustomer } from '../src/upstreams/helpcrunch/sandboxData';

// A small account whose every answer can be worked out by hand.
const customer = (id: number, fields: Partial<RawCustomer>): RawCustomer => ({
  id, name: null, email: null, phone: null, company: null, userId: null, firstSeen: null, lastSeen: null, location: null, tags: [], ...fields,
});
const CUSTOMERS = [
  customer(1, { name: 'Ann Lee', email: 'ann@example.com', phone: '+79001234567', lastSeen: 300, firstSeen: 30, tags: [{ name: 'lead', color: null }] }),
  customer(2, { name: 'Bob Ray', email: 'bob@example.org', phone: '8 900 123-45-67', lastSeen: 100, firstSeen: 20, tags: [{ name: 'lead', color: null }, { name: 'vip', color: null }] }),
  customer(3, { name: 'Cy Ann', email: 'cy@example.com', lastSeen: 200, firstSeen: 10, location: { regionCode: null, countryCode: 'UA', city: 'Kyiv' } }),
];

let sandbox: HelpCrunchSandbox;
beforeAll(async () => {
  sandbox = await startHelpCrunchSandbox({ accounts: { key: { customers: new Map(CUSTOMERS.map((c) => [c.id, c])), chats: new Map(), messages: new Map() } }, rateLimitPerMinute: 0 });
});
afterAll(() => sandbox.close());

async function search(body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${sandbox.url}/customers/search`, {
    method: 'POST',
    headers: { authorization: 'Bearer key', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
const ids = async (body: unknown) => {
  const answer = await search(body);
  expect(answer.status).toBe(200);
  return { ids: answer.body.data.map((c: RawCustomer) => c.id), total: answer.body.total };
};
const one = (field: string, operator: string, value: unknown) => ({ filter: [{ field, operator, value }] });

test('every operator, on text and on numbers', async () => {
  expect(await ids(one('customers.email', '=', 'ann@example.com'))).toEqual({ ids: [1], total: 1 });
  expect(await ids(one('customers.email', '!=', 'ann@example.com'))).toEqual({ ids: [3, 2], total: 2 });
  expect(await ids(one('customers.name', '~', 'ann'))).toEqual({ ids: [1, 3], total: 2 });
  expect(await ids(one('customers.name', '!~', 'ann'))).toEqual({ ids: [2], total: 1 });
  expect(await ids(one('customers.lastSeen', '>', 100))).toEqual({ ids: [1, 3], total: 2 });
  expect(await ids(one('customers.lastSeen', '>=', 100))).toEqual({ ids: [1, 3, 2], total: 3 });
  expect(await ids(one('customers.lastSeen', '<', 300))).toEqual({ ids: [3, 2], total: 2 });
  expect(await ids(one('customers.lastSeen', '<=', 200))).toEqual({ ids: [3, 2], total: 2 });
  expect(await ids(one('countryCode', '=', 'UA'))).toEqual({ ids: [3], total: 1 });
});

test('a phone is free text: = is the raw string, ~ a part of it as written', async () => {
  expect(await ids(one('customers.phone', '=', '+79001234567'))).toEqual({ ids: [1], total: 1 });
  expect(await ids(one('customers.phone', '=', '79001234567'))).toEqual({ ids: [], total: 0 });
  expect(await ids(one('customers.phone', '~', '9001234567'))).toEqual({ ids: [1], total: 1 });
  expect(await ids(one('customers.phone', '~', '123-45'))).toEqual({ ids: [2], total: 1 });
});

test('tags: one value holds tags that must all be there; OR-ed filters are any of them', async () => {
  expect(await ids(one('customers.tagsData', '=', 'lead'))).toEqual({ ids: [1, 2], total: 2 });
  expect(await ids(one('customers.tagsData', '=', 'lead,vip'))).toEqual({ ids: [2], total: 1 });
  expect(await ids({ comparison: 'OR', filter: [{ field: 'customers.tagsData', operator: '=', value: 'vip' }, { field: 'customers.countryCode', operator: '=', value: 'UA' }] })).toEqual({ ids: [3, 2], total: 2 });
});

test('comparison joins every filter, AND when left out', async () => {
  const both = [{ field: 'customers.email', operator: '~', value: 'example.com' }, { field: 'customers.name', operator: '~', value: 'cy' }];
  expect(await ids({ filter: both })).toEqual({ ids: [3], total: 1 });
  expect(await ids({ comparison: 'AND', filter: both })).toEqual({ ids: [3], total: 1 });
  expect(await ids({ comparison: 'OR', filter: both })).toEqual({ ids: [1, 3], total: 2 });
});

test('limit, offset, sort and order page through the total', async () => {
  const all = [{ field: 'customers.id', operator: '>', value: 0 }];
  expect(await ids({ filter: all, limit: 2 })).toEqual({ ids: [1, 3], total: 3 });
  expect(await ids({ filter: all, limit: 2, offset: 2 })).toEqual({ ids: [2], total: 3 });
  expect(await ids({ filter: all, sort: 'customers.lastSeen', order: 'asc' })).toEqual({ ids: [2, 3, 1], total: 3 });
  expect(await ids({ filter: all, sort: 'customers.firstSeen', order: 'DESC' })).toEqual({ ids: [1, 2, 3], total: 3 });
});

test('a value of the wrong type, an unknown field or operator, or a bad page is the documented 400', async () => {
  for (const body of [
    one('customers.lastSeen', '>', 'yesterday'),
    one('customers.email', '=', 42),
    one('customers.shoeSize', '=', '42'),
    one('customers.email', '≈', 'ann'),
    { filter: [], limit: 101 },
    { filter: [], sort: 'customers.name' },
  ]) {
    const answer = await search(body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toEqual({ code: 'invalid_request', message: 'Invalid request' });
    expect(answer.body.errors[1]).toEqual({ code: expect.any(String), message: expect.any(String) });
  }
});
