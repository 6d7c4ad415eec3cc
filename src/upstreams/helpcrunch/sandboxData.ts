/**
 * The HelpCrunch sandbox's records: the vendor's own example (customer 8737843) plus a few
 * hundred generated ones. Generation is seeded, so every run serves the same data.
 * Generated records use every form the documents allow: timestamps as integers, numeric
 * strings and null, and customData as an object and as `[{property, value}]`.
 */
import { createChatHistory, type ChatHistory } from './sandboxChats';
import { COMPANIES, FIRST_NAMES, LAST_NAMES, LINKED_CONTACTS, phoneDigits, random, sandboxContact, type SandboxCountry } from '../../sandbox/random';

export type RawCustomer = Record<string, unknown> & { id: number };

export interface HelpCrunchDataset extends ChatHistory {
  customers: Map<number, RawCustomer>;
}

export const SEED_CUSTOMER: RawCustomer = {
  id: 8737843,
  name: 'Cindy Mindy',
  email: 'cindy.mindy@example.com',
  userId: 'example_6268',
  company: 'example',
  phone: null,
  firstSeen: 1588927354,
  lastSeen: 1591627673,
  location: { regionCode: 'CA', countryCode: 'US', city: 'San Francisco' },
  device: {
    id: 28883192,
    ip: '192.168.1.1',
    timezone: 'America/Los Angeles',
    platform: 'desktop',
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36',
  },
  unsubscribed: false,
  blocked: false,
  source: 'http://helpcrunch.com/blog/best-live-chat-software/',
  referer: 'https://www.google.com/',
  locale: 'en',
  notes: null,
  lastPage: 'https://example.helpcrunch.com/v2/chats',
  tags: [{ name: 'lead', color: '#00c2e0' }],
  customData: {
    Currency: 'USD',
    'Next payment date': '2020-09-01 00:40:00',
    'Billing info added': true,
    'Number of payments': 35,
    'Subscription status': 'active',
  },
};

export const FIRST_GENERATED_CUSTOMER_ID = 1_000_001;

/**
 * Customers who are also in the CoMagic sandbox: ids from here, one per shared contact
 * (see `sandboxContact`), then those of the CoMagic seed person's visitors.
 */
export const FIRST_LINKED_CUSTOMER_ID = 2_000_001;

/** The CoMagic seed person's visitors, as HelpCrunch customers wrote their contacts down. */
const SEED_PERSON_CUSTOMERS: Array<Partial<RawCustomer>> = [
  { name: 'Test', email: 'Test@1.ry', phone: null },
  { name: 'Qere Four', email: 'qere4@fsdfsd.ry', phone: '+74564565465' },
  { name: 'Tester Abroad', email: null, phone: '+213123123213' },
];

/**
 * How a help-desk agent or a widget wrote the `index`-th shared contact down: the email in
 * another case, or the phone in the way its country writes it, with spaces, brackets, dashes
 * or dots, or as bare digits.
 */
function writtenContact(index: number): Partial<RawCustomer> {
  const { email, phone, country } = sandboxContact(index);
  /** The last digits of the phone, in groups of these sizes. */
  const tail = (...sizes: number[]) => {
    let end = phone.length - sizes.reduce((sum, size) => sum + size, 0);
    return sizes.map((size) => phone.slice(end, (end += size)));
  };
  const written: Record<SandboxCountry, () => string> = {
    RU: () => (index % 10 === 2 ? `8 (900) ${tail(3, 2, 2).join(' ')}` : `+7 900 ${tail(3, 2, 2).join('-')}`),
    US: () => `+1 (555) ${tail(3, 4).join('-')}`,
    UA: () => `+380 44 ${tail(3, 4).join(' ')}`,
    GB: () => `0044 20 ${tail(4, 4).join(' ')}`,
    DE: () => `+49 (0)30 ${tail(4, 4).join(' ')}`,
    FR: () => `+33 1.${tail(2, 2, 2, 2).join('.')}`,
  };
  switch (index % 10) {
    case 0:
      return { email: email.replace('contact', 'Contact').replace('example.com', 'Example.com'), phone: null };
    case 3:
      return { email, phone };
    case 9:
      return { email: null, phone: `+${phone}` };
    default:
      return { email: null, phone: written[country]() };
  }
}

