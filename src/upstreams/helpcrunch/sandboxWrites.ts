import type { FakeReply, RecordedCall } from '../../sandbox/fakeHttpServer';
import { invalid, notFound } from './sandboxReplies';
import type { HelpCrunchDataset, RawCustomer } from './sandboxData';

/**
 * The HelpCrunch sandbox's customer writes, as the documents describe them:
 * - `POST /customers` (create-customer-v1): "There are no required fields", 201 with the customer;
 * - `PUT` / `PATCH /customers/{id}` (update-customer-v1): "PUT - replaces values for a set of
 *   fields in the request body. Fields that are not mentioned in the body would be set as null.
 *   PATCH - updates values for a set of fields in the request body only"; 200 with the customer;
 * - `PUT /customers/{id}/tags` (tag-customer-v1): appends the tags; a tag the account does not have
 *   yet is created, with the colour given or the default #c377e0, and one it has keeps its colour
 *   unless another is given; `DELETE /customers/{id}/tags` (untag-customer-v1) removes them by name;
 * - `DELETE /customers/{id}` (delete-customer-v1): 200 with "Ok".
 * A value of the wrong type, an email that is not one ("must be a valid email") and a `userId`
 * another customer has ("unique user ID") are 400s naming the field; an unknown id is a 404.
 */
export function customerWrite(call: RecordedCall, url: URL, dataset: HelpCrunchDataset): FakeReply | undefined {
  if (call.method === 'POST' && url.pathname === '/v1/customers') return create(call.body, dataset);
  const path = /^\/v1\/customers\/([^/]+)(\/tags)?$/.exec(url.pathname);
  if (!path || !['PUT', 'PATCH', 'DELETE'].includes(call.method)) return undefined;
  const id = /^\d+$/.test(path[1]!) ? Number(path[1]) : undefined;
  const customer = id === undefined ? undefined : dataset.customers.get(id);
  if (!customer) return notFound('Customer not found');
  if (path[2]) return call.method === 'PUT' ? tag(customer, call.body, dataset) : call.method === 'DELETE' ? untag(customer, call.body, dataset) : undefined;
  if (call.method === 'DELETE') {
    dataset.customers.delete(customer.id);
    return { body: 'Ok' };
  }
  return update(customer, call.body, call.method === 'PUT', dataset);
}

/** The fields a write may set, and the type of each value (null clears any). */
const WRITABLE: Record<string, 'string' | 'boolean'> = {
  name: 'string',
  email: 'string',
  userId: 'string',
  company: 'string',
  phone: 'string',
  notes: 'string',
  locale: 'string',
  source: 'string',
  referer: 'string',
  lastPage: 'string',
  createdFrom: 'string',
  integrationId: 'string',
  unsubscribed: 'boolean',
  blocked: 'boolean',
};
const DEFAULT_TAG_COLOR = '#c377e0';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function create(body: unknown, dataset: HelpCrunchDataset): FakeReply {
  const now = Math.floor(Date.now() / 1000);
  const id = Math.max(0, ...dataset.customers.keys()) + 1;
  const customer: RawCustomer = { id, firstSeen: now, lastSeen: now, location: null, device: null, tags: [], customData: null };
  for (const field of Object.keys(WRITABLE)) customer[field] = null;
  const refused = apply(customer, body, dataset);
  if (refused) return refused;
  dataset.customers.set(id, customer);
  return { status: 201, body: customer };
}

function update(customer: RawCustomer, body: unknown, replace: boolean, dataset: HelpCrunchDataset): FakeReply {
  const changed: RawCustomer = { ...customer };
  if (replace) for (const field of [...Object.keys(WRITABLE), 'customData']) changed[field] = null;
  const refused = apply(changed, body, dataset);
  if (refused) return refused;
  dataset.customers.set(customer.id, changed);
  return { body: changed };
}

