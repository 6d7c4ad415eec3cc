import { createCoMagicDataset, type CoMagicDataset } from '../src/upstreams/comagic/sandboxData';
import { instantOf, localTimeOf } from '../src/upstreams/comagic/time';
import { COMAGIC_TOKEN, comagicCalls, startTestServer, startUpstreams, withTestServer, type TestServer, type Upstreams } from './support/harness';
import { addPerson, reportCalls, reportRow } from './support/history';

/** A visitor with a phone of its own. */
const visitor = (id: number) => ({ id, phones: [`7900${id % 10_000_000}`] });

const DAY = 86_400_000;
/** A person of two visitors, with a call, a chat and an offline message a day apart, and a call 150 days back. */
const PERSON = 6_500_000_001;
const VISITOR_A = 6_600_000_001;
const VISITOR_B = 6_600_000_002;
/** Twenty persons of one visitor each, with a call and a chat each. */
const TWENTY_FROM = 6_500_000_100;
const TENANT_B_TOKEN = 'cm-tenant-b-history-2f9e';
/** A tenant whose account keeps Almaty's time: its rows are written in it. */
const ALMATY_TOKEN = 'cm-tenant-almaty-5b7a';

function dataset(now: number): CoMagicDataset {
  const data = createCoMagicDataset(100, 20, now);
  addPerson(data, PERSON, [VISITOR_A, VISITOR_B].map(visitor));
  data.calls.push(reportRow(now - 1 * DAY, VISITOR_A, PERSON, 'start_time', { direction: 'in', is_lost: false, contact_phone_number: '79001234567', talk_duration: 61, employees: [] }));
  data.chats.push(reportRow(now - 2 * DAY, VISITOR_B, PERSON, 'date_time', { status: 'succeed', initiator: 'visitor', duration: '120' }));
  data.offlineMessages.push(reportRow(now - 3 * DAY, VISITOR_A, PERSON, 'date_time', { text: 'Call me', status: 'processing', visitor_email: 'a@example.com' }));
  data.calls.push(reportRow(now - 150 * DAY, VISITOR_B, PERSON, 'start_time', { direction: 'out', is_lost: false, employees: [] }));
  for (let i = 0; i < 20; i += 1) {
    const person = TWENTY_FROM + i;
    addPerson(data, person, [visitor(6_700_000_000 + i)]);
    data.calls.push(reportRow(now - (i + 1) * 3_600_000, 6_700_000_000 + i, person, 'start_time', { direction: 'in', employees: [] }));
    data.chats.push(reportRow(now - (i + 1) * 3_600_000 - 60_000, 6_700_000_000 + i, person, 'date_time', { status: 'lost' }));
  }
  return data;
}

const HISTORY = `query ($id: ID!, $first: Int, $after: String, $from: DateTime, $to: DateTime, $kinds: [CommunicationKind!]) {
  person(id: $id) { id communications(first: $first, after: $after, from: $from, to: $to, kinds: $kinds) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { __typename id at visitor { id } } } } } }`;

const typesOf = (connection: { edges: Array<{ node: { __typename: string } }> } | null | undefined) => connection?.edges.map((edge) => edge.node.__typename);

let upstreams: Upstreams;
let server: TestServer;
const now = Date.now();
beforeAll(async () => {
  const b = createCoMagicDataset(0, 0, now);
  addPerson(b, PERSON, [visitor(VISITOR_A)]);
  b.calls.push(reportRow(now - 5 * DAY, VISITOR_A, PERSON, 'start_time', { direction: 'out', employees: [] }));
  const almaty: CoMagicDataset = { ...createCoMagicDataset(0, 0, now), timeZone: 'Asia/Almaty' };
  addPerson(almaty, PERSON, [visitor(VISITOR_A)]);
  almaty.calls.push({ ...reportRow(now - DAY, VISITOR_A, PERSON, 'start_time', { direction: 'in', employees: [] }), start_time: localTimeOf(now - DAY, 'Asia/Almaty') });
  upstreams = await startUpstreams({ comagicAccounts: { [COMAGIC_TOKEN]: dataset(now), [TENANT_B_TOKEN]: b, [ALMATY_TOKEN]: almaty } });
  server = await startTestServer(upstreams, { ALLOW_CREDENTIAL_HEADERS: 'true' });
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await server.close();
  await upstreams.close();
});

