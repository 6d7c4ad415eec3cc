/**
 * The CoMagic sandbox's records: the vendor's own example (person 6145241079 with visitors
 * 6152759362 and 6152759377) plus generated persons and visitors of no person. Generation
 * is seeded, so every run serves the same data.
 */
import { createReports, type Reports } from './sandboxReports';
import { COMPANIES, FIRST_NAMES, LAST_NAMES, LINKED_CONTACTS, phoneDigits, random, sandboxContact } from '../../sandbox/random';

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

export interface CoMagicDataset extends Reports {
  /** What `get.account` names as the account's time zone (default SANDBOX_TIME_ZONE): a test's rows are written in it. */
  timeZone?: string;
  /** person_id → its visitors. */
  persons: Map<number, RawPersonVisitor[]>;
  /** Every visitor by id, with or without a person. */
  visitors: Map<number, RawVisitor & { person_id: number | null }>;
}

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
export const FIRST_GENERATED_PERSON_ID = 7_000_000_001;
export const FIRST_GENERATED_VISITOR_ID = 8_000_000_001;

/** `now` (ms since epoch) places the reports' rows: in the weeks before it. */
export function createCoMagicDataset(generatedPersons = 100, bareVisitors = 20, now = Date.now()): CoMagicDataset {
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
        phones: next() < 0.7 ? [`7495${phoneDigits(id % 10_000_000, 7, 4_256_233)}`] : null,
        company: pick(COMPANIES),
        commentary: next() < 0.3 ? 'Asked for a call back' : null,
      });
    }
    // The first LINKED_CONTACTS persons share a contact with a HelpCrunch sandbox customer.
    if (index < LINKED_CONTACTS) {
      const contact = sandboxContact(index);
      rows[0]!.emails = [...(rows[0]!.emails ?? []), contact.email];
      rows[0]!.phones = [...(rows[0]!.phones ?? []), contact.phone];
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
  const firstBareVisitor = visitorId;
  for (let index = 0; index < bareVisitors; index += 1) {
    const id = visitorId++;
    visitors.set(id, { id, person_id: null, name: null, phones: [], emails: [], usernames: [`guest${index}`] });
  }
  const ofReports = new Map(
    [...persons].map(([personId, rows]) => [
      personId,
      rows.map((row) => ({ visitor_id: row.visitor_id, person_id: personId, phones: row.phones ?? [], emails: row.emails ?? [] })),
    ]),
  );
  return { persons, visitors, ...createReports(ofReports, SEED_PERSON_ID, bareVisitors > 0 ? firstBareVisitor : undefined, now) };
}
