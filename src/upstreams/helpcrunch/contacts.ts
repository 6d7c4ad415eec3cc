import { contactValue, emailKey, phoneKey, type ContactKey } from '../../contacts';
import type { Customer } from './customer';
import type { SearchFilter } from './wire';

/** How many of a phone's last digits its search looks for, in each way they may be written. */
const TAIL_DIGITS = 6;

/**
 * The groups the last six digits of a phone may be written in, leftmost first. Every group
 * but the leftmost (which may be cut from a longer one) has two digits or more:
 * `…13-3601` is 2+4 (`+1 (555) 013-3601`), `…23-45-67` is 2+2+2 (`+7 900 123-45-67`).
 */
const TAIL_GROUPS = [
  [2, 4],
  [1, 5],
  [3, 3],
  [4, 2],
  [2, 2, 2],
  [1, 3, 2],
  [1, 2, 3],
] as const;

/** What people put between a phone's groups. */
const SEPARATORS = [' ', '-', '.'] as const;

/**
 * The search filters that find a contact's customers, and maybe others, which `hasContact`
 * then leaves out. An email is one filter, `=`. HelpCrunch keeps phones as free text and
 * compares them as text, so a phone is searched by its last six digits in every way they
 * are written (`~`, contains): together (`345678`, which any number written without
 * separators or with a last group of six digits or more has), and in each of the groups
 * of TAIL_GROUPS with a space, a dash or a dot between them (`45 67 89`, `13-3601`). That
 * is the one assumption of the search: a number whose last six digits are written
 * otherwise (a group of one digit, two kinds of separator, a slash) is not found. Six
 * digits read few customers but the contact's: a few in a million phones have the same six
 * digits in one of these forms.
 */
export function contactFilters(key: ContactKey): SearchFilter[] {
  if (key.startsWith('email:')) return [{ field: 'customers.email', operator: '=', value: contactValue(key) }];
  return phoneForms(key).map((form) => ({ field: 'customers.phone', operator: '~', value: form }));
}

/** The ways the last six digits of a phone contact may stand in a number as written. */
export function phoneForms(key: ContactKey): string[] {
  const tail = contactValue(key).slice(-TAIL_DIGITS);
  const grouped = TAIL_GROUPS.flatMap((sizes) => {
    const groups: string[] = [];
    let start = 0;
    for (const size of sizes) groups.push(tail.slice(start, (start += size)));
    return SEPARATORS.map((separator) => groups.join(separator));
  });
  return [tail, ...grouped];
}

/**
 * Whether a customer has that contact, and its own search finds it: a customer another
 * contact's filters brought in is linked by this one only when this one's would have, so
 * that a contact's customers never depend on what else was searched with it. Made once a
 * contact, for every customer a search read: the phone's forms are written once.
 */
export function hasContact(key: ContactKey): (customer: Customer) => boolean {
  if (key.startsWith('email:')) return (customer) => customer.email !== null && emailKey(customer.email) === key;
  const forms = phoneForms(key);
  return ({ phone }) => phone !== null && forms.some((form) => phone.includes(form)) && phoneKey(phone) === key;
}
