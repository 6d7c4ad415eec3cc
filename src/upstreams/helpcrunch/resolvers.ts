import { GraphQLError } from 'graphql';
import type { CustomerResolvers, QueryResolvers } from '../../generated/resolvers-types';
import { notFoundBriefly, parseId, referenceById } from '../../graphql/lookups';
import { SEARCH_PAGE_SIZE } from './client';
import type * as Domain from './customer';

export const Query: QueryResolvers = {
  customer: (_, { id }, context, info) => notFoundBriefly(context.customers.load(parseId(id, 'id')), context, info),

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
    return parsed.map((id) => notFoundBriefly(context.customers.load(id), context, info)) as unknown as Domain.Customer[];
  },
};

// Every field is the domain object's own (customer.ts): only the reference needs a resolver.
export const Customer: CustomerResolvers = {
  __resolveReference: referenceById('Customer', (context) => context.customers),
};
