import type { CoMagicDataset } from '../../src/upstreams/comagic/sandboxData';
import type { RawChat } from '../../src/upstreams/helpcrunch/sandboxChats';
import type { HelpCrunchDataset } from '../../src/upstreams/helpcrunch/sandboxData';
import { SANDBOX_TIME_ZONE, type ReportRow } from '../../src/upstreams/comagic/sandboxReports';
import { localTimeOf } from '../../src/upstreams/comagic/time';
import { comagicCalls, type Upstreams } from './harness';

let nextRowId = 950_000_000;

/** A report row at `at` (ms), of this visitor and person, its time in the field its report keeps it in, as the sandbox account writes it. */
export function reportRow(at: number, visitorId: number, personId: number | null, timeField: 'start_time' | 'date_time', fields: Record<string, unknown> = {}): ReportRow {
  const id = nextRowId++;
  return { id, communication_id: id, [timeField]: localTimeOf(at, SANDBOX_TIME_ZONE), visitor_id: visitorId, person_id: personId, site_domain_name: 'example.com', ...fields };
}

/** A person of these visitors, known by both its person and its visitors, as the sandbox answers them. */
export function addPerson(data: CoMagicDataset, personId: number, visitors: Array<{ id: number; emails?: string[]; phones?: string[] }>): void {
  data.persons.set(
    personId,
    visitors.map(({ id, emails = [], phones = [] }) => ({ person_id: personId, visitor_id: id, name: null, emails, phones, company: null, commentary: null })),
  );
  for (const { id, emails = [], phones = [] } of visitors) data.visitors.set(id, { id, person_id: personId, name: null, emails, phones, usernames: [] });
}

/** The report methods the CoMagic fake was called with. */
export function reportCalls(upstreams: Upstreams): string[] {
  return comagicCalls(upstreams).filter((method) => method.endsWith('_report'));
}

let nextChatId = 6_000_000;

/** A chat of this customer of the dataset, created at `createdAt` (UNIX seconds), with no messages yet; `fields` may name its id. */
export function addChat(dataset: HelpCrunchDataset, customerId: number, createdAt: number, fields: Record<string, unknown> = {}): RawChat {
  const owner = dataset.customers.get(customerId)!;
  const chat: RawChat = {
    id: fields.id === undefined ? nextChatId++ : (fields.id as number),
    status: 'opened',
    createdAt,
    closedAt: null,
    rating: null,
    assignee: null,
    department: null,
    ...fields,
    customer: { id: customerId, name: owner.name, email: owner.email, userId: null },
  };
  dataset.chats.set(chat.id, chat);
  dataset.messages.set(chat.id, []);
  return chat;
}
