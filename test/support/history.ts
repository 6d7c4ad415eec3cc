import type { CoMagicDataset } from '../../src/upstreams/comagic/sandboxData';
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
