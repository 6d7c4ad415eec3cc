import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import type { EntityCache } from '../../cache/entityCache';
import { CONTACT_RULES, emailKey, phoneKey, type ContactKey } from '../../contacts';
import { refusedOwnRequest } from '../../errors';
import { asError, cachedBatch, cachedListBatch, chunksOf, fetchEach, inHalves, type LoaderRequest, type Outcome } from '../../loaders/cachedBatch';
import { SEARCH_PAGE_SIZE, type HelpCrunchClient, type WriteAnswer } from './client';
import { createChatLoaders, type ChatLoaders } from './chatLoaders';
import { contactFilters, hasContact } from './contacts';
import { CUSTOMER_SHAPE, type Customer, type CustomerPage } from './customer';
import type { CustomerWrite, SearchRequest, TagWrite } from './wire';

export type CustomerLoader = DataLoader<number, Customer | null>;

export interface HelpCrunchLoaders extends ChatLoaders {
  customers: CustomerLoader;
  /** What the mutations write with: this account's client and what its writes change. */
  customerWrites: CustomerWrites;
  /** One page of a search; every customer on it is then known to `customers` and the cache. */
  customerSearch(request: SearchRequest): Promise<CustomerPage>;
  /** The customers who have a contact (an email, a phone), for the link from CoMagic's persons and visitors. */
  customersByContact: DataLoader<ContactKey, Customer[]>;
}

/**
 * The most customers read for one contact: a contact matching more is not one person's, and
 * is linked to the ones seen last. A search of several contacts matching more is split in two.
 */
const MAX_CUSTOMERS_A_CONTACT = 5 * SEARCH_PAGE_SIZE;

/**
 * The most filters one contact search holds (a phone is 22, an email one): 20 persons' emails
 * and phones in one search, as a router asks for them. HelpCrunch documents no cap, and its
 * search is a text search: search engines commonly refuse a query of more than 1,024 clauses
 * (Lucene's default), so a search stays within that.
 */
const MAX_FILTERS_A_SEARCH = 1_000;

/** A customer, as its entity-cache key names it: the tag of every answer holding it. */
export function customerEntity(scope: string, id: number | string): string {
  return `${scope}:customer:v${CUSTOMER_SHAPE}:${id}`;
}

/** The customers of a contact, as their entity-cache key names them (the contact only as a digest). */
export function contactEntity(scope: string, key: ContactKey): string {
  return `${scope}:contact:v${CUSTOMER_SHAPE}.${CONTACT_RULES}:${digest(key)}`;
}

/** Every search's answer of an account: any write may change what a search finds. */
export function searchEntity(scope: string): string {
  return `${scope}:customer-search`;
}

/** A customer as a write knows it: its id (none for one not created yet), and its email and phone when known. */
export interface Contacts {
  id?: string;
  email?: string | null;
  phone?: string | null;
}

/**
 * The entities a write to these customers (as they were, and as they are) changes: the
 * account's searches, each customer, and the customers of its email and of its phone.
 */
export function entitiesOf(scope: string, customers: ReadonlyArray<Contacts | null>): string[] {
  const entities = new Set([searchEntity(scope)]);
  for (const customer of customers) {
    if (!customer) continue;
    if (customer.id !== undefined) entities.add(customerEntity(scope, customer.id));
    // As hasContact links a customer: its phone read as written.
    const { email, phone } = customer;
    for (const contact of [email ? emailKey(email) : undefined, phone ? phoneKey(phone) : undefined]) if (contact) entities.add(contactEntity(scope, contact));
  }
  return [...entities];
}

/** One account's writes, and what they need to know of a customer before it changes. */
export interface CustomerWrites {
  /** The account's cache scope: its entities' keys, and its Idempotency-Key records, are its own. */
  scope: string;
  create(body: CustomerWrite): Promise<WriteAnswer<Customer>>;
  update(id: number, body: CustomerWrite): Promise<WriteAnswer<Customer>>;
  tag(id: number, tags: TagWrite[]): Promise<WriteAnswer<Customer>>;
  untag(id: number, tags: TagWrite[]): Promise<WriteAnswer<Customer>>;
  remove(id: number): Promise<WriteAnswer<true>>;
  /**
   * The customer as it is before a write, to drop its contacts' links: the cached copy while
   * it is fresh, else HelpCrunch's; null when there is none.
   */
  before(id: number): Promise<Customer | null>;
}

