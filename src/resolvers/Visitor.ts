import type { VisitorResolvers } from '../generated/resolvers-types';
import { referenceById } from './ids';

export const Visitor: VisitorResolvers = {
  __resolveReference: referenceById('Visitor', (context) => context.visitors),
  id: (visitor) => visitor.visitor_id,
  // The person was loaded to find this visitor, so within a request this costs no call.
  person: (visitor, _, context) => (visitor.person_id === null ? null : context.persons.load(visitor.person_id)),
};
