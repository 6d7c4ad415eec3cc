/**
 * The sandbox's records: the vendors' own examples (HelpCrunch customer 8737843; CoMagic
 * person 6145241079 with visitors 6152759362 and 6152759377) plus a few hundred generated
 * ones. Generation is seeded, so every run serves the same data. Generated records use
 * every form the documents allow: timestamps as integers, numeric strings and null, and
 * customData as an object and as `[{property, value}]`.
 */

export type RawCustomer = Record<string, unknown> & { id: number };

export interface RawPersonVisitor {
  person_id: number;
  visitor_id: number;
  name: string | null;
  emails: string[] | null;
  phones: string[] | null;
  company: string | null;
  commentary: string | null;
}

export interface RawVisitor {
  id: number;
  name: string | null;
  phones: string[];
  emails: string[];
  usernames: string[];
}

export interface HelpCrunchDataset {
  customers: Map<number, RawCustomer>;
}

export interface CoMagicDataset {
  /** person_id → its visitors. */
  persons: Map<number, RawPersonVisitor[]>;
  /** Every visitor by id, with or without a person. */
  visitors: Map<number, RawVisitor & { person_id: number | null }>;
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

export const SEED_PERSON_ID = 6145241079;

export const SEED_PERSON_VISITORS: RawPersonVisitor[] = [
  {
    name: 'Тест',
    emails: ['test@1.ry', 'test@2.ru'],
    phones: ['213123123213', '43534534543'],
    company: 'ООО Ромашка',
    person_id: 6145241079,
    commentary: 'Какойто комментарий',
    visitor_id: 6152759362,
  },
  {
    name: '346356',
    emails: ['qere4@fsdfsd.ry'],
    phones: ['213123123213', '74564565465'],
    company: null,
    person_id: 6145241079,
    commentary: null,
    visitor_id: 6152759377,
  },
];

/** Generated ids start here, so they never collide with the seeds. */
export const FIRST_GENERATED_CUSTOMER_ID = 1_000_001;
export const FIRST_GENERATED_PERSON_ID = 7_000_000_001;
export const FIRST_GENERATED_VISITOR_ID = 8_000_000_001;

const FIRST_NAMES = ['Olena', 'Taras', 'Anna', 'Ivan', 'Maria', 'Petro', 'Sofia', 'Dmytro', 'Iryna', 'Andrii'];
const LAST_NAMES = ['Koval', 'Shevchenko', 'Bondar', 'Tkachenko', 'Melnyk', 'Kravets', 'Oliinyk', 'Lysenko'];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', null];
const CITIES = [
  { regionCode: 'CA', countryCode: 'US', city: 'San Francisco' },
  { regionCode: '30', countryCode: 'UA', city: 'Kyiv' },
  { regionCode: 'BE', countryCode: 'DE', city: 'Berlin' },
  null,
];

/** mulberry32: small, fast and good enough to make test data repeatable. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

export function createCoMagicDataset(generatedPersons = 100, bareVisitors = 20): CoMagicDataset {
  const next = random(1979);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const persons = new Map<number, RawPersonVisitor[]>([[SEED_PERSON_ID, structuredClone(SEED_PERSON_VISITORS)]]);
  let visitorId = FIRST_GENERATED_VISITOR_ID;
  for (let index = 0; index < generatedPersons; index += 1) {
    const personId = FIRST_GENERATED_PERSON_ID + index;
    const name = `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`;
    const count = 1 + Math.floor(next() * 4);
    const rows: RawPersonVisitor[] = [];
    for (let v = 0; v < count; v += 1) {
      const id = visitorId++;
      rows.push({
        person_id: personId,
        visitor_id: id,
        name: next() < 0.8 ? name : null,
        emails: next() < 0.7 ? [`visitor${id}@example.com`] : [],
        phones: next() < 0.7 ? [`7495${String(id).slice(-7)}`] : null,
        company: pick(COMPANIES),
        commentary: next() < 0.3 ? 'Asked for a call back' : null,
      });
    }
    persons.set(personId, rows);
  }

  const visitors: CoMagicDataset['visitors'] = new Map();
  for (const rows of persons.values()) {
    for (const row of rows) {
      visitors.set(row.visitor_id, {
        id: row.visitor_id,
        person_id: row.person_id,
        name: row.name,
        phones: row.phones ?? [],
        emails: row.emails ?? [],
        usernames: [],
      });
    }
  }
  for (let index = 0; index < bareVisitors; index += 1) {
    const id = visitorId++;
    visitors.set(id, { id, person_id: null, name: null, phones: [], emails: [], usernames: [`guest${index}`] });
  }
  return { persons, visitors };
}
