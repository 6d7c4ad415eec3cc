import type { Customer } from './customer';
import type { SearchFilter } from './wire';

/**
 * A way to reach someone, normalised so that two ways of writing it compare equal:
 * `email:cindy@example.com` (trimmed, lower case) or `phone:79001234567` (digits, with the
 * national prefix a Russian or Ukrainian number may be written in made international).
 */
export type ContactKey = `email:${string}` | `phone:${string}`;

/** The shortest phone, in digits, worth searching for: fewer would match too much of the account. */
const MIN_PHONE_DIGITS = 6;

export function emailKey(raw: string): ContactKey | undefined {
  const email = raw.trim().toLowerCase();
  return email.includes('@') ? `email:${email}` : undefined;
}

/**
 * The phone rule: only the digits count, and the forms a Russian or Ukrainian number is
 * written in become one, its international form:
 * - Russia: `+7 900 123-45-67`, `79001234567`, `8 (900) 123-45-67` → `79001234567`;
 * - Ukraine: `+380 50 123 4567`, `380501234567`, `050 123 4567`, `8 050 123 4567` → `380501234567`.
 * Other numbers are their digits as written.
 */
export function phoneKey(raw: string): ContactKey | undefined {
  const digits = raw.replace(/\D/g, '');
  if (digits.length < MIN_PHONE_DIGITS) return undefined;
  return `phone:${internationalDigits(digits)}`;
}

function internationalDigits(digits: string): string {
  if (digits.length === 11 && digits.startsWith('80')) return `3${digits}`; // 8 050…: Ukraine's old trunk prefix
  if (digits.length === 11 && digits.startsWith('8')) return `7${digits.slice(1)}`; // 8 900…: Russia's trunk prefix
  if (digits.length === 10 && digits.startsWith('0')) return `38${digits}`; // 050…: Ukraine, national
  return digits;
}

/** Every contact of someone with these emails and phones, each once. */
export function contactKeys(emails: readonly string[], phones: readonly string[]): ContactKey[] {
  const keys = [...emails.map(emailKey), ...phones.map(phoneKey)].filter((key) => key !== undefined);
  return [...new Set(keys)];
}

/**
 * The one search filter that finds a contact's customers, and maybe others, which `matches`
 * then leaves out. HelpCrunch keeps phones as free text and compares them as text: a phone
 * is searched as "contains" its national digits (the number without country or trunk prefix),
 * so that `+79001234567`, `79001234567` and `89001234567` are all found. A phone written with
 * spaces or dashes in HelpCrunch cannot be found by any one filter, and is not.
 */
export function contactFilter(key: ContactKey): SearchFilter {
  const value = key.slice(key.indexOf(':') + 1);
  if (key.startsWith('email:')) return { field: 'customers.email', operator: '=', value };
  return { field: 'customers.phone', operator: '~', value: nationalDigits(value) };
}

function nationalDigits(international: string): string {
  if (international.length === 11 && international.startsWith('7')) return international.slice(1);
  if (international.length === 12 && international.startsWith('380')) return international.slice(3);
  return international;
}

/** Whether a customer found by `contactFilter(key)` really has that contact. */
export function matches(customer: Customer, key: ContactKey): boolean {
  if (key.startsWith('email:')) return customer.email !== null && emailKey(customer.email) === key;
  return customer.phone !== null && phoneKey(customer.phone) === key;
}
