/**
 * The pages of a customer's chats and of a chat's messages. A cursor is the position of the
 * item it follows (its time, then its id), so pages stay put while people go on talking.
 * Every mistake in the arguments is refused before any call.
 */

import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { compareNewestFirst, cursorOf, idKey, pageRequest, timeOf, type Connection, type KeysetOptions, type PageArgs } from '../../graphql/connection';
import type { CustomerChatsArgs } from '../../generated/resolvers-types';
import type { Chat, Message, MessagePage } from './chat';
import { messagePageKey, type MessagePageKey } from './chatLoaders';
import { SEARCH_PAGE_SIZE } from './client';

export const CHAT_PAGES: KeysetOptions<Chat> = {
  name: 'chats',
  maxFirst: SEARCH_PAGE_SIZE,
  positionOf: (chat) => [timeOf(chat.createdAt), idKey(chat.id)],
};

export const MESSAGE_PAGES: KeysetOptions<Message> = {
  name: 'messages',
  maxFirst: SEARCH_PAGE_SIZE,
  positionOf: (message) => [timeOf(message.createdAt), idKey(message.id)],
};

/** What `Customer.chats` keeps of a customer's chats: those of the statuses asked, created within the range. */
export function chatSelection({ status, createdAfter, createdBefore }: Pick<CustomerChatsArgs, 'status' | 'createdAfter' | 'createdBefore'>): (chat: Chat) => boolean {
  if (status && status.length === 0) throw badInput('status needs at least one status; leave it out for chats of any status');
  const after = createdAfter == null ? undefined : new Date(createdAfter).getTime();
  const before = createdBefore == null ? undefined : new Date(createdBefore).getTime();
  if (after !== undefined && before !== undefined && after >= before) throw badInput('createdAfter must be before createdBefore');
  const statuses = status ? new Set(status) : undefined;
  return (chat) => {
    if (statuses && (chat.status === null || !statuses.has(chat.status))) return false;
    if (after === undefined && before === undefined) return true;
    if (chat.createdAt === null) return false;
    const created = Date.parse(chat.createdAt);
    return (after === undefined || created > after) && (before === undefined || created < before);
  };
}

/** The most pages read for one page of messages, when messages written meanwhile push those asked for down. */
const MAX_READS_A_PAGE = 3;

/**
 * A page of a chat's messages, newest first. HelpCrunch pages them by offset, newest first, so
 * a message written while a client pages moves the others down one: the next page starts at
 * the offset the cursor's message had, and leaves out what is not older than it.
 */
export async function messagesPage(chat: Pick<Chat, 'id' | 'lastMessageAt'>, args: PageArgs, pages: DataLoader<MessagePageKey, MessagePage | null>): Promise<Connection<Message, number | null>> {
  const chatId = Number(chat.id);
  const { first, after, hint } = pageRequest(args, MESSAGE_PAGES);
  const older = (message: Message) => after === undefined || compareNewestFirst(MESSAGE_PAGES.positionOf(message), after) > 0;
  const found: Array<{ message: Message; offset: number }> = [];
  let offset = hint === undefined ? 0 : hint + 1;
  let total: number | undefined;
  let more = true;
  for (let read = 0; read < MAX_READS_A_PAGE && more && found.length < first; read += 1) {
    const page = await pages.load(messagePageKey(chatId, offset, first, chat.lastMessageAt));
    // A chat that does not exist has no messages (`Chat.messages` of a reference to one, say).
    if (page === null) return emptyPage(hint !== undefined);
    total = page.total;
    page.messages.forEach((message, index) => {
      if (older(message)) found.push({ message, offset: offset + index });
    });
    more = page.total === undefined ? page.messages.length === first : offset + page.messages.length < page.total;
    offset += page.messages.length;
  }
  const shown = found.slice(0, first);
  const edges = shown.map(({ message, offset: at }) => ({ cursor: cursorOf(MESSAGE_PAGES.name, MESSAGE_PAGES.positionOf(message), at), node: message }));
  // Every message read was newer than the cursor's (many were written meanwhile): the page is
  // empty, and its end is the same position, read on from where these reads stopped.
  const readOn = edges.length === 0 && more && after !== undefined ? cursorOf(MESSAGE_PAGES.name, after, offset - 1) : null;
  return {
    edges,
    totalCount: total ?? null,
    pageInfo: {
      hasNextPage: shown.length < found.length || more,
      hasPreviousPage: after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? readOn,
    },
  };
}

function emptyPage(hasPreviousPage: boolean): Connection<Message, number | null> {
  return { edges: [], totalCount: 0, pageInfo: { hasNextPage: false, hasPreviousPage, startCursor: null, endCursor: null } };
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