/** Sets on `customer` each field `body` gives, or answers the 400 of the first one that is wrong. */
function apply(customer: RawCustomer, body: unknown, dataset: HelpCrunchDataset): FakeReply | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid('customer', 'Request body must be a JSON object');
  const given = body as Record<string, unknown>;
  for (const [field, type] of Object.entries(WRITABLE)) {
    if (!(field in given)) continue;
    const value = given[field];
    if (value !== null && typeof value !== type) return invalid(field, `${field} must be a ${type}`);
    if (field === 'email' && typeof value === 'string' && !EMAIL.test(value)) return invalid('email', 'Email is not valid');
    if (field === 'userId' && value !== null && [...dataset.customers.values()].some((other) => other.id !== customer.id && other.userId === value)) {
      return invalid('userId', 'userId is already taken by another customer');
    }
    customer[field] = value;
  }
  if ('customData' in given) {
    const customData = customDataOf(given.customData);
    if (customData === undefined) return invalid('customData', 'customData must be an array of {property, value}');
    customer.customData = customData;
  }
  if ('tags' in given) {
    const tags = tagsOf(given.tags, dataset);
    if (!tags) return invalid('tags', 'tags must be an array of {name, color}');
    customer.tags = merged([], tags);
  }
  return undefined;
}

/** `[{property, value}]`, or the object form the customer model shows; stored as the object the reads answer. */
function customDataOf(value: unknown): Record<string, unknown> | null | undefined {
  if (value === null) return null;
  if (Array.isArray(value)) {
    const entries = value.map((entry) => entry as { property?: unknown; value?: unknown });
    if (!entries.every((entry) => typeof entry?.property === 'string' && (entry.value === null || typeof entry.value !== 'object'))) return undefined;
    return Object.fromEntries(entries.map((entry) => [entry.property, entry.value]));
  }
  return typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** The tags of a write's body, each with its colour: the one given, the account's for a tag it has, or the default. */
function tagsOf(value: unknown, dataset: HelpCrunchDataset): Array<{ name: string; color: string }> | undefined {
  if (!Array.isArray(value)) return undefined;
  const tags = value.map((tag) => tag as { name?: unknown; color?: unknown });
  if (!tags.every((tag) => typeof tag?.name === 'string' && tag.name !== '' && (tag.color === undefined || typeof tag.color === 'string'))) return undefined;
  return tags.map((tag) => ({ name: tag.name as string, color: (tag.color as string | undefined) ?? accountColor(dataset, tag.name as string) ?? DEFAULT_TAG_COLOR }));
}

/** The colour of a tag the account has, on any of its customers. */
function accountColor(dataset: HelpCrunchDataset, name: string): string | undefined {
  for (const customer of dataset.customers.values()) {
    const tag = ((customer.tags as Array<{ name: string; color?: string }> | null) ?? []).find((kept) => kept.name === name);
    if (tag?.color) return tag.color;
  }
  return undefined;
}

/** The customer's tags with `added` appended, each name once (names are case-sensitive). */
function merged(current: unknown, added: Array<{ name: string; color: string }>): Array<{ name: string; color: string }> {
  const tags = [...((current as Array<{ name: string; color: string }> | null) ?? [])];
  for (const tag of added) if (!tags.some((kept) => kept.name === tag.name)) tags.push(tag);
  return tags;
}

function tag(customer: RawCustomer, body: unknown, dataset: HelpCrunchDataset): FakeReply {
  const tags = tagsOf((body as { tags?: unknown } | null)?.tags, dataset);
  if (!tags || tags.length === 0) return invalid('tags', 'tags must be a non-empty array of {name, color}');
  customer.tags = merged(customer.tags, tags);
  return { body: customer };
}

function untag(customer: RawCustomer, body: unknown, dataset: HelpCrunchDataset): FakeReply {
  const tags = tagsOf((body as { tags?: unknown } | null)?.tags, dataset);
  if (!tags || tags.length === 0) return invalid('tags', 'tags must be a non-empty array of {name}');
  const names = new Set(tags.map((tag) => tag.name));
  customer.tags = ((customer.tags as Array<{ name: string }> | null) ?? []).filter((kept) => !names.has(kept.name));
  return { body: customer };
}
