import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context';
import type {
  CallResolvers,
  CommunicationResolvers,
  OfflineMessageResolvers,
  PersonCommunicationsArgs,
  PersonResolvers,
  QueryResolvers,
  VisitorChatResolvers,
  VisitorResolvers,
} from '../../generated/resolvers-types';
import { keysetPage, pageRequest, type Connection } from '../../graphql/connection';
import { historyBriefly, notFoundBriefly, parseId, referenceById } from '../../graphql/lookups';
import { loadAll } from '../../loaders/cachedBatch';
import { TYPENAME_OF_KIND } from './communication';
import type * as Domain from './communication';
import { COMMUNICATION_PAGES, kindsOf } from './communicationPages';
import { historyKey, type HistoryOwner } from './historyLoaders';
import type { CoMagicLoaders } from './loaders';

/** What CoMagic's resolvers are handed: a request's context with its loaders. */
type CoMagicContext = Context & CoMagicLoaders;

export const Query: QueryResolvers<CoMagicContext> = {
  person: (_, { id }, context, info) => notFoundBriefly(context.persons.load(parseId(id, 'id')), context, info),
  visitor: (_, { id }, context, info) => notFoundBriefly(context.visitors.load(parseId(id, 'id')), context, info),
};

// The other fields are the domain object's own (person.ts).
export const Person: PersonResolvers<CoMagicContext> = {
  __resolveReference: referenceById('Person', (context) => context.persons),
  communications: (person, args, context, info) => communicationsOf({ person: Number(person.id) }, args, context, info),
};

// The other fields are the domain object's own (person.ts).
export const Visitor: VisitorResolvers<CoMagicContext> = {
  __resolveReference: referenceById('Visitor', (context) => context.visitors),
  // The person was loaded to find this visitor, so within a request this costs no call.
  person: (visitor, _, context) => (visitor.personId === null ? null : context.persons.load(visitor.personId)),
  communications: (visitor, args, context, info) => communicationsOf({ visitor: Number(visitor.id) }, args, context, info),
};

export const Communication: CommunicationResolvers<CoMagicContext> = {
  __resolveType: (communication) => TYPENAME_OF_KIND[communication.kind],
};

/** A communication's visitor; loading it costs a call only when a client asks for it. */
const visitorOf = (communication: Domain.Communication, _: unknown, context: CoMagicContext) =>
  communication.visitorId === null ? null : context.visitors.load(communication.visitorId);

export const Call: CallResolvers<CoMagicContext> = { visitor: visitorOf };
export const VisitorChat: VisitorChatResolvers<CoMagicContext> = { visitor: visitorOf };
export const OfflineMessage: OfflineMessageResolvers<CoMagicContext> = { visitor: visitorOf };

async function communicationsOf(
  owner: HistoryOwner,
  args: PersonCommunicationsArgs,
  context: CoMagicContext,
  info: GraphQLResolveInfo,
): Promise<Connection<Domain.Communication>> {
  // Every mistake in the arguments is refused here, before any call.
  const kinds = kindsOf(args.kinds);
  const range = context.reportRange(args);
  pageRequest(args, COMMUNICATION_PAGES);
  const lists = await loadAll(context.communications, kinds.map((kind) => historyKey(kind, range, owner)));
  historyBriefly(context, info);
  return keysetPage(lists.flat(), args, COMMUNICATION_PAGES);
}
