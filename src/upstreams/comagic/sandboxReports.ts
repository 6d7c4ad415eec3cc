/**
 * The CoMagic sandbox's reports: calls, chats and offline messages of the seed person, of the
 * generated persons (those linked to HelpCrunch customers among them) and of a visitor of no
 * person who left the HelpCrunch seed customer's email. Their times are in the weeks before
 * the sandbox starts, written as the Data API writes them: `YYYY-MM-DD hh:mm:ss` in the
 * account's time zone. The rest is seeded, so every run serves the same rows.
 */
import { random } from '../../sandbox/random';
import { localTimeOf } from './time';

export type ReportRow = Record<string, unknown> & { id: number };

export interface Reports {
  calls: ReportRow[];
  chats: ReportRow[];
  offlineMessages: ReportRow[];
}

/** The time zone the sandbox account keeps its times in: the server's default. */
export const SANDBOX_TIME_ZONE = 'Europe/Moscow';
/** The HelpCrunch seed customer's email: a visitor of no person left it in an offline message. */
export const SEED_CUSTOMER_EMAIL = 'cindy.mindy@example.com';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const EMPLOYEES = [
  { employee_id: 301, employee_full_name: 'Анна Петрова' },
  { employee_id: 302, employee_full_name: 'Игорь Смирнов' },
];

export interface ReportVisitor {
  visitor_id: number;
  person_id: number | null;
  phones: string[];
  emails: string[];
}

/**
 * The reports of `persons` (person id → its visitors) and of the first visitor of no person,
 * as of `now` (ms). The seed person has a call of every kind, a chat and an offline message,
 * and one call 120 days back, beyond the default 90 days.
 */
export function createReports(persons: ReadonlyMap<number, ReportVisitor[]>, seedPersonId: number, bareVisitorId: number | undefined, now: number): Reports {
  const next = random(6145241);
  const reports: Reports = { calls: [], chats: [], offlineMessages: [] };
  let communicationId = 600_000_001;
  let callId = 900_000_001;
  let chatId = 800_000_001;
  let messageId = 700_000_001;
  const start = Math.floor(now / MINUTE) * MINUTE;
  const time = (ms: number) => localTimeOf(ms, SANDBOX_TIME_ZONE);
  const common = (visitor: ReportVisitor) => ({
    communication_id: communicationId++,
    visitor_id: visitor.visitor_id,
    person_id: visitor.person_id,
    site_domain_name: 'example.com',
  });

  const call = (visitor: ReportVisitor, at: number, fields: { direction: 'in' | 'out'; lost: boolean; talk: number; phone?: string }) => {
    const wait = fields.direction === 'in' ? 5 + Math.floor(next() * 25) : 0;
    const employee = EMPLOYEES[Math.floor(next() * EMPLOYEES.length)]!;
    reports.calls.push({
      id: callId++,
      ...common(visitor),
      start_time: time(at),
      finish_time: time(at + (wait + fields.talk) * 1000),
      direction: fields.direction,
      is_lost: fields.lost,
      contact_phone_number: fields.phone ?? visitor.phones[0] ?? null,
      virtual_phone_number: '74951234567',
      wait_duration: wait,
      talk_duration: fields.lost ? 0 : fields.talk,
      total_duration: wait + (fields.lost ? 0 : fields.talk),
      employees: fields.lost ? [] : [{ ...employee, is_answered: true }],
    });
  };
  const chat = (visitor: ReportVisitor, at: number, status: string) => {
    const employee = EMPLOYEES[Math.floor(next() * EMPLOYEES.length)]!;
    reports.chats.push({
      id: chatId++,
      ...common(visitor),
      date_time: time(at),
      status,
      initiator: 'visitor',
      // Typed a string in the documents.
      duration: String(60 + Math.floor(next() * 900)),
      answer_time: status === 'lost' ? null : 5 + Math.floor(next() * 60),
      chat_channel_type: next() < 0.7 ? 'comagic' : 'telegram',
      messages_count: status === 'lost' ? 1 : 3 + Math.floor(next() * 12),
      employee_id: status === 'lost' ? null : employee.employee_id,
      employee_full_name: status === 'lost' ? null : employee.employee_full_name,
      // A number in the documents.
      visitor_phone_number: visitor.phones[0] === undefined ? null : Number(visitor.phones[0]),
    });
  };
  const offlineMessage = (visitor: ReportVisitor, at: number, text: string, email = visitor.emails[0] ?? null) => {
    reports.offlineMessages.push({
      id: messageId++,
      ...common(visitor),
      date_time: time(at),
      text,
      status: next() < 0.7 ? 'processed' : 'not_processed',
      form_name: 'Обратный звонок',
      visitor_name: null,
      visitor_email: email,
      visitor_phone_number: visitor.phones[0] === undefined ? null : Number(visitor.phones[0]),
      employee_id: EMPLOYEES[0]!.employee_id,
      employee_full_name: EMPLOYEES[0]!.employee_full_name,
    });
  };

  const seed = persons.get(seedPersonId);
  if (seed && seed.length >= 2) {
    const [first, second] = seed as [ReportVisitor, ReportVisitor];
    call(second, start - 3 * DAY - 2 * HOUR, { direction: 'in', lost: false, talk: 185, phone: '74564565465' });
    call(first, start - 1 * DAY - 5 * HOUR, { direction: 'out', lost: false, talk: 95, phone: '213123123213' });
    call(first, start - 10 * DAY, { direction: 'in', lost: true, talk: 0, phone: '43534534543' });
    call(first, start - 120 * DAY, { direction: 'in', lost: false, talk: 60, phone: '213123123213' });
    chat(first, start - 2 * DAY - 3 * HOUR, 'succeed');
    offlineMessage(second, start - 6 * DAY, 'Перезвоните мне, пожалуйста');
  }

  for (const [personId, visitors] of persons) {
    if (personId === seedPersonId) continue;
    const count = Math.floor(next() * 4);
    for (let index = 0; index < count; index += 1) {
      const visitor = visitors[Math.floor(next() * visitors.length)]!;
      const at = start - Math.floor((next() * 60 * DAY) / MINUTE) * MINUTE;
      const kind = next();
      if (kind < 0.6) call(visitor, at, { direction: next() < 0.7 ? 'in' : 'out', lost: next() < 0.2, talk: 30 + Math.floor(next() * 600) });
      else if (kind < 0.85) chat(visitor, at, (['succeed', 'succeed', 'lost', 'refused'] as const)[Math.floor(next() * 4)]!);
      else offlineMessage(visitor, at, 'Please call me back.');
    }
  }

  if (bareVisitorId !== undefined) {
    offlineMessage({ visitor_id: bareVisitorId, person_id: null, phones: [], emails: [] }, start - 4 * DAY, 'Do you offer an annual plan?', SEED_CUSTOMER_EMAIL);
  }
  return reports;
}
