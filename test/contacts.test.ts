import { contactKeys, emailKey, phoneKey } from '../src/contacts';
import { contactFilter, matches } from '../src/upstreams/helpcrunch/contacts';
import type { Customer } from '../src/upstreams/helpcrunch/customer';

test.each([
  ['+7 900 123-45-67', 'phone:79001234567'],
  ['79001234567', 'phone:79001234567'],
  ['8 (900) 123-45-67', 'phone:79001234567'],
  ['89001234567', 'phone:79001234567'],
  ['+380 50 123 4567', 'phone:380501234567'],
  ['380501234567', 'phone:380501234567'],
  ['050 123 4567', 'phone:380501234567'],
  ['8 050 123 45 67', 'phone:380501234567'],
  ['+213123123213', 'phone:213123123213'],
  ['+1 (415) 555-0100', 'phone:14155550100'],
  ['00 380 50 123 4567', 'phone:380501234567'],
])('the phone %s is %s', (written, key) => {
  expect(phoneKey(written)).toBe(key);
});

test.each([
  // Written with + (or 00), a number is international as written: never read as a Russian or Ukrainian one.
  ['+84 912 345 678', 'phone:84912345678'],
  ['0084 912 345 678', 'phone:84912345678'],
  ['+81 3 1234 5678', 'phone:81312345678'],
  ['+852 8123 4567', 'phone:85281234567'],
  ['+33 6 12 34 56 78', 'phone:33612345678'],
])('the international %s stays %s', (written, key) => {
  expect(phoneKey(written)).toBe(key);
  expect(phoneKey(written)).not.toBe(phoneKey(written.replace(/^\+|^00/, '8')));
});

test('CoMagic gives international digits, taken as they are: 84… is Vietnam, 0… is no trunk prefix', () => {
  expect(phoneKey('84912345678', 'international')).toBe('phone:84912345678');
  expect(phoneKey('84912345678')).toBe('phone:74912345678');
  expect(phoneKey('79001234567', 'international')).toBe('phone:79001234567');
  expect(phoneKey('380501234567', 'international')).toBe('phone:380501234567');
});

test('too few digits, or no @, is no contact', () => {
  expect(phoneKey('12-34')).toBeUndefined();
  // Fewer than 9 national digits: a fragment or an extension, which would match widely.
  expect(phoneKey('123456')).toBeUndefined();
  expect(phoneKey('+7 900 123 4')).toBeUndefined();
  expect(phoneKey('8 (900) 12')).toBeUndefined();
  expect(phoneKey('12345678', 'international')).toBeUndefined();
  expect(phoneKey('123456789', 'international')).toBe('phone:123456789');
  expect(phoneKey('call me')).toBeUndefined();
  expect(emailKey('not an email')).toBeUndefined();
  expect(emailKey('  Cindy.Mindy@Example.COM ')).toBe('email:cindy.mindy@example.com');
});

test('contacts are each once, whatever way they were written', () => {
  expect(contactKeys(['A@x.io', ' a@x.io', 'b@x.io'], ['+79001234567', '89001234567', ''], 'written')).toEqual(['email:a@x.io', 'email:b@x.io', 'phone:79001234567']);
  expect(contactKeys(['a@x.io'], ['79001234567', '79001234567', '213123123213'], 'international')).toEqual(['email:a@x.io', 'phone:79001234567', 'phone:213123123213']);
  expect(contactKeys([], [], 'international')).toEqual([]);
});

test('a phone is searched by its national digits, so that every prefix of it is found; an email as it is', () => {
  expect(contactFilter('phone:79001234567')).toEqual({ field: 'customers.phone', operator: '~', value: '9001234567' });
  expect(contactFilter('phone:380501234567')).toEqual({ field: 'customers.phone', operator: '~', value: '501234567' });
  expect(contactFilter('phone:213123123213')).toEqual({ field: 'customers.phone', operator: '~', value: '213123123213' });
  expect(contactFilter('email:a@x.io')).toEqual({ field: 'customers.email', operator: '=', value: 'a@x.io' });
});

test('what a search finds is kept only when it really has the contact', () => {
  const customer = (email: string | null, phone: string | null) => ({ id: '1', email, phone }) as Customer;
  expect(matches(customer('A@X.io ', null), 'email:a@x.io')).toBe(true);
  expect(matches(customer('aa@x.io', null), 'email:a@x.io')).toBe(false);
  expect(matches(customer(null, '89001234567'), 'phone:79001234567')).toBe(true);
  // Found by "contains 9001234567", but another number.
  expect(matches(customer(null, '+799001234567'), 'phone:79001234567')).toBe(false);
  expect(matches(customer(null, null), 'phone:79001234567')).toBe(false);
  // The same number with spaces: its own search ("contains 9001234567") cannot find it, so
  // it is not this contact's, even when another contact's search brought it in.
  expect(matches(customer(null, '8 900 123 45 67'), 'phone:79001234567')).toBe(false);
  expect(matches(customer(null, '+7 9001234567'), 'phone:79001234567')).toBe(true);
  // Vietnam's +84 912 345 678 contains Russia's national 4912345678 but is another number.
  expect(matches(customer(null, '+84912345678'), 'phone:74912345678')).toBe(false);
});
