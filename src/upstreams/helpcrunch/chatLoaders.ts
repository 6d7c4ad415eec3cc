import DataLoader from 'dataloader';
import type { EntityCache } from '../../cache/entityCache';
import { refusedOwnRequest } from '../../errors';
import { asError, cachedBatch, cachedListBatch, chunksOf, fetchEach, inHalves, type LoaderRequest, type Outcome } from '../../loaders/cachedBatch';
import { CHAT_SHAPE, type Chat, type MessagePage } from './chat';
import { SEARCH_PAGE_SIZE, type HelpCrunchClient } from './client';
import type { ChatSearchRequest } from './wire';

export interface ChatLoaders {
  /** Chats by HelpCrunch id; null for one that does not exist. */
  chats: DataLoader<number, Chat | null>;
  /** A customer's chats, newest first (at most MAX_CHATS_A_CUSTOMER): every customer of a request in one search per 100. */
  chatsOfCustomer: DataLoader<number, Chat[]>;
  /** One page of a chat's messages, by `messagePageKey`; null when the chat does not exist. */
  messagePages: DataLoader<MessagePageKey, MessagePage | null>;
}

/**
 * A chat's page of messages: `<chat id>:<offset>:<limit>:<the chat's last message time>`. The
 * last message's time is part of the key: a message written starts new pages, so that the pages
 * one client reads never mix offsets from before it with offsets from after.
 */
export type MessagePageKey = `${number}:${number}:${number}:${string}`;

export function messagePageKey(chatId: number, offset: number, limit: number, lastMessageAt: string | null): MessagePageKey {
  return `${chatId}:${offset}:${limit}:${lastMessageAt ?? ''}`;
}

/** The newest chats served of one customer: more is a support team's archive, not a card. */
export const MAX_CHATS_A_CUSTOMER = 10 * SEARCH_PAGE_SIZE;

/**
 * The chat loaders of one request. Everything here is a contact's history, which grows
 * while people talk: it is cached for the history TTL, and kept stale like any entity.
 */
export function createChatLoaders(client: HelpCrunchClient, cache: EntityCache, scope: string, request: LoaderRequest): ChatLoaders {
  const { call } = request;
  const history = () => cache.ttl.historySeconds;
  const chatKey = (id: number) => `${scope}:chat:v${CHAT_SHAPE}:${id}`;
  const chats = new DataLoader<number, Chat | null>((ids) =>
    cachedBatch<Chat>({
      loader: 'chats',
      service: 'helpcrunch',
      cache,
      request,
      ids,
      keyFor: chatKey,
      foundTtlSeconds: history,
      fetchMissing: (missing) => fetchEach(missing, (id) => client.getChat(id, call)),
    }),
  );

  const chatsOfCustomer = new DataLoader<number, Chat[]>((ids) =>
    cachedListBatch<Chat>({
      loader: 'chatsOfCustomer',
      service: 'helpcrunch',
      cache,
      request,
      ids,
      keyFor: (id) => `${scope}:customer-chats:v${CHAT_SHAPE}:${id}`,
      foundTtlSeconds: history,
      fetchMissing: async (missing) => {
        const byCustomer = await searchChatsOf(client, missing, request);
        // Each chat found is then known by id for the rest of the request (`Chat` references
        // included); it is not written apart to the cache, where thousands would crowd out the rest.
        const found = [...byCustomer.values()].filter((list): list is Chat[] => Array.isArray(list));
        for (const chat of new Set(found.flat())) chats.clear(Number(chat.id)).prime(Number(chat.id), chat);
        return byCustomer;
      },
    }),
  );

  const messagePages = new DataLoader<MessagePageKey, MessagePage | null>((keys) =>
    cachedBatch<MessagePage, MessagePageKey>({
      loader: 'messagePages',
      service: 'helpcrunch',
      cache,
      request,
      ids: keys,
      keyFor: (key) => `${scope}:messages:v${CHAT_SHAPE}:${key}`,
      foundTtlSeconds: history,
      fetchMissing: (missing) =>
        fetchEach(missing, (key) => {
          const [chatId, offset, limit] = key.split(':').map(Number) as [number, number, number];
          return client.chatMessages(chatId, offset, limit, call).catch((error: unknown) => {
            throw refusedOwnRequest(error, 'HelpCrunch refused the page of messages');
          });
        }),
    }),
  );

  return { chats, chatsOfCustomer, messagePages };
}

/**
 * The chats of these customers: one `POST /chats/search` per 100, OR-ing a `chats.customer =`
 * filter a customer, newest first, page after page; each chat is then given to the customer it
 * names, never matched by position.
 */
async function searchChatsOf(client: HelpCrunchClient, ids: number[], request: LoaderRequest): Promise<Map<number, Outcome<Chat[]>>> {
  const byCustomer = new Map<number, Outcome<Chat[]>>();
  await Promise.all(
    chunksOf(ids, SEARCH_PAGE_SIZE).map((chunk) =>
      searchChunk(client, chunk, request, byCustomer).catch((error: unknown) => {
        for (const id of chunk) byCustomer.set(id, asError(error));
      }),
    ),
  );
  return byCustomer;
}

/**
 * One search for these customers' chats. When they have more than one customer may show, they
 * are searched again in halves: one customer's long history never cuts the others' short.
 */
async function searchChunk(client: HelpCrunchClient, chunk: number[], request: LoaderRequest, into: Map<number, Outcome<Chat[]>>): Promise<void> {
  const filter = chunk.map((id) => ({ field: 'chats.customer', operator: '=' as const, value: id }));
  const seen = new Map<string, Chat>();
  for (let offset = 0; ; offset += SEARCH_PAGE_SIZE) {
    const search: ChatSearchRequest = { comparison: 'OR', filter, limit: SEARCH_PAGE_SIZE, offset, sort: 'chats.createdAt', order: 'desc' };
    const { chats, total } = await client.searchChats(search, request.call).catch((error: unknown) => {
      throw refusedOwnRequest(error, 'HelpCrunch refused the chat search');
    });
    // A chat that starts while the pages are read moves the others down one: it is read once.
    for (const chat of chats) seen.set(chat.id, chat);
    if (offset === 0 && total !== undefined && total > MAX_CHATS_A_CUSTOMER && chunk.length > 1) {
      await inHalves(chunk, (part) => searchChunk(client, part, request, into));
      return;
    }
    const more = total === undefined ? chats.length === SEARCH_PAGE_SIZE : offset + chats.length < total;
    if (!more) break;
    if (offset + SEARCH_PAGE_SIZE >= MAX_CHATS_A_CUSTOMER) {
      if (chunk.length > 1) {
        await inHalves(chunk, (part) => searchChunk(client, part, request, into));
        return;
      }
      break;
    }
  }
  const byCustomer = new Map<number, Chat[]>(chunk.map((id) => [id, []]));
  for (const chat of seen.values()) if (chat.customerId !== null) byCustomer.get(chat.customerId)?.push(chat);
  for (const [id, list] of byCustomer) into.set(id, list);
}
