import type { RawChat, RawMessage } from './sandboxChats';
import type { HelpCrunchDataset, RawCustomer } from './sandboxData';
import { FakeHttpServer, type FakeReply, type RecordedCall } from '../../sandbox/fakeHttpServer';
import { fail, invalid, notFound } from './sandboxReplies';
import { customerWrite } from './sandboxWrites';

/**
 * A HelpCrunch REST API v1 that runs in-process, for local development, tests and
 * benchmarks. It speaks the documented API: Bearer auth, `GET /v1/customers/{id}`,
 * `GET /v1/customers`, `POST /v1/customers/search`, `GET /v1/chats/{id}`, `POST /v1/chats/search`,
 * `GET /v1/chats/{id}/messages`, the customer writes (sandboxWrites.ts), the `{"errors":[...]}`
 * bodies, and the 120-requests-a-minute limit per account.
 */
export interface HelpCrunchSandboxOptions {
  /** API key → that account's data. */
  accounts: Record<string, HelpCrunchDataset>;
  /** Requests a minute per account before 429; 0 turns the limit off. Default 120. */
  rateLimitPerMinute?: number;
  /** Calls its fake remembers (it counts them all); default KEPT_CALLS. */
  keptCalls?: number;
}

export interface HelpCrunchSandbox {
  /** Base URL, ending in `/v1`, as HELPCRUNCH_API_URL expects. */
  url: string;
  fake: FakeHttpServer;
  close(): Promise<void>;
}

export async function startHelpCrunchSandbox(options: HelpCrunchSandboxOptions): Promise<HelpCrunchSandbox> {
  const limit = options.rateLimitPerMinute ?? 120;
  const recent = new Map<string, number[]>();

  const fake = new FakeHttpServer((call) => {
    const apiKey = /^Bearer (.+)$/.exec(String(call.headers.authorization ?? ''))?.[1];
    const dataset = apiKey === undefined ? undefined : options.accounts[apiKey];
    if (apiKey === undefined || dataset === undefined) return fail(401, 'invalid_token', 'Invalid token');
    if (limit > 0 && !withinRateLimit(recent, apiKey, limit)) {
      return fail(429, 'too_many_requests', 'You have exceeded your requests limit');
    }
    return route(call, dataset);
  }, options.keptCalls);
  const origin = await fake.listen();
  return { url: `${origin}/v1`, fake, close: () => fake.close() };
}

function withinRateLimit(recent: Map<string, number[]>, apiKey: string, limit: number): boolean {
  const now = Date.now();
  const window = (recent.get(apiKey) ?? []).filter((at) => now - at < 60_000);
  const allowed = window.length < limit;
  if (allowed) window.push(now);
  recent.set(apiKey, window);
  return allowed;
}

function route(call: RecordedCall, dataset: HelpCrunchDataset): FakeReply {
  const url = new URL(call.path, 'http://sandbox');
  const byId = /^\/v1\/customers\/([^/]+)$/.exec(url.pathname);
  if (call.method === 'GET' && byId) {
    const customer = /^\d+$/.test(byId[1]!) ? dataset.customers.get(Number(byId[1])) : undefined;
    return customer ? { body: customer } : fail(404, 'entity_not_found', 'Customer not found');
  }
  if (call.method === 'GET' && url.pathname === '/v1/customers') {
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const pageSize = Number(url.searchParams.get('limit') ?? 100);
    const all = [...dataset.customers.values()].sort(sorting('lastSeen', 'desc'));
    return { body: { data: all.slice(offset, offset + pageSize), total: all.length } };
  }
  if (call.method === 'POST' && url.pathname === '/v1/customers/search') {
    return search(call.body, dataset);
  }
  const written = customerWrite(call, url, dataset);
  if (written) return written;
  const chatPath = /^\/v1\/chats\/([^/]+)(\/messages)?$/.exec(url.pathname);
  if (call.method === 'GET' && chatPath) {
    const chat = /^\d+$/.test(chatPath[1]!) ? dataset.chats.get(Number(chatPath[1])) : undefined;
    if (!chat) return notFound('Chat not found');
    return chatPath[2] ? messages(url, dataset.messages.get(chat.id) ?? []) : { body: chat };
  }
  if (call.method === 'POST' && url.pathname === '/v1/chats/search') {
    return searchChats(call.body, dataset);
  }
  return fail(404, 'not_found', 'Not found');
}

