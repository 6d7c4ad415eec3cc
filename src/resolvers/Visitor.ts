import type { VisitorResolvers } from '../generated/resolvers-types';
import { parseId } from './ids';

export const Visitor: VisitorResolvers = {
  __resolveReference: (reference, context) => context.visitors.load(parseId(reference.id, 'Visitor.id')),
  id: (visitor) => visitor.visitor_id,
  // The person was loaded to find this visitor, so within a request this costs no call.
  person: (visitor, _, context) => (visitor.person_id === null ? null : context.persons.load(visitor.person_id)),
};
