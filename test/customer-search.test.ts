import { FIRST_GENERATED_CUSTOMER_ID, SEED_CUSTOMER } from '../src/upstreams/helpcrunch/sandboxData';
import { helpcrunchCalls, useTestServer } from './support/harness';

const t = useTestServer();

const PAGE = `query ($filter: CustomerFilter!, $first: Int, $after: String, $orderBy: CustomerOrder) {
  searchCustomers(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id name email phone company userId lastSeen firstSeen location { city countryCode } tags { name } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

type Node = { id: string; name: string | null; email: string | null; phone: string | null; company: string | null; userId: string | null; lastSeen: string | null; firstSeen: string | null; location: { city: string | null; countryCode: string | null } | null; tags: Array<{ name: string }> };
type Page = { totalCount: number; edges: Array<{ cursor: string; node: Node }>; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } };

async function search(variables: Record<string, unknown>): Promise<Page> {
  const { body } = await t.server.query(PAGE, variables);
  expect(body.errors).toBeUndefined();
  return body.data!.searchCustomers as Page;
}

/** The filters the last search sent upstream. */
function sentSearch(): { comparison: string; filter: Array<{ field: string; operator: string; value: unknown }>; limit: number; offset: number; sort: string; order: string } {
  const calls = t.upstreams.helpcrunch.fake.calls.filter((call) => call.path === '/v1/customers/search');
  return calls.at(-1)!.body as ReturnType<typeof sentSearch>;
}

test('pages follow one another through cursors to the last page, one search each, with the total', async () => {
  const filter = { countryCode: 'UA' };
  const whole = await search({ filter, first: 100 });
  expect(whole.totalCount).toBeGreaterThan(10);
  expect(whole.totalCount).toBe(whole.edges.length);
  t.upstreams.reset();

  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const page: Page = await search({ filter, first: 7, after });
    pages += 1;
    expect(page.totalCount).toBe(whole.totalCount);
    expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    seen.push(...page.edges.map((edge) => edge.node.id));
    if (!page.pageInfo.hasNextPage) break;
    expect(page.edges).toHaveLength(7);
    after = page.pageInfo.endCursor;
  }
  expect(seen).toEqual(whole.edges.map((edge) => edge.node.id));
  expect(pages).toBe(Math.ceil(whole.totalCount / 7));
  expect(helpcrunchCalls(t.upstreams)).toEqual(Array.from({ length: pages }, () => 'POST /v1/customers/search'));
  expect(sentSearch()).toMatchObject({ limit: 7, offset: (pages - 1) * 7, sort: 'customers.lastSeen', order: 'desc' });
});

test('an edge cursor continues after its own customer', async () => {
  const filter = { countryCode: 'DE' };
  const first = await search({ filter, first: 5 });
  const next = await search({ filter, first: 2, after: first.edges[2]!.cursor });
  expect(next.edges.map((edge) => edge.node.id)).toEqual(first.edges.slice(3, 5).map((edge) => edge.node.id));
});

test('each filter field is sent as HelpCrunch searches it, and what comes back holds to it', async () => {
  const seed = await search({ filter: { email: { equals: ` ${SEED_CUSTOMER.email as string} ` } } });
  expect(seed.edges.map((edge) => edge.node.id)).toEqual([String(SEED_CUSTOMER.id)]);
  expect(sentSearch().filter).toEqual([{ field: 'customers.email', operator: '=', value: SEED_CUSTOMER.email }]);

  const contains = await search({ filter: { email: { contains: '.1000010@' } } });
  expect(contains.edges.map((edge) => edge.node.id)).toEqual([String(FIRST_GENERATED_CUSTOMER_ID + 9)]);
  expect(sentSearch().filter).toEqual([{ field: 'customers.email', operator: '~', value: '.1000010@' }]);

  const phones = await search({ filter: { phone: { contains: '+38050' } }, first: 100 });
  expect(phones.totalCount).toBeGreaterThan(0);
  for (const { node } of phones.edges) expect(node.phone).toContain('+38050');

  const phone = phones.edges[0]!.node.phone!;
  expect((await search({ filter: { phone: { equals: phone } } })).edges.map((edge) => edge.node.phone)).toEqual([phone]);
  // HelpCrunch keeps phones as free text: another way of writing the number is another value.
  expect((await search({ filter: { phone: { equals: phone.replace('+', '') } } })).totalCount).toBe(0);

  const named = await search({ filter: { name: { contains: 'Koval' }, company: { contains: 'a' } }, first: 100 });
  expect(sentSearch()).toMatchObject({ comparison: 'AND', filter: [{ field: 'customers.name', operator: '~', value: 'Koval' }, { field: 'customers.company', operator: '~', value: 'a' }] });
  for (const { node } of named.edges) {
    expect(node.name).toContain('Koval');
    expect(node.company?.toLowerCase()).toContain('a');
  }

  const byUserId = await search({ filter: { userId: `user_${FIRST_GENERATED_CUSTOMER_ID + 4}` } });
  expect(byUserId.edges.map((edge) => edge.node.id)).toEqual([String(FIRST_GENERATED_CUSTOMER_ID + 4)]);

  const berlin = await search({ filter: { city: 'Berlin', countryCode: 'DE' }, first: 100 });
  expect(berlin.totalCount).toBeGreaterThan(0);
  for (const { node } of berlin.edges) expect(node.location).toMatchObject({ city: 'Berlin', countryCode: 'DE' });

  const tagged = await search({ filter: { tags: ['lead'] }, first: 100 });
  expect(sentSearch().filter).toEqual([{ field: 'customers.tagsData', operator: '=', value: 'lead' }]);
  for (const { node } of tagged.edges) expect(node.tags.map((tag) => tag.name)).toContain('lead');
});

test('tags are any of them with match ANY, and every condition with ANY is OR-ed', async () => {
  const lead = await search({ filter: { tags: ['lead'] }, first: 1 });
  const vip = await search({ filter: { tags: ['vip'] }, first: 100 });
  const both = vip.edges.filter(({ node }) => node.tags.some((tag) => tag.name === 'lead')).length;
  expect(vip.totalCount).toBeGreaterThan(both);
  expect(both).toBeGreaterThan(0);
  const either = await search({ filter: { tags: ['lead', 'vip'], match: 'ANY' }, first: 1 });
  expect(sentSearch()).toMatchObject({ comparison: 'OR', filter: [{ value: 'lead' }, { value: 'vip' }] });
  expect(either.totalCount).toBe(lead.totalCount + vip.totalCount - both);

  const any = await search({ filter: { email: { equals: SEED_CUSTOMER.email }, userId: `user_${FIRST_GENERATED_CUSTOMER_ID}`, match: 'ANY' } });
  expect(any.edges.map((edge) => edge.node.id).sort()).toEqual([String(FIRST_GENERATED_CUSTOMER_ID), String(SEED_CUSTOMER.id)].sort());
  const all = await search({ filter: { email: { equals: SEED_CUSTOMER.email }, userId: `user_${FIRST_GENERATED_CUSTOMER_ID}` } });
  expect(all.totalCount).toBe(0);
});

test('lastSeen after and before bound the range, in UNIX seconds', async () => {
  const after = '2023-01-01T00:00:00.000Z';
  const before = '2024-01-01T00:00:00.000Z';
  const page = await search({ filter: { lastSeen: { after, before } }, first: 100 });
  expect(sentSearch().filter).toEqual([
    { field: 'customers.lastSeen', operator: '>', value: Date.parse(after) / 1000 },
    { field: 'customers.lastSeen', operator: '<', value: Date.parse(before) / 1000 },
  ]);
  expect(page.totalCount).toBeGreaterThan(0);
  for (const { node } of page.edges) {
    expect(Date.parse(node.lastSeen!)).toBeGreaterThan(Date.parse(after));
    expect(Date.parse(node.lastSeen!)).toBeLessThan(Date.parse(before));
  }
});

test('orderBy sorts by lastSeen or firstSeen, either way', async () => {
  const filter = { countryCode: 'US' };
  const times = (page: Page, field: 'lastSeen' | 'firstSeen') => page.edges.map((edge) => Date.parse(edge.node[field] ?? '1970-01-01'));
  const ascending = (list: number[]) => list.every((value, index) => index === 0 || list[index - 1]! <= value);
  expect(ascending(times(await search({ filter, first: 50, orderBy: 'LAST_SEEN_ASC' }), 'lastSeen'))).toBe(true);
  expect(ascending(times(await search({ filter, first: 50, orderBy: 'LAST_SEEN_DESC' }), 'lastSeen').reverse())).toBe(true);
  expect(ascending(times(await search({ filter, first: 50, orderBy: 'FIRST_SEEN_ASC' }), 'firstSeen'))).toBe(true);
  expect(sentSearch()).toMatchObject({ sort: 'customers.firstSeen', order: 'asc' });
  expect(ascending(times(await search({ filter, first: 50, orderBy: 'FIRST_SEEN_DESC' }), 'firstSeen').reverse())).toBe(true);
});

test.each([
  [{ filter: {} }, 'filter must have at least one condition'],
  [{ filter: { email: {} } }, 'filter.email needs equals or contains'],
  [{ filter: { name: { contains: '  ' } } }, 'filter.name.contains must not be empty'],
  [{ filter: { tags: [] } }, 'filter.tags needs at least one tag'],
  [{ filter: { tags: ['lead', 'vip'] } }, 'use match: ANY, or one tag'],
  [{ filter: { lastSeen: { after: '2023-01-01T00:00:00Z', before: '2024-01-01T00:00:00Z' }, match: 'ANY' } }, 'use match: ALL, or one bound'],
  [{ filter: { lastSeen: {} } }, 'filter.lastSeen needs after, before or both'],
  [{ filter: { city: 'Kyiv' }, first: 0 }, 'first must be from 1 to 100, got 0'],
  [{ filter: { city: 'Kyiv' }, first: 101 }, 'first must be from 1 to 100, got 101'],
  [{ filter: { city: 'Kyiv' }, after: 'not-a-cursor' }, 'after is not a cursor of searchCustomers'],
])('%j is refused as BAD_USER_INPUT saying what to change, before any upstream call', async (variables, message) => {
  const { body } = await t.server.query(PAGE, variables);
  expect(body.errors).toEqual([expect.objectContaining({ message: expect.stringContaining(message), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  expect(helpcrunchCalls(t.upstreams)).toEqual([]);
});

test('a cursor of one search is refused by another, before any upstream call', async () => {
  const kyiv = await search({ filter: { city: 'Kyiv' }, first: 2 });
  t.upstreams.reset();
  for (const other of [{ filter: { city: 'Berlin' } }, { filter: { city: 'Kyiv' }, orderBy: 'FIRST_SEEN_ASC' }]) {
    const { body } = await t.server.query(PAGE, { ...other, first: 2, after: kyiv.pageInfo.endCursor });
    expect(body.errors?.[0]).toMatchObject({ message: expect.stringContaining('after is a cursor of another search'), extensions: { code: 'BAD_USER_INPUT' } });
  }
  expect(helpcrunchCalls(t.upstreams)).toEqual([]);
});

test('a customer a search found costs no call when asked for by id afterwards', async () => {
  const found = await search({ filter: { email: { contains: '.1000042@' } } });
  const id = found.edges[0]!.node.id;
  t.upstreams.reset();
  // The entity cache is written behind the answer.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const { body } = await t.server.query('query ($id: ID!) { customer(id: $id) { id email } }', { id });
  expect(body.data?.customer).toEqual({ id, email: found.edges[0]!.node.email });
  expect(helpcrunchCalls(t.upstreams)).toEqual([]);
});

test('a search page without its total is a bad response upstream: paging could not go on', async () => {
  t.upstreams.helpcrunch.fake.intercept = (call) => (call.path === '/v1/customers/search' ? { status: 200, body: { data: [] } } : undefined);
  const { body } = await t.server.query(PAGE, { filter: { countryCode: 'UA' } });
  expect(body.errors?.[0]).toMatchObject({ path: ['searchCustomers'], extensions: { code: 'UPSTREAM_BAD_RESPONSE' } });
});
