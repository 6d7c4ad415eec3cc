import type { PersonResolvers } from '../generated/resolvers-types';
import { parseId } from './ids';

export const Person: PersonResolvers = {
  __resolveReference: (reference, context) => context.persons.load(parseId(reference.id, 'Person.id')),
  id: (person) => person.id,
  visitors: (person) => person.visitors,
};
