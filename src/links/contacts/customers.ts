import type DataLoader from 'dataloader';
import type { ContactKey } from '../../contacts';
import { loadAll } from '../../loaders/cachedBatch';
import type { Customer } from '../../upstreams/helpcrunch/customer';

/**
 * The customers of these contacts, each once, newest seen first; and whether a contact had
 * none (an answer that may change soon). A contact HelpCrunch could not answer for fails the whole.
 */
export async function customersOfContacts(keys: readonly ContactKey[], byContact: DataLoader<ContactKey, Customer[]>): Promise<{ customers: Customer[]; someHaveNone: boolean }> {
  if (keys.length === 0) return { customers: [], someHaveNone: false };
  const lists = await loadAll(byContact, keys);
  const byId = new Map<string, Customer>();
  for (const list of lists) for (const customer of list) byId.set(customer.id, customer);
  const customers = [...byId.values()].sort((a, b) => seen(b) - seen(a) || Number(a.id) - Number(b.id));
  return { customers, someHaveNone: lists.some((list) => list.length === 0) };
}

function seen(customer: Customer): number {
  return customer.lastSeen === null ? 0 : Date.parse(customer.lastSeen);
}
