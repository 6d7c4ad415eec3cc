import { contactKeys, emailKey, phoneKey } from '../src/contacts';
import { contactFilters, hasContact, phoneForms } from '../src/upstreams/helpcrunch/contacts';
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
  ['+1 (555) 013-3601', 'phone:15550133601'],
  ['0044 20 7946 0958', 'phone:442079460958'],
  ['+44 (0)20 7946 0958', 'phone:442079460958'],
  ['+49 (0) 30 1234 5678', 'phone:493012345678'],
  // Italy dials the zero, and Ukraine's 380 is sometimes written +38 (0…).
  ['+39 (0)6 1234 5678', 'phone:390612345678'],
  ['+38 (0)44 123 4567', 'phone:380441234567'],
  // Only right after the country code is a bracketed zero a trunk prefix.
  ['+44 20 (0)7946 0958', 'phone:4420079460958'],
  ['+33 1.23.45.67.89', 'phone:33123456789'],
  ['+38 (050) 123-45-67', 'phone:380501234567'],
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

test('an email is searched as it is; a phone by its last six digits, together and in every grouping, with a space, a dash or a dot', () => {
  expect(contactFilters('email:a@x.io')).toEqual([{ field: 'customers.email', operator: '=', value: 'a@x.io' }]);
  expect(phoneForms('phone:79001234567')).toEqual([
    '234567',
    '23 4567', '23-4567', '23.4567',
    '2 34567', '2-34567', '2.34567',
    '234 567', '234-567', '234.567',
    '2345 67', '2345-67', '2345.67',
    '23 45 67', '23-45-67', '23.45.67',
    '2 345 67', '2-345-67', '2.345.67',
    '2 34 567', '2-34-567', '2.34.567',
  ]);
  expect(contactFilters('phone:79001234567')).toEqual(phoneForms('phone:79001234567').map((value) => ({ field: 'customers.phone', operator: '~', value })));
});

test.each([
  ['+1 (555) 013-3601', '15550133601'],
  ['+7 900 123-45-67', '79001234567'],
  ['8 (900) 123 45 67', '79001234567'],
  ['+380 44 123 4567', '380441234567'],
  ['0044 20 7946 0958', '442079460958'],
  ['+49 (0)30 1234 5678', '493012345678'],
  ['+33 1.23.45.67.89', '33123456789'],
  ['+48 512 345 678', '48512345678'],
  ['+47 412 34 567', '4741234567'],
  ['+91 98765 43210', '919876543210'],
  ['+7(900)1234567', '79001234567'],
  ['79001234567', '79001234567'],
])('%s, as HelpCrunch keeps it, is found by the search for CoMagic\'s %s', (written, digits) => {
  const key = phoneKey(digits, 'international')!;
  expect(phoneForms(key).some((form) => written.includes(form))).toBe(true);
  expect(hasContact(key)({ id: '1', email: null, phone: written } as Customer)).toBe(true);
});

test('what a search finds is kept only when it really has the contact', () => {
  const customer = (email: string | null, phone: string | null) => ({ id: '1', email, phone }) as Customer;
  expect(hasContact('email:a@x.io')(customer('A@X.io ', null))).toBe(true);
  expect(hasContact('email:a@x.io')(customer('aa@x.io', null))).toBe(false);
  expect(hasContact('phone:79001234567')(customer(null, '89001234567'))).toBe(true);
  // Found by "contains 234567" (its last six digits), but another number.
  expect(hasContact('phone:79001234567')(customer(null, '+799001234567'))).toBe(false);
  expect(hasContact('phone:79001234567')(customer(null, null))).toBe(false);
  expect(hasContact('phone:79001234567')(customer(null, '8 900 123 45 67'))).toBe(true);
  expect(hasContact('phone:79001234567')(customer(null, '+7 9001234567'))).toBe(true);
  // The same number written in a way its own search cannot find (a slash, two kinds of
  // separator) is not this contact's, even when another contact's search brought it in.
  expect(hasContact('phone:79001234567')(customer(null, '+7 900 123/45/67'))).toBe(false);
  expect(hasContact('phone:79001234567')(customer(null, '+7 900 12-34 567'))).toBe(false);
  // Vietnam's +84 912 345 678 contains Russia's national 4912345678 but is another number.
  expect(hasContact('phone:74912345678')(customer(null, '+84912345678'))).toBe(false);
});
