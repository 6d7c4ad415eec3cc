import { createCoMagicDataset } from '../src/upstreams/comagic/sandboxData';
import type { ReportRow } from '../src/upstreams/comagic/sandboxReports';
import type { RawChat } from '../src/upstreams/helpcrunch/sandboxChats';
import { createHelpCrunchDataset, type HelpCrunchDataset, type RawCustomer } from '../src/upstreams/helpcrunch/sandboxData';
import { helpcrunchCalls, startTestServer, startUpstreams, withTestServer, type TestServer, type Upstreams } from './support/harness';
import { addChat, addPerson, reportCalls, reportRow } from './support/history';

const HOUR = 3_600_000;
const now = Math.floor(Date.now() / 1000) * 1000;
/** A person whose visitor's email is a HelpCrunch customer's: their items alternate in time. */
const PERSON = 6_800_000_001;
const VISITOR = 6_900_000_001;
const CUSTOMER = 4_500_001;
/** A customer whose phone and email CoMagic's reports hold, of a visitor of no person. */
const CALLER = 4_500_002;
const CALLER_VISITOR = 6_900_000_002;
/** A customer whose email holds a `|`. */
const PIPE = 4_500_003;
/** Twenty persons, each linked to a customer with a chat. */
const TWENTY_FROM = 6_800_000_100;

/** A closed chat of this customer at `at` (ms). */
function chat(data: HelpCrunchDataset, customer: RawCustomer, at: number): RawChat {
  return addChat(data, customer.id, Math.floor(at / 1000), { status: 'closed' });
}

function customer(data: HelpCrunchDataset, id: number, fields: Partial<RawCustomer>): RawCustomer {
  const raw: RawCustomer = { id, name: `Customer ${id}`, email: null, phone: null, lastSeen: Math.floor(now / 1000), tags: [], ...fields };
  data.customers.set(id, raw);
  return raw;
}

/** The items of both, in the order a timeline shows them: `[source, id]`. */
let expectedOrder: Array<[string, string]>;

function datasets() {
  const comagic = createCoMagicDataset(0, 0, now);
  const helpcrunch = createHelpCrunchDataset(0, Math.floor(now / 1000));
  addPerson(comagic, PERSON, [{ id: VISITOR, emails: ['person@example.com'], phones: ['79005550001'] }]);
  const linked = customer(helpcrunch, CUSTOMER, { email: 'Person@Example.com' });
  const call = reportRow(now - 1 * HOUR, VISITOR, PERSON, 'start_time', { direction: 'in', is_lost: false, contact_phone_number: '79005550001', employees: [] });
  const first = chat(helpcrunch, linked, now - 2 * HOUR);
  const message = reportRow(now - 3 * HOUR, VISITOR, PERSON, 'date_time', { text: 'Call me', status: 'processed', visitor_email: 'person@example.com' });
  const second = chat(helpcrunch, linked, now - 4 * HOUR);
  const visitorChat = reportRow(now - 5 * HOUR, VISITOR, PERSON, 'date_time', { status: 'succeed', initiator: 'visitor' });
  comagic.calls.push(call);
  comagic.offlineMessages.push(message);
  comagic.chats.push(visitorChat);
  expectedOrder = [
    ['COMAGIC', String(call.id)],
    ['HELPCRUNCH', String(first.id)],
    ['COMAGIC', String(message.id)],
    ['HELPCRUNCH', String(second.id)],
    ['COMAGIC', String(visitorChat.id)],
  ];

  // The caller: a HelpCrunch customer whose phone (as an agent wrote it) and email CoMagic's reports hold.
  // An email may hold a `|`, which the reports' loader keys are joined with.
  customer(helpcrunch, PIPE, { email: 'a|b@example.com' });
  comagic.offlineMessages.push(reportRow(now - 11 * HOUR, CALLER_VISITOR, null, 'date_time', { text: 'Pipe', visitor_email: 'a|b@example.com' }));
  const caller = customer(helpcrunch, CALLER, { email: 'caller@example.com', phone: '8 (900) 555-00-02' });
  chat(helpcrunch, caller, now - 10 * HOUR);
  comagic.visitors.set(CALLER_VISITOR, { id: CALLER_VISITOR, person_id: null, name: null, emails: [], phones: [], usernames: [] });
  comagic.calls.push(reportRow(now - 9 * HOUR, CALLER_VISITOR, null, 'start_time', { direction: 'in', contact_phone_number: '79005550002', employees: [] }));
  comagic.offlineMessages.push(reportRow(now - 8 * HOUR, CALLER_VISITOR, null, 'date_time', { text: 'Price?', visitor_email: 'caller@example.com', visitor_phone_number: 79005550002 }));
  comagic.calls.push(reportRow(now - 7 * HOUR, CALLER_VISITOR, null, 'start_time', { direction: 'in', contact_phone_number: '79005550009', employees: [] }));

  for (let i = 0; i < 20; i += 1) {
    addPerson(comagic, TWENTY_FROM + i, [{ id: 7_000_000_000 + i, emails: [`twenty${i}@example.org`] }]);
    comagic.calls.push(reportRow(now - i * HOUR - 30 * 60_000, 7_000_000_000 + i, TWENTY_FROM + i, 'start_time', { direction: 'in', employees: [] }));
    chat(helpcrunch, customer(helpcrunch, 4_600_000 + i, { email: `twenty${i}@example.org` }), now - i * HOUR);
  }
  return { comagic, helpcrunch };
}