/**
 * The loaders of one request. Customers by HelpCrunch id: a batch becomes one
 * `POST /customers/search` per 100 ids (matched by id, never by position); ids the search
 * did not return are confirmed with `GET /customers/{id}`, whose 404 means null. A lone id
 * uses GET directly. Customers by contact: a batch becomes one search per 100 contacts or
 * 1,000 filters, OR-ed, matched on this side (see contacts.ts).
 */
export function createHelpCrunchLoaders(client: HelpCrunchClient, cache: EntityCache, scope: string, request: LoaderRequest): HelpCrunchLoaders {
  const { call, held } = request;
  const keyOf = (id: number) => customerEntity(scope, id);
  const customers: CustomerLoader = new DataLoader((ids) => {
    for (const id of ids) held.hold(keyOf(id));
    return cachedBatch<Customer>({
      loader: 'customers',
      service: 'helpcrunch',
      cache,
      request,
      ids,
      keyFor: keyOf,
      fetchMissing: (missing) => fetchCustomers(client, missing, request),
    });
  });

  /** Customers a search found: asked for by id later in this request, or in the cache's time, they cost no call. */
  const found = (list: readonly Customer[]) => {
    for (const customer of list) {
      const id = Number(customer.id);
      const key = keyOf(id);
      held.hold(key);
      customers.clear(id).prime(id, customer);
      cache.setBehind(key, customer, undefined, undefined, held.since);
    }
  };

  // No contact is stored as null: a contact of no customer is an empty list.
  // A write drops the links of its customer's email and phone: an answer holding a link is tagged with it.
  const customersByContact = new DataLoader<ContactKey, Customer[]>((keys) => {
    for (const key of keys) held.hold(contactEntity(scope, key));
    return cachedListBatch<Customer, ContactKey>({
      loader: 'customersByContact',
      service: 'helpcrunch',
      cache,
      request,
      ids: keys,
      // The contact is in the key only as a digest: the store's keys hold no one's email or phone.
      keyFor: (key) => contactEntity(scope, key),
      fetchMissing: async (missing) => {
        const byContact = await searchContacts(client, missing, request);
        found([...new Set([...byContact.values()].flat())]);
        return byContact;
      },
      // A contact of no customer may have one soon: it is fresh only as long as a customer not
      // found, and is kept stale all the same, so that a person's other contacts can stand in.
      foundTtlSeconds: (list) => (list.length === 0 ? cache.ttl.notFoundSeconds : undefined),
    });
  });

  return {
    customers,
    customerWrites: {
      scope,
      create: (body) => client.createCustomer(body, call),
      update: (id, body) => client.updateCustomer(id, body, call),
      tag: (id, tags) => client.tagCustomer(id, tags, call),
      untag: (id, tags) => client.untagCustomer(id, tags, call),
      remove: (id) => client.deleteCustomer(id, call),
      before: async (id) => {
        const [cached] = await cache.getMany<Customer>([keyOf(id)]);
        return cached?.fresh && cached.value !== null ? cached.value : client.getCustomer(id, call);
      },
    },
    customerSearch: async (search) => {
      held.hold(searchEntity(scope));
      const page = await client.search(search, call);
      found(page.customers);
      return page;
    },
    customersByContact,
    ...createChatLoaders(client, cache, scope, request),
  };
}

/**
 * The customers of each contact: one OR-ed search per 100 contacts or 1,000 filters (of one
 * filter an email, 22 a phone), sent together, each customer then kept for every contact it
 * really has (see contacts.ts), never matched by position.
 */
