import { GraphQLError } from 'graphql';
import type { Context } from '../../context';
import type { ChatResolvers, CustomerResolvers, QueryResolvers } from '../../generated/resolvers-types';
import { keysetPage, pageRequest } from '../../graphql/connection';
import { historyBriefly } from '../../graphql/lookups';
import { CHAT_PAGES, chatSelection, messagesPage } from './chatPages';
import { notFoundBriefly, parseId, referenceById } from '../../graphql/lookups';
import { SEARCH_PAGE_SIZE } from './client';
import { cursorOf, searchPage } from './search';
import type * as Domain from './customer';
import type { HelpCrunchLoaders } from './loaders';

export { Mutation } from './mutations';

/** What HelpCrunch's resolvers are handed: a request's context with its loaders. */
type HelpCrunchContext = Context & HelpCrunchLoaders;

export const Query: QueryResolvers<HelpCrunchContext> = {
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

  chat: async (_, { id }, context, info) => {
    const chat = await notFoundBriefly(context.chats.load(parseId(id, 'id')), context, info);
    if (chat) historyBriefly(context, info);
    return chat;
  },

  searchCustomers: async (_, args, context) => {
    // Every mistake in the arguments is refused here, before the call.
    const { request, searchId } = searchPage(args);
    const { customers, total } = await context.customerSearch(request);
    const edges = customers.map((node, index) => ({ cursor: cursorOf(searchId, request.offset + index), node }));
    return {
      edges,
      totalCount: total,
      pageInfo: {
        hasNextPage: request.offset + customers.length < total,
        hasPreviousPage: request.offset > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  },
};

// The other fields are the domain object's own (customer.ts).
export const Customer: CustomerResolvers<HelpCrunchContext> = {
  __resolveReference: referenceById('Customer', (context) => context.customers),
  chats: async (customer, args, context, info) => {
    // Every mistake in the arguments is refused here, before the call.
    const select = chatSelection(args);
    pageRequest(args, CHAT_PAGES);
    const chats = await context.chatsOfCustomer.load(Number(customer.id));
    historyBriefly(context, info);
    return keysetPage(chats.filter(select), args, CHAT_PAGES);
  },
};

// The other fields are the domain object's own (chat.ts).
export const Chat: ChatResolvers<HelpCrunchContext> = {
  __resolveReference: async (reference, context, info) => {
    const chat = await referenceById('Chat', (c: HelpCrunchContext) => c.chats)(reference, context);
    // A chat is a contact's history: an answer holding one is cached only briefly.
    historyBriefly(context, info);
    return chat;
  },
  // The customer is often in this request already (the chats were asked of it): then it costs no call.
  customer: (chat, _, context) => (chat.customerId === null ? null : context.customers.load(chat.customerId)),
  messages: async (chat, args, context, info) => {
    const page = await messagesPage(chat, args, context.messagePages);
    historyBriefly(context, info);
    return page;
  },
};
