import type { PersonResolvers } from '../generated/resolvers-types';
import { referenceById } from './ids';

// Every field is the domain object's own (src/comagic/person.ts): only the reference needs a resolver.
export const Person: PersonResolvers = {
  __resolveReference: referenceById('Person', (context) => context.persons),
};
