import { contactFilter, contactKeys, emailKey, matches, phoneKey } from '../src/upstreams/helpcrunch/contacts';
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
])('the phone %s is %s', (written, key) => {
  expect(phoneKey(written)).toBe(key);
});

test('too few digits, or no @, is no contact', () => {
  expect(phoneKey('12-34')).toBeUndefined();
  expect(phoneKey('call me')).toBeUndefined();
  expect(emailKey('not an email')).toBeUndefined();
  expect(emailKey('  Cindy.Mindy@Example.COM ')).toBe('email:cindy.mindy@example.com');
});

test('contacts are each once, whatever way they were written', () => {
  expect(contactKeys(['A@x.io', ' a@x.io', 'b@x.io'], ['+79001234567', '89001234567', ''])).toEqual(['email:a@x.io', 'email:b@x.io', 'phone:79001234567']);
  expect(contactKeys([], [])).toEqual([]);
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
});
