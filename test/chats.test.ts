import { createHelpCrunchDataset, SEED_CUSTOMER, type HelpCrunchDataset, type RawCustomer } from '../src/upstreams/helpcrunch/sandboxData';
import type { RawMessage } from '../src/upstreams/helpcrunch/sandboxChats';
import { HELPCRUNCH_KEY, helpcrunchCalls, startTestServer, startUpstreams, withTestServer, type TestServer, type Upstreams } from './support/harness';
import { addChat } from './support/history';

const NOW = 1_796_000_000;
/** A customer with five chats, a day apart, of every status form the documents show. */
const FIVE = 4_000_001;
/** A customer with 1,050 chats, and one with two: the first never cuts the second short. */
const MANY = 4_000_002;
const FEW = 4_000_003;
/** Twenty customers of two chats each. */
const TWENTY_FROM = 4_100_000;
/** A customer whose one chat no other test reads. */
const LONELY = 4_000_004;
const LONELY_CHAT = 5_100_001;
/** A chat of three messages, to which many are written while a client pages. */
const MANY_MESSAGES = 7_000_002;
/** A chat with five messages, a minute apart. */
const TALKED = 7_000_001;
const TENANT_B_KEY = 'hc-tenant-b-chats-7d1c';

let nextMessage = 90_000_000;

function customer(id: number): RawCustomer {
  return { id, name: `Customer ${id}`, email: `c${id}@example.com`, phone: null, lastSeen: NOW, tags: [] };
}


function addMessage(dataset: HelpCrunchDataset, chatId: number, createdAt: number): RawMessage {
  const message: RawMessage = { id: nextMessage++, chat: chatId, type: 'message', from: 'customer', text: `said at ${createdAt}`, read: true, edited: false, createdAt: String(createdAt), agent: null };
  dataset.messages.get(chatId)!.push(message);
  return message;
}

function dataset(): HelpCrunchDataset {
  const data = createHelpCrunchDataset(300, NOW);
  for (const id of [FIVE, MANY, FEW, LONELY, ...Array.from({ length: 20 }, (_, i) => TWENTY_FROM + i)]) data.customers.set(id, customer(id));
  const statuses = ['new', 'on hold', 'onhold', 'closed', 'no communication'];
  statuses.forEach((status, index) => addChat(data, FIVE, NOW - (5 - index) * 86_400, { status, id: 5_000_001 + index }));
  for (let i = 0; i < 1_050; i += 1) addChat(data, MANY, NOW - 1_000_000 + i);
  addChat(data, FEW, NOW - 2_000_000);
  addChat(data, FEW, NOW - 3_000_000);
  for (let i = 0; i < 20; i += 1) {
    // Each customer's chats sit between the others' in time: an answer in order of time mixes them.
    addChat(data, TWENTY_FROM + i, NOW - i * 100);
    addChat(data, TWENTY_FROM + i, NOW - 10_000 - i * 100);
  }
  addChat(data, LONELY, NOW - 600, { id: LONELY_CHAT, status: 'new' });
  addChat(data, FIVE, NOW - 30 * 86_400, { id: TALKED, status: 'closed' });
  for (let i = 0; i < 5; i += 1) addMessage(data, TALKED, NOW - 30 * 86_400 + i * 60);
  addChat(data, LONELY, NOW - 40 * 86_400, { id: MANY_MESSAGES, status: 'opened' });
  for (let i = 0; i < 3; i += 1) addMessage(data, MANY_MESSAGES, NOW - 40 * 86_400 + i * 60);
  return data;
}

const CHATS = `query ($id: ID!, $first: Int, $after: String, $status: [ChatStatus!], $createdAfter: DateTime, $createdBefore: DateTime) {
  customer(id: $id) { id chats(first: $first, after: $after, status: $status, createdAfter: $createdAfter, createdBefore: $createdBefore) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id status createdAt customer { id } } } } } }`;
const MESSAGES = `query ($id: ID!, $first: Int, $after: String) { chat(id: $id) { id messages(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id text createdAt } } } } }`;

const idsOf = (connection: { edges: Array<{ node: { id: string } }> } | null | undefined) => connection?.edges.map((edge) => edge.node.id);

