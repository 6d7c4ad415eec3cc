/**
 * A way to reach someone, normalised so that two ways of writing it compare equal:
 * `email:cindy@example.com` (trimmed, lower case) or `phone:79001234567` (its international
 * digits). The rules are the same for every upstream; what an upstream can search for is its own.
 */
export type ContactKey = `email:${string}` | `phone:${string}`;

/**
 * The version of the rules below: part of the key of anything stored by contact, so that a
 * deploy changing what a contact's key is, or what it is linked to, never reads old entries. Bump it then.
 */
export const CONTACT_RULES = 3;

/**
 * The fewest national digits (the number without its country code) a phone needs to be a
 * contact: fewer would be a fragment, or an extension, matching too much of an account.
 * A Ukrainian number has 9, a Russian one 10.
 */
const MIN_NATIONAL_DIGITS = 9;

/**
 * How a phone is written. `written` is free text, as a person typed it, with any spaces,
 * brackets, dashes or dots: read as international when it starts with `+` or `00`, and
 * otherwise in the national forms of a Russian or Ukrainian number (see `phoneKey`).
 * `international` is already the digits of the international form, without `+`, as a
 * telephony API gives them (punctuation, if any, is dropped too).
 */
export type PhoneForm = 'written' | 'international';

export function emailKey(raw: string): ContactKey | undefined {
  const email = raw.trim().toLowerCase();
  return email.includes('@') ? `email:${email}` : undefined;
}

/**
 * The phone rule: only the digits count, and the forms a number is written in become one,
 * its international form.
 * - A number written with `+` or `00` is international as written, of any country
 *   (`+1 (555) 013-3601`, `0044 20 7946 0958`; `+84 912 345 678` is Vietnam's, never
 *   Russia's); the trunk zero some write in brackets after the country code is not dialled
 *   (`+49 (0)30 1234 5678` → `493012345678`).
 * - Otherwise it is read in the national forms of a Russian or Ukrainian number, the one
 *   assumption of the rule (a French `06…` would be read as Ukrainian):
 *   Russia `8 (900) 123-45-67` → `79001234567`; Ukraine `050 123 4567`, `8 050 123 4567` →
 *   `380501234567`. Any other number is its digits as written.
 */
export function phoneKey(raw: string, form: PhoneForm = 'written'): ContactKey | undefined {
  const written = raw.trim();
  const digits = written.replace(/\D/g, '');
  let international: string;
  if (form === 'international') international = digits;
  else if (written.startsWith('+')) international = withoutBracketedTrunkZero(written);
  else if (written.startsWith('00')) international = withoutBracketedTrunkZero(written).slice(2);
  else international = fromNationalForms(digits);
  return nationalDigits(international).length >= MIN_NATIONAL_DIGITS ? `phone:${international}` : undefined;
}

/**
 * The digits of an international number, but for a trunk zero written in brackets right after
 * the country code (`+44 (0)20 …`, `+49 (0)30 …`), which is not dialled. Italy (+39) dials its
 * zero, and `+38 (0)44 …` is Ukraine's 380 written apart: theirs stays.
 */
function withoutBracketedTrunkZero(written: string): string {
  const trunk = /^(?:\+|00)\s*(\d{1,3})[\s.-]*\(\s*0\s*\)/.exec(written);
  const dialled = trunk === null || trunk[1] === '39' || trunk[1] === '38';
  return (dialled ? written : written.replace(/\(\s*0\s*\)/, '')).replace(/\D/g, '');
}

function fromNationalForms(digits: string): string {
  if (digits.length === 11 && digits.startsWith('80')) return `3${digits}`; // 8 050…: Ukraine's old trunk prefix
  if (digits.length === 11 && digits.startsWith('8')) return `7${digits.slice(1)}`; // 8 900…: Russia's trunk prefix
  if (digits.length === 10 && digits.startsWith('0')) return `38${digits}`; // 050…: Ukraine, national
  return digits;
}

/** A Russian or Ukrainian number without its country code; any other number as it is. */
function nationalDigits(international: string): string {
  if (international.length === 11 && international.startsWith('7')) return international.slice(1);
  if (international.length === 12 && international.startsWith('380')) return international.slice(3);
  return international;
}

/** What a contact key holds after its kind: the email, or the phone's international digits. */
export function contactValue(key: ContactKey): string {
  return key.slice(key.indexOf(':') + 1);
}

/** Every contact of someone with these emails and phones, each once. */
export function contactKeys(emails: readonly string[], phones: readonly string[], phoneForm: PhoneForm): ContactKey[] {
  const keys = [...emails.map(emailKey), ...phones.map((phone) => phoneKey(phone, phoneForm))].filter((key) => key !== undefined);
  return [...new Set(keys)];
}
