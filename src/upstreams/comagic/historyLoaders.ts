import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import type { EntityCache } from '../../cache/entityCache';
import { CONTACT_RULES, emailKey, phoneKey, type ContactKey } from '../../contacts';
import { refusedOwnRequest } from '../../errors';
import { asError, cachedListBatch, chunksOf, inHalves, type LoaderRequest, type Outcome } from '../../loaders/cachedBatch';
import type { CoMagicClient } from './client';
import { COMMUNICATION_SHAPE, type Communication, type CommunicationKind } from './communication';
import { windowsOf, type TimeRange } from './history';
import { localTimeOf } from './time';
import type { ReportFilter } from './wire';

/** Whose communications: a person's, a visitor's (by CoMagic id), or a contact's (by email or phone). */
export type HistoryOwner = { person: number } | { visitor: number } | { contact: ContactKey };

/** One owner's communications of one kind over one range: `<kind>|<from>|<to>|<owner>|<id>`. */
export type HistoryKey = `${CommunicationKind}|${number}|${number}|${'person' | 'visitor' | 'contact'}|${string}`;

export function historyKey(kind: CommunicationKind, { from, to }: TimeRange, owner: HistoryOwner): HistoryKey {
  if ('person' in owner) return `${kind}|${from}|${to}|person|${owner.person}`;
  if ('visitor' in owner) return `${kind}|${from}|${to}|visitor|${owner.visitor}`;
  return `${kind}|${from}|${to}|contact|${owner.contact}`;
}

export interface HistoryLoaders {
  /** Communications by `historyKey`: every owner of one kind and range shares one report call per 90 days. */
  communications: DataLoader<HistoryKey, Communication[]>;
}

/**
 * How each report is read newest first, where it can be sorted by time: past MAX_ROWS_A_CALL,
 * an owner keeps its newest. (An offline message's time cannot be sorted on.)
 */
const NEWEST_FIRST: Partial<Record<CommunicationKind, { field: string; order: 'desc' }>> = {
  CALL: { field: 'start_time', order: 'desc' },
  CHAT: { field: 'date_time', order: 'desc' },
};

/** The most owners one report call filters on. */
const OWNERS_A_CALL = 100;
/** Rows a report page holds (the Data API allows up to 10,000). */
const REPORT_PAGE_SIZE = 1_000;
/** The most rows read for the owners of one call: more, and they are read again in halves; one owner keeps this many. */
const MAX_ROWS_A_CALL = 10 * REPORT_PAGE_SIZE;

/**
 * The communications loader of one request: a batch is grouped by kind, range and owner type,
 * and each group is one report call per 100 owners and 90 days, its filter OR-ing one
 * condition an owner; rows are given to their owners here, never by position.
 */
export function createHistoryLoaders(client: CoMagicClient, cache: EntityCache, scope: string, request: LoaderRequest): HistoryLoaders {
  const communications = new DataLoader<HistoryKey, Communication[]>((keys) =>
    cachedListBatch<Communication, HistoryKey>({
      loader: 'communications',
      service: 'comagic',
      cache,
      request,
      ids: keys,
      // A contact is in the key only as a digest: the store's keys hold no one's email or phone.
      keyFor: (key) =>
        key.includes('|contact|')
          ? `${scope}:history:v${COMMUNICATION_SHAPE}.${CONTACT_RULES}:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`
          : `${scope}:history:v${COMMUNICATION_SHAPE}:${key}`,
      foundTtlSeconds: () => cache.ttl.historySeconds,
      fetchMissing: (missing) => fetchHistory(client, missing, request),
    }),
  );
  return { communications };
}

interface Group {
  kind: CommunicationKind;
  range: TimeRange;
  owner: 'person' | 'visitor' | 'contact';
  ids: string[];
}

async function fetchHistory(client: CoMagicClient, keys: HistoryKey[], request: LoaderRequest): Promise<Map<HistoryKey, Outcome<Communication[]>>> {
  const groups = new Map<string, Group>();
  for (const key of keys) {
    // An email may hold a `|`: the id is all that follows the fourth.
    const [kind, from, to, owner, ...rest] = key.split('|') as [CommunicationKind, string, string, Group['owner'], ...string[]];
    const id = rest.join('|');
    const name = `${kind}|${from}|${to}|${owner}`;
    const group = groups.get(name) ?? { kind, range: { from: Number(from), to: Number(to) }, owner, ids: [] };
    group.ids.push(id);
    groups.set(name, group);
  }
  const results = new Map<HistoryKey, Outcome<Communication[]>>();
  await Promise.all(
    [...groups.entries()].map(async ([name, group]) => {
      const keyOf = (id: string) => `${name}|${id}` as HistoryKey;
      try {
        const byOwner = await groupHistory(client, group, request);
        for (const id of group.ids) results.set(keyOf(id), byOwner.get(id) ?? []);
      } catch (error) {
        for (const id of group.ids) results.set(keyOf(id), asError(error));
      }
    }),
  );
  return results;
}