let upstreams: Upstreams;
let server: TestServer;
let data: HelpCrunchDataset;
beforeAll(async () => {
  data = dataset();
  const b = createHelpCrunchDataset(0, NOW);
  addChat(b, SEED_CUSTOMER.id, NOW - 60, { id: 9_900_001, status: 'pending' });
  upstreams = await startUpstreams({ helpcrunchAccounts: { [HELPCRUNCH_KEY]: data, [TENANT_B_KEY]: b } });
  server = await startTestServer(upstreams, { ALLOW_CREDENTIAL_HEADERS: 'true' });
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await server.close();
  await upstreams.close();
});

test("a customer's chats come newest first, a page at a time, their statuses as the documents write them", async () => {
  const first = await server.query(CHATS, { id: String(FIVE), first: 3 });
  expect(first.body.errors).toBeUndefined();
  const page = first.body.data?.customer.chats;
  expect(idsOf(page)).toEqual(['5000005', '5000004', '5000003']);
  expect(page.edges.map((edge: { node: { status: string } }) => edge.node.status)).toEqual(['NO_COMMUNICATION', 'CLOSED', 'ON_HOLD']);
  expect(page.totalCount).toBe(6);
  expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

  const searched = helpcrunchCalls(upstreams).length;
  const second = await server.query(CHATS, { id: String(FIVE), first: 3, after: page.pageInfo.endCursor });
  expect(idsOf(second.body.data?.customer.chats)).toEqual(['5000002', '5000001', String(TALKED)]);
  expect(second.body.data?.customer.chats.edges.map((edge: { node: { status: string } }) => edge.node.status)).toEqual(['ON_HOLD', 'NEW', 'CLOSED']);
  expect(second.body.data?.customer.chats.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  // The second page is read from the list the first one had, in the cache: it costs no call.
  expect(helpcrunchCalls(upstreams).slice(searched).filter((call) => call.includes('/chats'))).toEqual([]);
});

test('status, createdAfter and createdBefore keep the chats asked for', async () => {
  const { body } = await server.query(CHATS, {
    id: String(FIVE),
    status: ['ON_HOLD', 'NEW', 'CLOSED'],
    createdAfter: new Date((NOW - 4.5 * 86_400) * 1000).toISOString(),
    createdBefore: new Date((NOW - 1.5 * 86_400) * 1000).toISOString(),
  });
  expect(body.errors).toBeUndefined();
  expect(idsOf(body.data?.customer.chats)).toEqual(['5000004', '5000003', '5000002']);
  expect(body.data?.customer.chats.totalCount).toBe(3);
});

test("twenty customers' chats are one search, each chat given to the customer it names", async () => {
  const ids = Array.from({ length: 20 }, (_, i) => String(TWENTY_FROM + i));
  const { body } = await server.query('query ($ids: [ID!]!) { customers(ids: $ids) { id chats { totalCount edges { node { id customer { id } } } } } }', { ids });
  expect(body.errors).toBeUndefined();
  for (const found of body.data?.customers ?? []) {
    expect(found.chats.totalCount).toBe(2);
    expect(found.chats.edges.map((edge: { node: { customer: { id: string } } }) => edge.node.customer.id)).toEqual([found.id, found.id]);
  }
  expect(helpcrunchCalls(upstreams)).toEqual(['POST /v1/customers/search', 'POST /v1/chats/search']);
  const search = upstreams.helpcrunch.fake.calls[1]!.body as { comparison: string; filter: Array<{ field: string; operator: string; value: unknown }>; sort: string; order: string };
  expect(search).toMatchObject({ comparison: 'OR', sort: 'chats.createdAt', order: 'desc' });
  expect(search.filter).toEqual(ids.map((id) => ({ field: 'chats.customer', operator: '=', value: Number(id) })));
});

test("a customer of many chats never cuts another's short: the newest 1,000 of theirs, all of the other's", async () => {
  const { body } = await server.query(`{ many: customer(id: "${MANY}") { chats(first: 2) { totalCount edges { node { createdAt } } } }
    few: customer(id: "${FEW}") { chats { totalCount } } }`);
  expect(body.errors).toBeUndefined();
  expect(body.data?.few.chats.totalCount).toBe(2);
  expect(body.data?.many.chats.totalCount).toBe(1_000);
  expect(body.data?.many.chats.edges[0].node.createdAt).toBe(new Date((NOW - 1_000_000 + 1_049) * 1000).toISOString());
  // One page of both, then each alone: the first in ten pages, the second in one.
  const searches = upstreams.helpcrunch.fake.calls.filter((call) => call.path === '/v1/chats/search').map((call) => (call.body as { filter: unknown[]; offset: number }));
  expect(searches.filter((search) => search.filter.length === 2)).toHaveLength(1);
  expect(searches.filter((search) => search.filter.length === 1)).toHaveLength(11);
});

test('a chat by id, and as an entity; a chat that does not exist is null', async () => {
  const { body } = await server.query(`{ chat(id: "${TALKED}") { id status customer { id name } } missing: chat(id: "999999") { id } }`);
  expect(body.errors).toBeUndefined();
  expect(body.data).toEqual({ chat: { id: String(TALKED), status: 'CLOSED', customer: { id: String(FIVE), name: `Customer ${FIVE}` } }, missing: null });

  upstreams.reset();
  const entities = await server.query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Chat { id status } } }', {
    r: [{ __typename: 'Chat', id: String(LONELY_CHAT) }, { __typename: 'Chat', id: '999998' }],
  });
  expect(entities.body.errors).toBeUndefined();
  expect(entities.body.data?._entities).toEqual([{ id: String(LONELY_CHAT), status: 'NEW' }, null]);
  expect(helpcrunchCalls(upstreams).sort()).toEqual([`GET /v1/chats/${LONELY_CHAT}`, 'GET /v1/chats/999998']);
});

