import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context';
import { contactKeys } from '../../contacts';
import type { CustomerResolvers, PersonResolvers, TimelineItemResolvers, TimelineSource } from '../../generated/resolvers-types';
import { idKey, keysetPage, pageRequest, timeOf, type KeysetOptions } from '../../graphql/connection';
import { historyBriefly } from '../../graphql/lookups';
import { loadAll } from '../../loaders/cachedBatch';
import { TYPENAME_OF_KIND, type Communication } from '../../upstreams/comagic/communication';
import { ALL_KINDS } from '../../upstreams/comagic/communicationPages';
import type { TimeRange } from '../../upstreams/comagic/history';
import { historyKey, type HistoryOwner } from '../../upstreams/comagic/historyLoaders';
import type { CoMagicLoaders } from '../../upstreams/comagic/loaders';
import type { HelpCrunchLoaders } from '../../upstreams/helpcrunch/loaders';
import { customersOfContacts } from '../contacts/customers';
import type { TimelineEdge, TimelinePage } from './timeline';

/** What the timeline's resolvers are handed: a request's context with both upstreams' loaders. */
type TimelineContext = Context & HelpCrunchLoaders & CoMagicLoaders;

/**
 * One card of a contact's history: both upstreams' items merged by time, newest first. Each
 * source is one part: one that fails leaves its items out, and says so, while the other's stand.
 */
export const Person: PersonResolvers<TimelineContext> = {
  timeline: (person, args, context, info) => {
    const emails = person.visitors.flatMap((visitor) => visitor.emails);
    const phones = person.visitors.flatMap((visitor) => visitor.phones);
    return timelineOf(args, context, info, {
      COMAGIC: (range) => communicationsOf(context, range, [{ person: Number(person.id) }]),
      HELPCRUNCH: async (range) => {
        // The person's customers, as `Person.customers` finds them (CoMagic gives international digits).
        const { customers } = await customersOfContacts(contactKeys(emails, phones, 'international'), context.customersByContact);
        return chatsOf(context, range, customers.map((customer) => Number(customer.id)));
      },
    });
  },
};

export const Customer: CustomerResolvers<TimelineContext> = {
  timeline: (customer, args, context, info) =>
    timelineOf(args, context, info, {
      HELPCRUNCH: (range) => chatsOf(context, range, [Number(customer.id)]),
      // HelpCrunch keeps a phone as written: it is read in its national forms.
      COMAGIC: (range) => communicationsOf(context, range, contactKeys(customer.email ? [customer.email] : [], customer.phone ? [customer.phone] : [], 'written').map((contact) => ({ contact }))),
    }),
};

export const TimelineItem: TimelineItemResolvers<TimelineContext> = {
  __resolveType: (item) => ('kind' in item ? TYPENAME_OF_KIND[item.kind] : 'Chat'),
};

const TIMELINE_PAGES: KeysetOptions<TimelineEdge> = {
  name: 'timeline',
  maxFirst: 100,
  positionOf: (edge) => [timeOf(edge.at), `${edge.source}:${'kind' in edge.node ? edge.node.kind : 'CHAT'}:${idKey(edge.node.id)}`],
};

type Part = (range: TimeRange) => Promise<TimelineEdge[]>;

async function timelineOf(
  args: { first?: number | null; after?: string | null; from?: Date | string | null; to?: Date | string | null },
  context: TimelineContext,
  info: GraphQLResolveInfo,
  parts: Record<TimelineSource, Part>,
): Promise<TimelinePage> {
  // Every mistake in the arguments is refused here, before any call.
  const range = context.reportRange(args);
  pageRequest(args, TIMELINE_PAGES);
  const missingSources: TimelineSource[] = [];
  const answered = await Promise.all(
    (Object.entries(parts) as Array<[TimelineSource, Part]>).map(async ([source, part]) => {
      try {
        return await part(range);
      } catch (error) {
        missingSources.push(source);
        context.partial.record(info, error instanceof Error ? error : new Error(String(error)));
        return [];
      }
    }),
  );
  historyBriefly(context, info);
  const page = keysetPage(answered.flat(), args, TIMELINE_PAGES);
  return { ...page, edges: page.edges.map(({ cursor, node }) => ({ cursor, ...node })), missingSources: missingSources.sort() };
}

/** The communications of these owners in the range, of every kind, each once. */
async function communicationsOf(context: TimelineContext, range: TimeRange, owners: HistoryOwner[]): Promise<TimelineEdge[]> {
  const lists = await loadAll(context.communications, owners.flatMap((owner) => ALL_KINDS.map((kind) => historyKey(kind, range, owner))));
  // A contact's email and phone may find the same offline message.
  const unique = new Map<string, Communication>();
  for (const item of lists.flat()) unique.set(`${item.kind}:${item.id}`, item);
  return [...unique.values()].map((node) => ({ at: node.at, source: 'COMAGIC', node }));
}

/** The chats of these customers created in the range. */
async function chatsOf(context: TimelineContext, { from, to }: TimeRange, customerIds: number[]): Promise<TimelineEdge[]> {
  const lists = await loadAll(context.chatsOfCustomer, customerIds);
  return lists
    .flat()
    .filter((chat) => chat.createdAt !== null && Date.parse(chat.createdAt) >= from && Date.parse(chat.createdAt) < to)
    .map((node) => ({ at: node.createdAt!, source: 'HELPCRUNCH', node }));
}
