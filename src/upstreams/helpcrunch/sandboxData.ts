/**
 * The HelpCrunch sandbox's records: the vendor's own example (customer 8737843) plus a few
 * hundred generated ones. Generation is seeded, so every run serves the same data.
 * Generated records use every form the documents allow: timestamps as integers, numeric
 * strings and null, and customData as an object and as `[{property, value}]`.
 */
import { COMPANIES, FIRST_NAMES, LAST_NAMES, random } from '../../sandbox/random';

export type RawCustomer = Record<string, unknown> & { id: number };

export interface HelpCrunchDataset {
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

const CITIES = [
  { regionCode: 'CA', countryCode: 'US', city: 'San Francisco' },
  { regionCode: '30', countryCode: 'UA', city: 'Kyiv' },
  { regionCode: 'BE', countryCode: 'DE', city: 'Berlin' },
  null,
];

export function createHelpCrunchDataset(generated = 300): HelpCrunchDataset {
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
      phone: next() < 0.5 ? `+38050${String(id).slice(-7)}` : null,
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
      tags: next() < 0.5 ? [{ name: 'lead', color: '#00c2e0' }] : [],
      customData:
        index % 2 === 0
          ? { plan: pick(['free', 'pro', 'team']), seats: 1 + Math.floor(next() * 20) }
          : [
              { property: 'plan', value: pick(['free', 'pro', 'team']) },
              { property: 'seats', value: 1 + Math.floor(next() * 20) },
            ],
    });
  }
  return { customers };
}

