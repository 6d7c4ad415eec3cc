import DataLoader from 'dataloader';
import type { EntityCache } from '../../cache/entityCache';
import { asError, cachedBatch, fetchEach, type LoaderRequest, type Outcome } from '../../loaders/cachedBatch';
import { SEARCH_PAGE_SIZE, type HelpCrunchClient } from './client';
import { contactFilter, matches, type ContactKey } from './contacts';
import { CUSTOMER_SHAPE, type Customer, type CustomerPage } from './customer';
import type { SearchRequest } from './wire';

export type CustomerLoader = DataLoader<number, Customer | null>;

export interface HelpCrunchLoaders {
  customers: CustomerLoader;
  /** One page of a search; every customer on it is then known to `customers` and the cache. */
  customerSearch(request: SearchRequest): Promise<CustomerPage>;
  /** The customers who have a contact (an email, a phone), for the link from CoMagic's persons and visitors. */
  customersByContact: DataLoader<ContactKey, Customer[]>;
}

/** At most this many pages of one contact search are read: a contact matching more is not a person's. */
const MAX_CONTACT_PAGES = 5;

/**
 * The loaders of one request. Customers by HelpCrunch id: a batch becomes one
 * `POST /customers/search` per 100 ids (matched by id, never by position); ids the search
 * did not return are confirmed with `GET /customers/{id}`, whose 404 means null. A lone id
 * uses GET directly. Customers by contact: a batch becomes one search per 100 contacts,
 * OR-ed, matched on this side (see contacts.ts).
 */
export function createHelpCrunchLoaders(client: HelpCrunchClient, cache: EntityCache, scope: string, request: LoaderRequest): HelpCrunchLoaders {
  const { call, stale } = request;
  const keyOf = (id: number) => `${scope}:customer:v${CUSTOMER_SHAPE}:${id}`;
  const customers: CustomerLoader = new DataLoader((ids) =>
    cachedBatch<Customer>({
      loader: 'customers',
      service: 'helpcrunch',
      cache,
      request,
      ids,
      keyFor: keyOf,
      fetchMissing: (missing) => fetchCustomers(client, missing, request),
    }),
  );

  /** Customers a search found: asked for by id later in this request, or in the cache's time, they cost no call. */
  const found = (list: readonly Customer[]) => {
    for (const customer of list) {
      const id = Number(customer.id);
      customers.clear(id).prime(id, customer);
      cache.setBehind(keyOf(id), customer);
    }
  };

  const customersByContact = new DataLoader<ContactKey, Customer[]>(async (keys) => {
    const results = await cachedBatch<Customer[], ContactKey>({
      loader: 'customersByContact',
      service: 'helpcrunch',
      cache,
      request,
      ids: keys,
      keyFor: (key) => `${scope}:contact:v${CUSTOMER_SHAPE}:${key}`,
      fetchMissing: async (missing) => {
        const byContact = await searchContacts(client, missing, request);
        found([...new Set([...byContact.values()].flat())]);
        return byContact;
      },
    });
    // A list served stale marks its customers so, as they are what the response shows.
    for (const list of results) if (Array.isArray(list)) for (const customer of list) stale.carryOver(list, customer);
    // No contact is ever stored as null: a contact of no customer is an empty list.
    return results.map((list) => list ?? []);
  });

  return {
    customers,
    customerSearch: async (search) => {
      const page = await client.search(search, call);
      found(page.customers);
      return page;
    },
    customersByContact,
  };
}

/**
 * The customers of each contact: one OR-ed search per 100 contacts, page after page while
 * more match, each customer then kept for every contact it really has.
 */
async function searchContacts(client: HelpCrunchClient, keys: ContactKey[], { call }: LoaderRequest): Promise<Map<ContactKey, Customer[]>> {
  const chunks: ContactKey[][] = [];
  for (let start = 0; start < keys.length; start += SEARCH_PAGE_SIZE) chunks.push(keys.slice(start, start + SEARCH_PAGE_SIZE));
  const byContact = new Map<ContactKey, Customer[]>(keys.map((key) => [key, []]));
  await Promise.all(
    chunks.map(async (chunk) => {
      const filter = chunk.map(contactFilter);
      const seen: Customer[] = [];
      for (let page = 0; page < MAX_CONTACT_PAGES; page += 1) {
        const { customers, total } = await client.search(
          { comparison: 'OR', filter, limit: SEARCH_PAGE_SIZE, offset: page * SEARCH_PAGE_SIZE, sort: 'customers.lastSeen', order: 'desc' },
          call,
        );
        seen.push(...customers);
        if (customers.length < SEARCH_PAGE_SIZE || seen.length >= total) break;
      }
      for (const key of chunk) byContact.set(key, seen.filter((customer) => matches(customer, key)));
    }),
  );
  return byContact;
}

async function fetchCustomers(
  client: HelpCrunchClient,
  ids: number[],
  { call }: LoaderRequest,
): Promise<Map<number, Outcome<Customer>>> {
  if (ids.length === 1) return fetchEach(ids, (id) => client.getCustomer(id, call));

  const chunks: number[][] = [];
  for (let start = 0; start < ids.length; start += SEARCH_PAGE_SIZE) {
    chunks.push(ids.slice(start, start + SEARCH_PAGE_SIZE));
  }
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