const TIMELINE = `query ($id: ID!, $first: Int, $after: String, $from: DateTime, $to: DateTime) {
  person(id: $id) { id timeline(first: $first, after: $after, from: $from, to: $to) {
    totalCount missingSources pageInfo { hasNextPage endCursor } edges { at source node { __typename ... on Chat { id } ... on Call { id } ... on VisitorChat { id } ... on OfflineMessage { id } } } } } }`;

type Edge = { source: string; at: string; node: { id: string } };
const orderOf = (timeline: { edges: Edge[] } | null | undefined) => timeline?.edges.map((edge) => [edge.source, edge.node.id]);

let upstreams: Upstreams;
let server: TestServer;
let data: ReturnType<typeof datasets>;
beforeAll(async () => {
  data = datasets();
  upstreams = await startUpstreams({ comagicAccounts: { 'cm-test-token-8d2e4c6a0f': data.comagic }, helpcrunchAccounts: { 'hc-test-key-3b1f9a7e5c': data.helpcrunch } });
  server = await startTestServer(upstreams);
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await server.close();
  await upstreams.close();
});

test("a person's timeline merges both APIs' items newest first, each saying its source", async () => {
  const { body } = await server.query(TIMELINE, { id: String(PERSON) });
  expect(body.errors).toBeUndefined();
  const timeline = body.data?.person.timeline;
  expect(orderOf(timeline)).toEqual(expectedOrder);
  expect(timeline.edges.map((edge: Edge) => edge.node)).toEqual(expect.arrayContaining([expect.objectContaining({ __typename: 'Chat' }), expect.objectContaining({ __typename: 'OfflineMessage' })]));
  expect(timeline.edges.map((edge: Edge) => Date.parse(edge.at))).toEqual([1, 2, 3, 4, 5].map((hours) => now - hours * HOUR));
  expect(timeline).toMatchObject({ totalCount: 5, missingSources: [] });
});

test('a cursor stays put while new items arrive in both APIs', async () => {
  // A short history TTL, so that the next page reads the upstreams again.
  await withTestServer(upstreams, { CACHE_TTL_SECONDS: '1', CACHE_NOT_FOUND_TTL_SECONDS: '1' }, async (own) => {
    const first = await own.query(TIMELINE, { id: String(PERSON), first: 2 });
    expect(orderOf(first.body.data?.person.timeline)).toEqual(expectedOrder.slice(0, 2));
    const linked = data.helpcrunch.customers.get(CUSTOMER)!;
    const arrived = [chat(data.helpcrunch, linked, now - HOUR / 2), reportRow(now - HOUR / 4, VISITOR, PERSON, 'start_time', { direction: 'in', employees: [] })];
    data.comagic.calls.push(arrived[1] as ReportRow);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const second = await own.query(TIMELINE, { id: String(PERSON), first: 2, after: first.body.data?.person.timeline.pageInfo.endCursor });
      expect(second.body.errors).toBeUndefined();
      expect(orderOf(second.body.data?.person.timeline)).toEqual(expectedOrder.slice(2, 4));
      expect(second.body.data?.person.timeline.totalCount).toBe(7);
    } finally {
      data.helpcrunch.chats.delete(arrived[0]!.id);
      data.comagic.calls.pop();
    }
  });
});

test("a customer's timeline finds CoMagic's calls by its phone and offline messages by its email", async () => {
  const { body } = await server.query(`{ customer(id: "${CALLER}") { timeline { missingSources edges { source node { __typename } } } } }`);
  expect(body.errors).toBeUndefined();
  expect(body.data?.customer.timeline.edges.map((edge: { source: string; node: { __typename: string } }) => `${edge.source} ${edge.node.__typename}`)).toEqual([
    'COMAGIC OfflineMessage',
    'COMAGIC Call',
    'HELPCRUNCH Chat',
  ]);
  const params = (method: string) => (upstreams.comagic.fake.calls.find((call) => (call.body as { method: string }).method === method)!.body as { params: { filter: unknown } }).params;
  expect(params('get.calls_report').filter).toEqual({ field: 'contact_phone_number', operator: '=', value: '79005550002' });
  expect(params('get.offline_messages_report').filter).toEqual({
    filters: [
      { field: 'visitor_email', operator: '=', value: 'caller@example.com' },
      { field: 'visitor_phone_number', operator: '=', value: 79005550002 },
    ],
    condition: 'or',
  });
});

