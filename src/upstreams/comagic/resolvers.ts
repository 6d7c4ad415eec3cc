import type { Context } from '../../context';
import type { PersonResolvers, QueryResolvers, VisitorResolvers } from '../../generated/resolvers-types';
import { notFoundBriefly, parseId, referenceById } from '../../graphql/lookups';
import type { PersonLoaders } from './loaders';

/** What CoMagic's resolvers are handed: a request's context with its loaders. */
type CoMagicContext = Context & PersonLoaders;

export const Query: QueryResolvers<CoMagicContext> = {
  person: (_, { id }, context, info) => notFoundBriefly(context.persons.load(parseId(id, 'id')), context, info),
  visitor: (_, { id }, context, info) => notFoundBriefly(context.visitors.load(parseId(id, 'id')), context, info),
};

// Every field is the domain object's own (person.ts): only the reference needs a resolver.
export const Person: PersonResolvers<CoMagicContext> = {
  __resolveReference: referenceById('Person', (context) => context.persons),
};

// The other fields are the domain object's own (person.ts).
export const Visitor: VisitorResolvers<CoMagicContext> = {
  __resolveReference: referenceById('Visitor', (context) => context.visitors),
  // The person was loaded to find this visitor, so within a request this costs no call.
  person: (visitor, _, context) => (visitor.personId === null ? null : context.persons.load(visitor.personId)),
};