/** One group's communications by owner id: its owners in calls of 100, each over every 90-day window. */
async function groupHistory(client: CoMagicClient, group: Group, request: LoaderRequest): Promise<Map<string, Communication[]>> {
  const timeZone = await client.timeZone(request.call);
  const byOwner = new Map<string, Map<string, Communication>>(group.ids.map((id) => [id, new Map()]));
  const windows = windowsOf(group.range, timeZone);
  await Promise.all(
    chunksOf(group.ids, OWNERS_A_CALL).flatMap((owners) => windows.map((window) => readOwners(client, group, owners, window, timeZone, request, byOwner))),
  );
  const { from, to } = group.range;
  return new Map(
    [...byOwner].map(([id, found]) => [
      id,
      [...found.values()].filter((item) => {
        const at = Date.parse(item.at);
        return at >= from && at < to;
      }),
    ]),
  );
}

/**
 * The rows of these owners in one window, page after page; when more match than one call
 * reads, the owners are read again in halves.
 */
async function readOwners(
  client: CoMagicClient,
  group: Group,
  owners: string[],
  window: TimeRange,
  timeZone: string,
  request: LoaderRequest,
  into: Map<string, Map<string, Communication>>,
): Promise<void> {
  const filter = filterOf(group, owners);
  // An owner with nothing to filter this report on (an email, for calls) has none of it.
  if (filter === undefined) return;
  const rows: Communication[] = [];
  for (let offset = 0; offset < MAX_ROWS_A_CALL; offset += REPORT_PAGE_SIZE) {
    const params = {
      date_from: localTimeOf(window.from, timeZone),
      date_till: localTimeOf(window.to, timeZone),
      filter,
      ...(NEWEST_FIRST[group.kind] ? { sort: [NEWEST_FIRST[group.kind]!] } : {}),
      limit: REPORT_PAGE_SIZE,
      offset,
    };
    const { communications, total } = await client.report(group.kind, params, request.call).catch((error: unknown) => {
      throw refusedOwnRequest(error, 'CoMagic refused the report');
    });
    if (offset === 0 && total !== undefined && total > MAX_ROWS_A_CALL && owners.length > 1) {
      await inHalves(owners, (part) => readOwners(client, group, part, window, timeZone, request, into));
      return;
    }
    rows.push(...communications);
    if (communications.length < REPORT_PAGE_SIZE || (total !== undefined && offset + communications.length >= total)) break;
  }
  const wanted = new Set(owners);
  for (const row of rows) {
    for (const owner of ownersOf(group, row)) if (wanted.has(owner)) into.get(owner)?.set(row.id, row);
  }
}

/** The report's filter for these owners: one condition each (two for a contact's email and phone where the report has both), OR-ed. */
function filterOf(group: Group, owners: string[]): ReportFilter | undefined {
  const conditions = owners.flatMap((owner): ReportFilter[] => {
    if (group.owner === 'person') return [{ field: 'person_id', operator: '=', value: Number(owner) }];
    if (group.owner === 'visitor') return [{ field: 'visitor_id', operator: '=', value: Number(owner) }];
    return contactConditions(group.kind, owner as ContactKey);
  });
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : { filters: conditions, condition: 'or' };
}

/**
 * What each report can find a contact by: a call by `contact_phone_number` (a string of
 * digits), a chat by `visitor_phone_number` (a number), an offline message by that or by
 * `visitor_email`. CoMagic's `=` compares as written, and a contact's email is kept in lower
 * case: an email CoMagic holds in capitals is not found this way.
 */
function contactConditions(kind: CommunicationKind, contact: ContactKey): ReportFilter[] {
  const [type, value] = contact.split(/:(.*)/s) as ['email' | 'phone', string];
  if (type === 'phone') return [{ field: kind === 'CALL' ? 'contact_phone_number' : 'visitor_phone_number', operator: '=', value: kind === 'CALL' ? value : Number(value) }];
  return kind === 'OFFLINE_MESSAGE' ? [{ field: 'visitor_email', operator: '=', value }] : [];
}

/** The owners a row belongs to, as the keys of its group are written. */
function ownersOf(group: Group, row: Communication): string[] {
  if (group.owner === 'person') return row.personId === null ? [] : [String(row.personId)];
  if (group.owner === 'visitor') return row.visitorId === null ? [] : [String(row.visitorId)];
  const phone = row.kind === 'CALL' ? row.contactPhoneNumber : row.visitorPhoneNumber;
  const email = row.kind === 'OFFLINE_MESSAGE' ? row.visitorEmail : null;
  return [phone === null ? undefined : phoneKey(phone, 'international'), email === null ? undefined : emailKey(email)].filter((key): key is ContactKey => key !== undefined);
}
