import { contactValue, emailKey, nationalDigits, phoneKey, type ContactKey } from '../../contacts';
import type { Customer } from './customer';
import type { SearchFilter } from './wire';

/**
 * The one search filter that finds a contact's customers, and maybe others, which `matches`
 * then leaves out. HelpCrunch keeps phones as free text and compares them as text: a phone
 * is searched as "contains" its national digits (the number without country or trunk prefix),
 * so that `+79001234567`, `79001234567` and `89001234567` are all found. A phone written with
 * spaces or dashes in HelpCrunch cannot be found by any one filter, and is not linked.
 */
export function contactFilter(key: ContactKey): SearchFilter {
  if (key.startsWith('email:')) return { field: 'customers.email', operator: '=', value: contactValue(key) };
  return { field: 'customers.phone', operator: '~', value: nationalDigits(contactValue(key)) };
}

/**
 * Whether a customer has that contact, and `contactFilter(key)` finds it: a customer another
 * contact's filter brought in is linked by this one only when its own search would, so
 * that a contact's customers never depend on what else was searched with it.
 */
export function matches(customer: Customer, key: ContactKey): boolean {
  if (key.startsWith('email:')) return customer.email !== null && emailKey(customer.email) === key;
  const phone = customer.phone;
  return phone !== null && phone.includes(nationalDigits(contactValue(key))) && phoneKey(phone) === key;
}
