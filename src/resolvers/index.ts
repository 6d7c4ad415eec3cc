import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types';
import { Customer } from './Customer';
import { Person } from './Person';
import { Query } from './Query';
import { Visitor } from './Visitor';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
  Query,
  Customer,
  Person,
  Visitor,
};
