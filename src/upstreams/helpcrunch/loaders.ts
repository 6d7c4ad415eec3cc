import DataLoader from 'dataloader';
import type { EntityCache } from '../../cache/entityCache';
import { SEARCH_PAGE_SIZE, type HelpCrunchClient } from './client';
import { CUSTOMER_SHAPE, type Customer } from './customer';
import { asError, cachedBatch, fetchEach, type LoaderRequest, type Outcome } from '../../loaders/cachedBatch';

export type CustomerLoader = DataLoader<number, Customer | null>;

/**
 * Customers by HelpCrunch id, for one request. A batch becomes one `POST /customers/search`
 * per 100 ids (matched by id, never by position); ids the search did not return are
 * confirmed with `GET /customers/{id}`, whose 404 means null. A lone id uses GET directly.
 */
export function createCustomerLoader(
  client: HelpCrunchClient,
  cache: EntityCache,
  scope: string,
  request: LoaderRequest,
): CustomerLoader {
  return new DataLoader((ids) =>
    cachedBatch<Customer>({
      loader: 'customers',
      service: 'helpcrunch',
      cache,
      request,
      ids,
      keyFor: (id) => `${scope}:customer:v${CUSTOMER_SHAPE}:${id}`,
      fetchMissing: (missing) => fetchCustomers(client, missing, request),
    }),
  );
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
