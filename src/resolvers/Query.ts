import { cacheControlFromInfo } from '@apollo/cache-control-types';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { QueryResolvers } from '../generated/resolvers-types';
import { SEARCH_PAGE_SIZE } from '../helpcrunch/client';
import type { Context } from '../context';
import type { CustomerModel } from './mappers';
import { parseId } from './ids';

export const Query: QueryResolvers = {
  customer: (_, { id }, context, info) => shortTtlIfNull(context.customers.load(parseId(id, 'id')), context, info),

  customers: (_, { ids }, context, info) => {
    if (ids.length > SEARCH_PAGE_SIZE) {
      throw new GraphQLError(`customers takes at most ${SEARCH_PAGE_SIZE} ids, got ${ids.length}`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    // Every id is checked before the first one is loaded: one bad id costs no upstream call.
    const parsed = ids.map((id, index) => parseId(id, `ids[${index}]`));
    // One promise per item, so a failed id fails its own item, not the whole list.
    // graphql-js resolves list items that way; the generated types only model whole values.
    return parsed.map((id) => shortTtlIfNull(context.customers.load(id), context, info)) as unknown as CustomerModel[];
  },

  person: (_, { id }, context, info) => shortTtlIfNull(context.persons.load(parseId(id, 'id')), context, info),

  visitor: (_, { id }, context, info) => shortTtlIfNull(context.visitors.load(parseId(id, 'id')), context, info),
};

/** "Not found" may change soon (a customer is created), so it is cached only briefly. */
async function shortTtlIfNull<T>(pending: Promise<T | null>, context: Context, info: GraphQLResolveInfo): Promise<T | null> {
  const value = await pending;
  if (value === null) cacheControlFromInfo(info).setCacheHint({ maxAge: context.notFoundTtlSeconds });
  return value;
}