test('an email holding a `|` is asked for and found as it is', async () => {
  const { body } = await server.query(`{ customer(id: "${PIPE}") { timeline { edges { source node { ... on OfflineMessage { text } } } } } }`);
  expect(body.errors).toBeUndefined();
  expect(body.data?.customer.timeline.edges).toEqual([{ source: 'COMAGIC', node: { text: 'Pipe' } }]);
});

test("with CoMagic's reports down, HelpCrunch's items stand, COMAGIC is missing, and its error is at the field", async () => {
  // The breaker stays closed: the answer after is CoMagic's own, not a circuit's.
  await withTestServer(upstreams, { UPSTREAM_BREAKER_FAILURES: '1000' }, async (own) => {
    upstreams.comagic.fake.intercept = (call) => ((call.body as { method: string }).method.endsWith('_report') ? { status: 503, body: 'Service Unavailable' } : undefined);
    const response = await own.query(TIMELINE, { id: String(PERSON) });
    const { body } = response;
    expect(orderOf(body.data?.person.timeline)).toEqual(expectedOrder.filter(([source]) => source === 'HELPCRUNCH'));
    expect(body.data?.person.timeline.missingSources).toEqual(['COMAGIC']);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({ path: ['person', 'timeline'], extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: { service: 'comagic' } } });
    // An answer in part is kept by no cache: the next one, with CoMagic back, is whole.
    expect(response.headers.get('cache-control')).toBe('no-store');
    upstreams.comagic.fake.intercept = undefined;
    const whole = await own.query(TIMELINE, { id: String(PERSON) });
    expect(orderOf(whole.body.data?.person.timeline)).toEqual(expectedOrder);
    expect(whole.body.errors).toBeUndefined();
  });
});

test("with HelpCrunch out of budget, RATE_LIMITED is on its part alone and CoMagic's items stand", async () => {
  await withTestServer(upstreams, {}, async (own) => {
    upstreams.helpcrunch.fake.intercept = () => ({ status: 429, body: { errors: [{ code: 'too_many_requests', message: 'You have exceeded your requests limit' }] } });
    const { body } = await own.query(TIMELINE, { id: String(PERSON) });
    expect(orderOf(body.data?.person.timeline)).toEqual(expectedOrder.filter(([source]) => source === 'COMAGIC'));
    expect(body.data?.person.timeline.missingSources).toEqual(['HELPCRUNCH']);
    expect(body.errors?.[0]).toMatchObject({ path: ['person', 'timeline'], extensions: { code: 'RATE_LIMITED' } });
    const metrics = await (await fetch(`${own.url}/metrics`)).text();
    expect(metrics).toMatch(/contact_graph_graphql_errors_total\{[^}]*code="RATE_LIMITED"[^}]*\} 1/);
  });
});

test("twenty persons' timelines through _entities: one report call of each kind, one contact search, one chat search", async () => {
  const r = Array.from({ length: 20 }, (_, i) => ({ __typename: 'Person', id: String(TWENTY_FROM + i) }));
  const { body } = await server.query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id timeline { edges { source } } } } }', { r });
  expect(body.errors).toBeUndefined();
  for (const person of body.data?._entities ?? []) expect(person.timeline.edges.map((edge: { source: string }) => edge.source)).toEqual(['HELPCRUNCH', 'COMAGIC']);
  expect(reportCalls(upstreams).sort()).toEqual(['get.calls_report', 'get.chats_report', 'get.offline_messages_report']);
  expect(helpcrunchCalls(upstreams)).toEqual(['POST /v1/customers/search', 'POST /v1/chats/search']);
});

test.each([
  [{ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from must be before to'],
  [{ first: 0 }, 'first must be from 1 to 100'],
  [{ after: Buffer.from(JSON.stringify(['chats', 1, '1'])).toString('base64url') }, 'after is not a cursor of timeline'],
])('%j is refused before either API is asked', async (args, message) => {
  const { body } = await server.query(TIMELINE, { id: String(PERSON), ...args });
  expect(body.errors?.[0]).toMatchObject({ path: ['person', 'timeline'], extensions: { code: 'BAD_USER_INPUT' } });
  expect(body.errors?.[0]?.message).toContain(message);
  expect(body.data?.person).toEqual({ id: String(PERSON), timeline: null });
  expect(reportCalls(upstreams)).toEqual([]);
  expect(helpcrunchCalls(upstreams)).toEqual([]);
});