/** `GET /chats/{id}/messages`: newest first, `offset` and `limit` (at most 100), `{data, total}`. */
function messages(url: URL, list: RawMessage[]): FakeReply {
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Number(url.searchParams.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalid('limit', 'limit must be from 1 to 100');
  if (!Number.isInteger(offset) || offset < 0) return invalid('offset', 'offset must not be negative');
  const newestFirst = [...list].reverse();
  return { body: { data: newestFirst.slice(offset, offset + limit), total: list.length } };
}

/** The chat search's fields (search-chats-v1) and the type their values must have. */
const CHAT_FIELDS: Record<string, { type: Field['type']; read: (c: RawChat) => unknown }> = {
  'chats.customer': { type: 'number', read: (c) => c.customer.id },
  'chats.customer.email': { type: 'string', read: (c) => c.customer.email },
  'chats.status': { type: 'string', read: (c) => c.status },
  'chats.rating': { type: 'string', read: (c) => c.rating },
  'chats.assignee': { type: 'number', read: (c) => (c.assignee as { id?: unknown } | null)?.id },
  'chats.department': { type: 'number', read: (c) => (c.department as { id?: unknown } | null)?.id },
  'chats.createdAt': { type: 'number', read: (c) => numberOrNull(c.createdAt) },
  'chats.closedAt': { type: 'number', read: (c) => numberOrNull(c.closedAt) },
};
const CHAT_SORTS = ['createdAt', 'lastCustomerMessageAt', 'lastMessageAt', 'closedAt'];

/** `POST /chats/search`: the customer search's body over chats, answered with `{data, meta: {total}}`. */
function searchChats(body: unknown, dataset: HelpCrunchDataset): FakeReply {
  const request = searchBody(body);
  if (!('filter' in request)) return request;
  const { comparison, limit, offset, order } = request;
  const sort = String(request.sort ?? 'chats.createdAt').replace(/^chats\./, '');
  if (!CHAT_SORTS.includes(sort)) return invalid('sort', `sort must be one of chats.${CHAT_SORTS.join(', chats.')}`);

  const tests: Array<{ field: (typeof CHAT_FIELDS)[string]; test: (value: Value) => boolean }> = [];
  for (const [index, entry] of request.filter.entries()) {
    const field = CHAT_FIELDS[String(entry?.field)];
    if (!field) return invalid(`filter[${index}].field`, `Unknown field ${String(entry?.field)}`);
    const operator = entry.operator as Operator;
    if (!OPERATORS.includes(operator)) return invalid(`filter[${index}].operator`, `Unknown operator ${String(entry.operator)}`);
    if (typeof entry.value !== field.type) return invalid(String(entry.field), `Value of ${String(entry.field)} must be a ${field.type}`);
    tests.push({ field, test: comparing(operator, entry.value as string | number) });
  }
  // Chats by customer, the search this graph sends, by lookup: a sandbox with many chats stays fast.
  const byCustomer = tests.length > 0 && request.filter.every((f) => f.field === 'chats.customer' && f.operator === '=');
  const wanted = byCustomer ? new Set((request.filter as Array<{ value: number }>).map((f) => f.value)) : undefined;
  const sign = order === 'asc' ? 1 : -1;
  const matches = [...dataset.chats.values()]
    .filter((chat) => {
      if (wanted) return comparison === 'OR' ? wanted.has(chat.customer.id) : wanted.size === 1 && wanted.has(chat.customer.id);
      if (tests.length === 0) return true;
      const held = tests.map(({ field, test }) => test(valueOf(field.read(chat))));
      return comparison === 'OR' ? held.some(Boolean) : held.every(Boolean);
    })
    .sort((a, b) => sign * ((numberOrNull(a[sort]) ?? 0) - (numberOrNull(b[sort]) ?? 0) || a.id - b.id));
  return { body: { data: matches.slice(offset, offset + limit), meta: { total: matches.length } } };
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

type Operator = '=' | '!=' | '>' | '<' | '>=' | '<=' | '~' | '!~';
const OPERATORS: Operator[] = ['=', '!=', '>', '<', '>=', '<=', '~', '!~'];

interface Field {
  type: 'number' | 'string';
  read: (c: RawCustomer) => unknown;
}

/** Searchable fields and the type their values must have. */
const FIELDS: Record<string, Field> = {
  'customers.id': { type: 'number', read: (c) => c.id },
  name: { type: 'string', read: (c) => c.name },
  email: { type: 'string', read: (c) => c.email },
  company: { type: 'string', read: (c) => c.company },
  phone: { type: 'string', read: (c) => c.phone },
  userId: { type: 'string', read: (c) => c.userId },
  countryCode: { type: 'string', read: (c) => (c.location as { countryCode?: unknown } | null)?.countryCode },
  city: { type: 'string', read: (c) => (c.location as { city?: unknown } | null)?.city },
  regionCode: { type: 'string', read: (c) => (c.location as { regionCode?: unknown } | null)?.regionCode },
  tagsData: { type: 'string', read: (c) => ((c.tags as Array<{ name: string }> | null) ?? []).map((t) => t.name) },
  lastSeen: { type: 'number', read: (c) => (c.lastSeen === null ? null : Number(c.lastSeen)) },
};

/** What both searches' bodies hold, checked as HelpCrunch checks them; `sort` is each search's own. */
interface SearchBody {
  comparison: 'OR' | 'AND';
  filter: Array<Record<string, unknown>>;
  limit: number;
  offset: number;
  sort: unknown;
  order: 'asc' | 'desc';
}

/** A search's body, or the 400 HelpCrunch answers a body it cannot read with. */
function searchBody(body: unknown): SearchBody | FakeReply {
  const request = body as { comparison?: unknown; filter?: unknown; limit?: unknown; offset?: unknown; sort?: unknown; order?: unknown } | undefined;
  if (typeof request !== 'object' || request === null) return invalid('body', 'Request body must be a JSON object');
  const comparison = request.comparison ?? 'AND';
  if (comparison !== 'OR' && comparison !== 'AND') return invalid('comparison', 'comparison must be OR or AND');
  if (!Array.isArray(request.filter)) return invalid('filter', 'filter must be an array');
  const limit = request.limit ?? 100;
  const offset = request.offset ?? 0;
  if (typeof limit !== 'number' || limit < 1 || limit > 100) return invalid('limit', 'limit must be from 1 to 100');
  if (typeof offset !== 'number' || offset < 0) return invalid('offset', 'offset must not be negative');
  const order = typeof request.order === 'string' ? request.order.toLowerCase() : (request.order ?? 'desc');
  if (order !== 'asc' && order !== 'desc') return invalid('order', 'order must be asc or desc');
  return { comparison, filter: request.filter as Array<Record<string, unknown>>, limit, offset, sort: request.sort, order };
}

function search(body: unknown, dataset: HelpCrunchDataset): FakeReply {
  const request = searchBody(body);
  if (!('filter' in request)) return request;
  const { comparison, limit, offset, order } = request;
  const sort = request.sort ?? 'customers.lastSeen';
  if (sort !== 'customers.lastSeen' && sort !== 'customers.firstSeen') return invalid('sort', 'sort must be customers.lastSeen or customers.firstSeen');
  const byOrder = sorting(sort === 'customers.lastSeen' ? 'lastSeen' : 'firstSeen', order);

  const byId = idLookup(request.comparison, request.filter, dataset);
  if (byId) return { body: { data: byId.sort(byOrder).slice(offset, offset + limit), total: byId.length } };

  // Each field's filters together, so that a customer's value of a field is read once, however many name it.
  const tests = new Map<Field, Array<(value: Value) => boolean>>();
  for (const entry of request.filter) {
    const field = FIELDS[String(entry?.field)] ?? FIELDS[String(entry?.field).replace(/^customers\./, '')];
    if (!field) return invalid(String(entry?.field), `Unknown field ${String(entry?.field)}`);
    const operator = entry.operator as Operator;
    if (!OPERATORS.includes(operator)) return invalid('operator', `Unknown operator ${String(entry.operator)}`);
    if (typeof entry.value !== field.type) return invalid(String(entry.field), `Value of ${String(entry.field)} must be a ${field.type}`);
    tests.set(field, [...(tests.get(field) ?? []), comparing(operator, entry.value as string | number)]);
  }
  const byField = [...tests];
  const matches = [...dataset.customers.values()]
    .filter((customer) => {
      if (byField.length === 0) return true;
      for (const [field, fieldTests] of byField) {
        const value = valueOf(field.read(customer));
        const holds = comparison === 'OR' ? fieldTests.some((test) => test(value)) : fieldTests.every((test) => test(value));
        if (comparison === 'OR' && holds) return true;
        if (comparison === 'AND' && !holds) return false;
      }
      return comparison === 'AND';
    })
    // HelpCrunch answers in the order of `sort` (lastSeen, newest first, by default), not the order asked.
    .sort(byOrder);
  return { body: { data: matches.slice(offset, offset + limit), total: matches.length } };
}

/**
 * The search this graph sends (OR-ed `customers.id =` filters) answered by lookup instead of
 * a scan, so that a sandbox with many customers stays fast. Same result as the scan.
 */
function idLookup(comparison: unknown, filters: Array<Record<string, unknown>>, dataset: HelpCrunchDataset): RawCustomer[] | undefined {
  if (comparison !== 'OR' || filters.length === 0) return undefined;
  if (!filters.every((f) => f?.field === 'customers.id' && f.operator === '=' && typeof f.value === 'number')) return undefined;
  const ids = new Set(filters.map((f) => f.value as number));
  return [...ids].flatMap((id) => dataset.customers.get(id) ?? []);
}

/** A customer's value of a field as filters compare it: tags and text in lower case, and the value as it is. */
type Value = { tags: string[] } | { raw: unknown; text: string } | null;

function valueOf(actual: unknown): Value {
  if (Array.isArray(actual)) return { tags: actual.map((tag) => String(tag).toLowerCase()) };
  if (actual === null || actual === undefined) return null;
  return { raw: actual, text: String(actual).toLowerCase() };
}

/**
 * One filter, to hold against customers' values. Text compares as written, ignoring case:
 * `~` is "contains", so a phone matches only as it is written (HelpCrunch keeps phones as
 * free text). Tags: `=` holds when the customer has every tag of the comma-separated value.
 */
function comparing(operator: Operator, expected: string | number): (value: Value) => boolean {
  const wanted = String(expected).toLowerCase();
  const everyTag = wanted.split(',').map((tag) => tag.trim());
  // "Contains", by far the most asked (a contact search sends hundreds), on its own.
  if (operator === '~') return (value) => value !== null && ('text' in value ? value.text.includes(wanted) : value.tags.some((tag) => tag.includes(wanted)));
  return (value) => {
    if (value !== null && 'tags' in value) {
      const all = everyTag.every((tag) => value.tags.includes(tag));
      const some = value.tags.some((tag) => tag.includes(wanted));
      if (operator === '=') return all;
      if (operator === '!=') return !all;
      if (operator === '!~') return !some;
      return false;
    }
    if (value === null) return operator === '!=' || operator === '!~';
    const { raw, text } = value;
    switch (operator) {
      case '=':
        return typeof expected === 'number' ? Number(raw) === expected : text === wanted;
      case '!=':
        return typeof expected === 'number' ? Number(raw) !== expected : text !== wanted;
      case '!~':
        return !text.includes(wanted);
      case '>':
        return Number(raw) > Number(expected);
      case '<':
        return Number(raw) < Number(expected);
      case '>=':
        return Number(raw) >= Number(expected);
      case '<=':
        return Number(raw) <= Number(expected);
    }
  };
}

/** By a timestamp (one that is missing counts as 0), then by id, in the given direction. */
function sorting(field: 'lastSeen' | 'firstSeen', order: 'asc' | 'desc') {
  const sign = order === 'asc' ? 1 : -1;
  return (a: RawCustomer, b: RawCustomer): number => sign * ((Number(a[field]) || 0) - (Number(b[field]) || 0) || a.id - b.id);
}