test("a chat's messages come newest first; one written while a client pages never repeats one on the next page", async () => {
  const first = await server.query(MESSAGES, { id: String(TALKED), first: 2 });
  expect(first.body.errors).toBeUndefined();
  const messages = data.messages.get(TALKED)!;
  expect(idsOf(first.body.data?.chat.messages)).toEqual([messages[4]!.id, messages[3]!.id].map(String));
  expect(first.body.data?.chat.messages.totalCount).toBe(5);

  // A message is written; the next page still starts after the cursor's message.
  addMessage(data, TALKED, NOW);
  try {
    const second = await server.query(MESSAGES, { id: String(TALKED), first: 2, after: first.body.data?.chat.messages.pageInfo.endCursor });
    expect(second.body.errors).toBeUndefined();
    expect(idsOf(second.body.data?.chat.messages)).toEqual([messages[2]!.id, messages[1]!.id].map(String));
    const third = await server.query(MESSAGES, { id: String(TALKED), first: 2, after: second.body.data?.chat.messages.pageInfo.endCursor });
    expect(idsOf(third.body.data?.chat.messages)).toEqual([String(messages[0]!.id)]);
    expect(third.body.data?.chat.messages.pageInfo.hasNextPage).toBe(false);
    expect(helpcrunchCalls(upstreams).filter((call) => call.includes('/messages'))).toEqual([
      `GET /v1/chats/${TALKED}/messages?offset=0&limit=2`,
      `GET /v1/chats/${TALKED}/messages?offset=2&limit=2`,
      // The second page: the message written moved the cursor's down one, so a second read fills the page.
      `GET /v1/chats/${TALKED}/messages?offset=4&limit=2`,
      `GET /v1/chats/${TALKED}/messages?offset=5&limit=2`,
    ]);
  } finally {
    data.messages.get(TALKED)!.pop();
  }
});

test('when more messages are written meanwhile than a page reads, the page is empty and its cursor reads on', async () => {
  const first = await server.query(MESSAGES, { id: String(MANY_MESSAGES), first: 2 });
  const older = data.messages.get(MANY_MESSAGES)!.slice(0, 3).reverse();
  expect(idsOf(first.body.data?.chat.messages)).toEqual([older[0]!.id, older[1]!.id].map(String));
  for (let i = 1; i <= 8; i += 1) addMessage(data, MANY_MESSAGES, NOW + i);
  const second = await server.query(MESSAGES, { id: String(MANY_MESSAGES), first: 2, after: first.body.data?.chat.messages.pageInfo.endCursor });
  expect(second.body.data?.chat.messages.edges).toEqual([]);
  expect(second.body.data?.chat.messages.pageInfo).toMatchObject({ hasNextPage: true, endCursor: expect.any(String) });
  const third = await server.query(MESSAGES, { id: String(MANY_MESSAGES), first: 2, after: second.body.data?.chat.messages.pageInfo.endCursor });
  expect(idsOf(third.body.data?.chat.messages)).toEqual([String(older[2]!.id)]);
});