async function searchContacts(client: HelpCrunchClient, keys: ContactKey[], request: LoaderRequest): Promise<Map<ContactKey, Customer[]>> {
  const byContact = new Map<ContactKey, Customer[]>();
  await Promise.all(searchesOf(keys).map((chunk) => searchChunk(client, chunk, request, byContact)));
  return byContact;
}

/** `keys` in runs of one search's worth: at most a page of contacts, and MAX_FILTERS_A_SEARCH filters. */
function searchesOf(keys: readonly ContactKey[]): ContactKey[][] {
  const searches: ContactKey[][] = [];
  let filters = 0;
  for (const key of keys) {
    const own = contactFilters(key).length;
    const last = searches.at(-1);
    if (last && last.length < SEARCH_PAGE_SIZE && filters + own <= MAX_FILTERS_A_SEARCH) {
      last.push(key);
      filters += own;
    } else {
      searches.push([key]);
      filters = own;
    }
  }
  return searches;
}

/**
 * One search for these contacts, page after page while more match. When more match than
 * one contact may have, the contacts are searched again in halves: a contact matching
 * widely never cuts the others' lists short.
 */
async function searchChunk(client: HelpCrunchClient, chunk: ContactKey[], request: LoaderRequest, into: Map<ContactKey, Customer[]>): Promise<void> {
  const filter = chunk.flatMap(contactFilters);
  const read = (linked: number, leftOut: number) => {
    request.metrics.linkCandidates.inc({ link: 'contacts', result: 'linked' }, linked);
    request.metrics.linkCandidates.inc({ link: 'contacts', result: 'left_out' }, leftOut);
  };
  const seen: Customer[] = [];
  for (let offset = 0; offset < MAX_CUSTOMERS_A_CONTACT; offset += SEARCH_PAGE_SIZE) {
    const search: SearchRequest = { comparison: 'OR', filter, limit: SEARCH_PAGE_SIZE, offset, sort: 'customers.lastSeen', order: 'desc' };
    const { customers, total } = await searchOurs(client, search, request.call);
    if (offset === 0 && total > MAX_CUSTOMERS_A_CONTACT && chunk.length > 1) {
      // This page is read again by the halves: it is counted there.
      await inHalves(chunk, (part) => searchChunk(client, part, request, into));
      return;
    }
    seen.push(...customers);
    if (customers.length < SEARCH_PAGE_SIZE || offset + customers.length >= total) break;
  }
  const linked = new Set<Customer>();
  for (const key of chunk) {
    const own = seen.filter(hasContact(key));
    for (const customer of own) linked.add(customer);
    into.set(key, own);
  }
  read(linked.size, seen.length - linked.size);
}

/** A search this server wrote: HelpCrunch refusing it is this server's fault, never the client's. */
async function searchOurs(client: HelpCrunchClient, search: SearchRequest, call: LoaderRequest['call']): Promise<CustomerPage> {
  try {
    return await client.search(search, call);
  } catch (error) {
    throw refusedOwnRequest(error, 'HelpCrunch refused the contact search');
  }
}

function digest(key: ContactKey): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}

async function fetchCustomers(
  client: HelpCrunchClient,
  ids: number[],
  { call }: LoaderRequest,
): Promise<Map<number, Outcome<Customer>>> {
  if (ids.length === 1) return fetchEach(ids, (id) => client.getCustomer(id, call));

  const chunks = chunksOf(ids, SEARCH_PAGE_SIZE);
  const outcomes = new Map<number, Outcome<Customer>>();
  const unconfirmed: number[] = [];
  await Promise.all(
    chunks.map(async (chunk) => {
      try {
        const found = new Map((await client.searchCustomersByIds(chunk, call)).map((customer) => [Number(customer.id), customer]));
        for (const id of chunk) {
          const customer = found.get(id);
          if (customer) outcomes.set(id, customer);
          else unconfirmed.push(id);
        }
      } catch (error) {
        for (const id of chunk) outcomes.set(id, asError(error));
      }
    }),
  );
  for (const [id, outcome] of await fetchEach(unconfirmed, (id) => client.getCustomer(id, call))) {
    outcomes.set(id, outcome);
  }
  return outcomes;
}
