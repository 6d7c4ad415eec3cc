import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types';
import * as comagic from '../upstreams/comagic/resolvers';
import * as helpcrunch from '../upstreams/helpcrunch/resolvers';

/** Every upstream's resolvers, with the shared scalars; each folder resolves its own types and root fields. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
  Query: { ...helpcrunch.Query, ...comagic.Query },
  Customer: helpcrunch.Customer,
  Person: comagic.Person,
  Visitor: comagic.Visitor,
};