test("a person's calls, chats and offline messages of the last 90 days, newest first, one report call of each kind", async () => {
  // A server of its own: its cache holds nothing of the default range yet.
  await withTestServer(upstreams, {}, async (own) => {
    const asked = Date.now();
    const { body } = await own.query(HISTORY, { id: String(PERSON) });
    const answered = Date.now();
    expect(body.errors).toBeUndefined();
    const connection = body.data?.person.communications;
    expect(typesOf(connection)).toEqual(['Call', 'VisitorChat', 'OfflineMessage']);
    expect(connection.edges.map((edge: { node: { visitor: { id: string } } }) => edge.node.visitor.id)).toEqual([VISITOR_A, VISITOR_B, VISITOR_A].map(String));
    // Times are the account's wall clock, read back as instants.
    expect(connection.edges[0].node.at).toBe(new Date(Math.floor((now - DAY) / 1000) * 1000).toISOString());
    expect(reportCalls(upstreams).sort()).toEqual(['get.calls_report', 'get.chats_report', 'get.offline_messages_report']);
    const call = upstreams.comagic.fake.calls.find((c) => (c.body as { method: string }).method === 'get.calls_report')!.body as { params: Record<string, any> };
    expect(call.params.filter).toEqual({ field: 'person_id', operator: '=', value: PERSON });
    // The fields the defaults leave out are asked for.
    expect(call.params.fields).toEqual(expect.arrayContaining(['person_id', 'visitor_id', 'start_time']));
    // `to` is now, rounded up to the minute.
    const minutes = [asked, answered].map((at) => localTimeOf(Math.ceil(at / 60_000) * 60_000, 'Europe/Moscow'));
    expect(minutes).toContain(call.params.date_till);
  });
});

test('pages follow their cursor; kinds keep the kinds asked for', async () => {
  const first = await server.query(HISTORY, { id: String(PERSON), first: 2 });
  expect(typesOf(first.body.data?.person.communications)).toEqual(['Call', 'VisitorChat']);
  expect(first.body.data?.person.communications.pageInfo.hasNextPage).toBe(true);
  const second = await server.query(HISTORY, { id: String(PERSON), first: 2, after: first.body.data?.person.communications.pageInfo.endCursor });
  expect(typesOf(second.body.data?.person.communications)).toEqual(['OfflineMessage']);
  expect(second.body.data?.person.communications.pageInfo.hasNextPage).toBe(false);

  upstreams.reset();
  const calls = await server.query(HISTORY, { id: String(PERSON), kinds: ['CALL', 'OFFLINE_MESSAGE'] });
  expect(typesOf(calls.body.data?.person.communications)).toEqual(['Call', 'OfflineMessage']);
});

test('a range wider than 90 days is read in windows, which the Data API takes', async () => {
  const { body } = await server.query(HISTORY, { id: String(PERSON), kinds: ['CALL'], from: new Date(now - 200 * DAY).toISOString() });
  expect(body.errors).toBeUndefined();
  expect(body.data?.person.communications.totalCount).toBe(2);
  const windows = upstreams.comagic.fake.calls
    .map((call) => call.body as { method: string; params: { date_from: string; date_till: string } })
    .filter((call) => call.method === 'get.calls_report')
    .map((call) => call.params);
  expect(windows).toHaveLength(3);
  // Each window meets the next, and none is refused as date_interval_limit_reached.
  const sorted = windows.sort((a, b) => a.date_from.localeCompare(b.date_from));
  for (let i = 1; i < sorted.length; i += 1) expect(sorted[i]!.date_from).toBe(sorted[i - 1]!.date_till);
});

