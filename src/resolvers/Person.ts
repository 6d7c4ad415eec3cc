import type { PersonResolvers } from '../generated/resolvers-types';
import { referenceById } from './ids';

export const Person: PersonResolvers = {
  __resolveReference: referenceById('Person', (context) => context.persons),
  id: (person) => person.id,
  visitors: (person) => person.visitors,
};
