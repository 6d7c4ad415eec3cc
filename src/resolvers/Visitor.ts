import type { VisitorResolvers } from '../generated/resolvers-types';
import { referenceById } from './ids';

// The other fields are the domain object's own (src/comagic/person.ts).
export const Visitor: VisitorResolvers = {
  __resolveReference: referenceById('Visitor', (context) => context.visitors),
  // The person was loaded to find this visitor, so within a request this costs no call.
  person: (visitor, _, context) => (visitor.personId === null ? null : context.persons.load(visitor.personId)),
};