test("twenty persons' communications share one report call of each kind, each row given to its person", async () => {
  const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id communications { edges { node { __typename visitor { id } } } } } } }`;
  const r = Array.from({ length: 20 }, (_, i) => ({ __typename: 'Person', id: String(TWENTY_FROM + i) }));
  const { body } = await server.query(query, { r });
  expect(body.errors).toBeUndefined();
  for (const [index, person] of (body.data?._entities ?? []).entries()) {
    expect(typesOf(person.communications)).toEqual(['Call', 'VisitorChat']);
    expect(person.communications.edges[0].node.visitor.id).toBe(String(6_700_000_000 + index));
  }
  expect(reportCalls(upstreams).sort()).toEqual(['get.calls_report', 'get.chats_report', 'get.offline_messages_report']);
  const calls = upstreams.comagic.fake.calls.find((c) => (c.body as { method: string }).method === 'get.calls_report')!.body as { params: { filter: { condition: string; filters: unknown[] } } };
  expect(calls.params.filter.condition).toBe('or');
  expect(calls.params.filter.filters).toHaveLength(20);
});

test('a to far in the future reads up to now: one call of each kind, newest first where the report sorts', async () => {
  // A server of its own: the range is the default one, which another test may have cached.
  const own = await startTestServer(upstreams);
  const { body } = await own.query(HISTORY, { id: String(PERSON), to: '9999-12-31T00:00:00Z' }).finally(() => own.close());
  expect(body.errors).toBeUndefined();
  expect(body.data?.person.communications.totalCount).toBe(3);
  expect(reportCalls(upstreams).sort()).toEqual(['get.calls_report', 'get.chats_report', 'get.offline_messages_report']);
  const params = (method: string) => (upstreams.comagic.fake.calls.find((c) => (c.body as { method: string }).method === method)!.body as { params: Record<string, unknown> }).params;
  expect(params('get.calls_report').sort).toEqual([{ field: 'start_time', order: 'desc' }]);
  expect(params('get.chats_report').sort).toEqual([{ field: 'date_time', order: 'desc' }]);
  expect(params('get.offline_messages_report').sort).toBeUndefined();
});

test("CoMagic refusing a report this server wrote is its bad response, not the client's mistake", async () => {
  await withTestServer(upstreams, {}, async (own) => {
    upstreams.comagic.fake.intercept = (call) => {
      const { id, method } = call.body as { id: number; method: string };
      if (!method.endsWith('_report')) return undefined;
      return { body: { jsonrpc: '2.0', id, error: { code: -32602, message: 'Filter by parameter is prohibited', data: { mnemonic: 'filter_prohibited', field: 'person_id' } } } };
    };
    const { body } = await own.query(`{ person(id: "${PERSON}") { id communications { totalCount } } }`);
    expect(body.errors?.[0]).toMatchObject({ path: ['person', 'communications'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: { code: 'filter_prohibited' } } });
  });
});

test("a visitor's communications are its own", async () => {
  const { body } = await server.query(`{ visitor(id: "${VISITOR_B}") { communications { edges { node { __typename } } } } }`);
  expect(body.errors).toBeUndefined();
  expect(typesOf(body.data?.visitor.communications)).toEqual(['VisitorChat']);
  const chats = upstreams.comagic.fake.calls.find((c) => (c.body as { method: string }).method === 'get.chats_report')!.body as { params: { filter: unknown } };
  expect(chats.params.filter).toEqual({ field: 'visitor_id', operator: '=', value: VISITOR_B });
});

test.each([
  [{ from: new Date(now - 400 * DAY).toISOString() }, "CoMagic's reports reach back 366 days"],
  [{ from: new Date(now).toISOString(), to: new Date(now - DAY).toISOString() }, 'from must be before to'],
  [{ kinds: [] }, 'kinds needs at least one kind'],
  [{ first: 101 }, 'first must be from 1 to 100'],
  [{ after: 'nope' }, 'after is not a cursor of communications'],
])('%j is refused before any report is asked for', async (args, message) => {
  const { body } = await server.query(HISTORY, { id: String(PERSON), ...args });
  expect(body.errors?.[0]).toMatchObject({ path: ['person', 'communications'], extensions: { code: 'BAD_USER_INPUT' } });
  expect(body.errors?.[0]?.message).toContain(message);
  expect(body.data?.person).toEqual({ id: String(PERSON), communications: null });
  expect(reportCalls(upstreams)).toEqual([]);
});

test("CoMagic's limit_exceeded on a report fails the communications alone, as RATE_LIMITED", async () => {
  await withTestServer(upstreams, {}, async (own) => {
    upstreams.comagic.fake.intercept = (call) => {
      const { id, method } = call.body as { id: number; method: string };
      if (method !== 'get.chats_report') return undefined;
      const limits = { day_limit: 3000, day_remaining: 2000, day_reset: 3600, minute_limit: 60, minute_remaining: 0, minute_reset: 30 };
      return { body: { jsonrpc: '2.0', id, error: { code: -32029, message: 'Limit per minute has been exceeded', data: { mnemonic: 'limit_exceeded', metadata: { limits } } } } };
    };
    const { body } = await own.query(`{ person(id: "${PERSON}") { id visitors { id } communications { totalCount } } }`);
    expect(body.data?.person).toMatchObject({ id: String(PERSON), communications: null });
    expect(body.data?.person.visitors).toHaveLength(2);
    expect(body.errors?.[0]).toMatchObject({ path: ['person', 'communications'], extensions: { code: 'RATE_LIMITED' } });
  });
});

test('while CoMagic is down, communications past their TTL are served stale, marked so', async () => {
  await withTestServer(upstreams, { CACHE_TTL_SECONDS: '1', CACHE_NOT_FOUND_TTL_SECONDS: '1', UPSTREAM_BREAKER_FAILURES: '1000' }, async (own) => {
    const query = `{ person(id: "${PERSON}") { communications(kinds: [CALL]) { totalCount edges { node { id } } } } }`;
    const fresh = await own.query(query);
    expect(fresh.body.data?.person.communications.totalCount).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    upstreams.comagic.fake.intercept = (call) => ((call.body as { method: string }).method === 'get.calls_report' ? { status: 503, body: 'Service Unavailable' } : undefined);
    const stale = await own.query(query);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data).toEqual(fresh.body.data);
    expect((stale.body as { extensions?: { staleData?: unknown[] } }).extensions?.staleData).toEqual([
      expect.objectContaining({ path: ['person', 'communications', 'edges', 0, 'node'], service: 'comagic', reason: 'UPSTREAM_UNAVAILABLE' }),
    ]);
    expect(stale.headers.get('cache-control')).toBe('no-store');
  });
});

test("each account's times are read in its own time zone, which get.account tells once", async () => {
  const query = `{ person(id: "${PERSON}") { communications(kinds: [CALL]) { edges { node { at } } } } }`;
  const headers = { 'x-comagic-access-token': ALMATY_TOKEN };
  const first = await server.query(query, undefined, headers);
  expect(first.body.data?.person.communications.edges).toEqual([{ node: { at: new Date(Math.floor((now - DAY) / 1000) * 1000).toISOString() } }]);
  await server.query(`{ person(id: "${PERSON}") { communications(kinds: [CHAT]) { totalCount } } }`, undefined, headers);
  const asked = upstreams.comagic.fake.calls.filter((call) => (call.body as { method: string; params: { access_token: string } }).method === 'get.account');
  expect(asked.map((call) => (call.body as { params: { access_token: string } }).params.access_token)).toEqual([ALMATY_TOKEN]);
});

test("an account that may not call get.account is read in Moscow's time, and the log says so", async () => {
  await withTestServer(upstreams, { ALLOW_CREDENTIAL_HEADERS: 'true' }, async (own) => {
    upstreams.comagic.fake.intercept = (call) => {
      const { id, method } = call.body as { id: number; method: string };
      return method === 'get.account' ? { body: { jsonrpc: '2.0', id, error: { code: -32003, message: 'Permission denied', data: { mnemonic: 'forbidden' } } } } : undefined;
    };
    const { body } = await own.query(`{ person(id: "${PERSON}") { communications(kinds: [CALL]) { edges { node { at } } } } }`, undefined, { 'x-comagic-access-token': ALMATY_TOKEN });
    expect(body.errors).toBeUndefined();
    // The row was written in Almaty's time, and is read as Moscow's: hours late.
    const readAsMoscow = instantOf(localTimeOf(now - DAY, 'Asia/Almaty'), 'Europe/Moscow')!;
    expect(readAsMoscow).toBeGreaterThan(now - DAY);
    expect(body.data?.person.communications.edges).toEqual([{ node: { at: new Date(readAsMoscow).toISOString() } }]);
    expect(own.logs.some((line) => line.includes("get.account failed") && line.includes('COMAGIC_TIMEZONE'))).toBe(true);
  });
});

test('a configured COMAGIC_TIMEZONE is the configured account\'s: it asks no get.account', async () => {
  await withTestServer(upstreams, { COMAGIC_TIMEZONE: 'Europe/Moscow' }, async (own) => {
    const { body } = await own.query(HISTORY, { id: String(PERSON), kinds: ['CALL'] });
    expect(body.data?.person.communications.totalCount).toBe(1);
    expect(comagicCalls(upstreams)).not.toContain('get.account');
  });
});

test("two accounts' communications of one person id never mix", async () => {
  const query = `{ person(id: "${PERSON}") { communications { totalCount edges { node { __typename } } } } }`;
  const a = await server.query(query);
  const b = await server.query(query, undefined, { 'x-comagic-access-token': TENANT_B_TOKEN });
  expect(a.body.data?.person.communications.totalCount).toBe(3);
  expect(b.body.data?.person.communications.totalCount).toBe(1);
});

test('the sandbox refuses a report of more than 90 days, and a filter on a field it cannot filter', async () => {
  const report = async (params: Record<string, unknown>) => {
    const response = await fetch(upstreams.comagic.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'get.calls_report', params: { access_token: COMAGIC_TOKEN, ...params } }),
    });
    return ((await response.json()) as { error?: { code: number; data: { mnemonic: string } } }).error;
  };
  expect(await report({ date_from: '2026-01-01 00:00:00', date_till: '2026-04-02 00:00:00' })).toMatchObject({ code: -32602, data: { mnemonic: 'date_interval_limit_reached' } });
  expect(await report({ date_from: '2026-01-01 00:00:00', date_till: '2026-01-02 00:00:00', filter: { field: 'start_time', operator: '=', value: 'x' } })).toMatchObject({
    data: { mnemonic: 'filter_prohibited' },
  });
  expect(await report({ date_from: '2026-01-01 00:00:00', date_till: '2026-01-02 00:00:00', fields: ['no_such_field'] })).toMatchObject({ data: { mnemonic: 'unexpected_parameters' } });
  expect(await report({ date_from: '2026-01-01', date_till: '2026-01-02 00:00:00' })).toMatchObject({ data: { mnemonic: 'invalid_parameter_value' } });
  expect(await report({ date_till: '2026-01-02 00:00:00' })).toMatchObject({ data: { mnemonic: 'required_parameter_missed' } });
});