test("a chat's answer is cached for the history TTL, as the rest of a contact's history", async () => {
  const response = await server.query(`{ chat(id: "${TALKED}") { id status } }`);
  expect(response.headers.get('cache-control')).toBe('max-age=30, public');
});

test('HelpCrunch refusing the chat search this server wrote is its bad response, not the client\'s mistake', async () => {
  await withTestServer(upstreams, {}, async (own) => {
    upstreams.helpcrunch.fake.intercept = (call) =>
      call.path === '/v1/chats/search' ? { status: 400, body: { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'filter[0].field', message: 'This value should not be blank.' }] } } : undefined;
    const { body } = await own.query(`{ customer(id: "${FEW}") { id chats { totalCount } } }`);
    expect(body.errors?.[0]).toMatchObject({ path: ['customer', 'chats'], extensions: { code: 'UPSTREAM_BAD_RESPONSE' } });
  });
});

test.each([
  [{ first: 0 }, 'first must be from 1 to 100, got 0'],
  [{ first: 101 }, 'first must be from 1 to 100, got 101'],
  [{ after: 'not-a-cursor' }, 'after is not a cursor of chats'],
  [{ after: Buffer.from(JSON.stringify(['messages', 1, '1'])).toString('base64url') }, 'after is not a cursor of chats'],
  [{ status: [] }, 'status needs at least one status'],
  [{ createdAfter: '2026-01-02T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' }, 'createdAfter must be before createdBefore'],
])('%j is refused before any chat is searched', async (args, message) => {
  const { body } = await server.query(CHATS, { id: String(FEW), ...args });
  expect(body.errors?.[0]).toMatchObject({ path: ['customer', 'chats'], extensions: { code: 'BAD_USER_INPUT' } });
  expect(body.errors?.[0]?.message).toContain(message);
  // The customer stands; its chats were never asked for.
  expect(body.data?.customer).toEqual({ id: String(FEW), chats: null });
  expect(helpcrunchCalls(upstreams).filter((call) => call.includes('/chats'))).toEqual([]);
});

test("HelpCrunch's 429 on the chat search fails the chats alone, as RATE_LIMITED", async () => {
  await withTestServer(upstreams, {}, async (own) => {
    upstreams.helpcrunch.fake.intercept = (call) =>
      call.path === '/v1/chats/search' ? { status: 429, body: { errors: [{ code: 'too_many_requests', message: 'You have exceeded your requests limit' }] } } : undefined;
    const { body } = await own.query(`{ customer(id: "${FEW}") { id name chats { totalCount } } }`);
    expect(body.data?.customer).toEqual({ id: String(FEW), name: `Customer ${FEW}`, chats: null });
    expect(body.errors?.[0]).toMatchObject({ path: ['customer', 'chats'], extensions: { code: 'RATE_LIMITED' } });
  });
});

test("two accounts' chats of one customer id never mix", async () => {
  const query = `{ customer(id: "${SEED_CUSTOMER.id}") { chats { edges { node { id } } } } }`;
  const a = await server.query(query);
  const b = await server.query(query, undefined, { 'x-helpcrunch-api-key': TENANT_B_KEY });
  expect(idsOf(a.body.data?.customer.chats)).toEqual(['1568834', '1568820', '1568801']);
  expect(idsOf(b.body.data?.customer.chats)).toEqual(['9900001', '1568834', '1568820', '1568801']);
});

test('the sandbox refuses a chat search it cannot read, as HelpCrunch does', async () => {
  const search = (body: unknown) =>
    fetch(`${upstreams.helpcrunch.url}/chats/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HELPCRUNCH_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const wrongType = await search({ filter: [{ field: 'chats.customer', operator: '=', value: String(FEW) }] });
  expect(wrongType.status).toBe(400);
  expect(await wrongType.json()).toEqual({ errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'chats.customer', message: 'Value of chats.customer must be a number' }] });
  const byStatus = await search({ filter: [{ field: 'chats.status', operator: '=', value: 'closed' }, { field: 'chats.customer', operator: '=', value: FIVE }], comparison: 'AND', limit: 5 });
  expect(await byStatus.json()).toMatchObject({ data: [{ id: 5_000_004 }, { id: TALKED }], meta: { total: 2 } });
  expect((await fetch(`${upstreams.helpcrunch.url}/chats/${TALKED}/messages?limit=101`, { headers: { authorization: `Bearer ${HELPCRUNCH_KEY}` } })).status).toBe(400);
});