/** The linked customers: each shared contact in one of the ways people write it, and the seed person's. */
function linkedCustomers(): RawCustomer[] {
  const linked = Array.from({ length: LINKED_CONTACTS }, (_, index): Partial<RawCustomer> => ({ name: `Linked Contact ${index}`, ...writtenContact(index) }));
  return [...linked, ...SEED_PERSON_CUSTOMERS].map((fields, index) => ({
    id: FIRST_LINKED_CUSTOMER_ID + index,
    name: null,
    email: null,
    userId: null,
    company: null,
    phone: null,
    firstSeen: 1_650_000_000 + index,
    lastSeen: 1_700_000_000 + index,
    location: null,
    device: null,
    unsubscribed: false,
    blocked: false,
    source: null,
    referer: null,
    locale: 'en',
    notes: null,
    lastPage: null,
    tags: [],
    customData: {},
    ...fields,
  }));
}

const CITIES = [
  { regionCode: 'CA', countryCode: 'US', city: 'San Francisco' },
  { regionCode: '30', countryCode: 'UA', city: 'Kyiv' },
  { regionCode: 'BE', countryCode: 'DE', city: 'Berlin' },
  null,
];

/** `now` (UNIX seconds) places the chats: in the weeks before it. */
export function createHelpCrunchDataset(generated = 300, now = Math.floor(Date.now() / 1000)): HelpCrunchDataset {
  const next = random(2020);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const customers = new Map<number, RawCustomer>([[SEED_CUSTOMER.id, structuredClone(SEED_CUSTOMER)]]);
  for (let index = 0; index < generated; index += 1) {
    const id = FIRST_GENERATED_CUSTOMER_ID + index;
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const firstSeen = 1_600_000_000 + Math.floor(next() * 100_000_000);
    const lastSeen = firstSeen + Math.floor(next() * 10_000_000);
    const form = index % 3;
    customers.set(id, {
      id,
      name: `${first} ${last}`,
      email: `${first}.${last}.${id}@example.com`.toLowerCase(),
      userId: `user_${id}`,
      company: pick(COMPANIES),
      phone: next() < 0.5 ? `+38050${phoneDigits(id % 10_000_000, 7, 7_919_993)}` : null,
      firstSeen: form === 0 ? firstSeen : form === 1 ? String(firstSeen) : null,
      lastSeen: form === 0 ? lastSeen : form === 1 ? String(lastSeen) : null,
      location: pick(CITIES),
      device: { id: 50_000_000 + index, ip: `10.0.${index >> 8}.${index & 255}`, timezone: 'Europe/Kyiv', platform: 'desktop', userAgent: 'Mozilla/5.0' },
      unsubscribed: next() < 0.1,
      blocked: next() < 0.05,
      source: null,
      referer: null,
      locale: pick(['en', 'uk', 'de']),
      notes: null,
      lastPage: `https://example.com/pricing?visit=${index}`,
      // Every tenth is a vip too, drawing no random number: the rest of the data stays as it was.
      tags: [...(next() < 0.5 ? [{ name: 'lead', color: '#00c2e0' }] : []), ...(index % 10 === 3 ? [{ name: 'vip', color: '#f5a623' }] : [])],
      customData:
        index % 2 === 0
          ? { plan: pick(['free', 'pro', 'team']), seats: 1 + Math.floor(next() * 20) }
          : [
              { property: 'plan', value: pick(['free', 'pro', 'team']) },
              { property: 'seats', value: 1 + Math.floor(next() * 20) },
            ],
    });
  }
  for (const customer of linkedCustomers()) customers.set(customer.id, customer);
  const seedPersonCustomerIds = SEED_PERSON_CUSTOMERS.map((_, index) => FIRST_LINKED_CUSTOMER_ID + LINKED_CONTACTS + index);
  return { customers, ...createChatHistory(customers, { seedCustomerId: SEED_CUSTOMER.id, linkedFrom: FIRST_LINKED_CUSTOMER_ID, seedPersonCustomerIds }, now) };
}

