import type * as Graph from '../../generated/resolvers-types';
import type { Connection, Edge } from '../../graphql/connection';
import type { AllCovered, Covers } from '../../graphql/coverage';
import { isoFromUnixSeconds } from './time';
import { wireChatPageSchema, wireChatSchema, wireMessagePageSchema, type WireChat, type WireMessage } from './wire';

/** A chat as this graph serves it; `customer` and `messages` have resolvers of their own. */
export interface Chat {
  id: string;
  /** Not a field: `Chat.customer` loads the customer from it. */
  customerId: number | null;
  status: Graph.ChatStatus | null;
  /** ISO-8601, UTC. */
  createdAt: string | null;
  closedAt: string | null;
  closedBy: Graph.ChatParty | null;
  lastMessageAt: string | null;
  lastCustomerMessageAt: string | null;
  lastMessageText: string | null;
  rating: Graph.ChatRating | null;
  assignee: Agent | null;
  department: Department | null;
}

export interface Agent {
  id: string;
  name: string | null;
  email: string | null;
  role: string | null;
}

export interface Department {
  id: string;
  name: string | null;
}

export interface Message {
  id: string;
  text: string | null;
  type: Graph.MessageType | null;
  from: Graph.ChatParty | null;
  agent: Agent | null;
  read: boolean | null;
  edited: boolean | null;
  createdAt: string | null;
}

declare module '../../graphql/mappers' {
  interface Mappers {
    Chat: Chat;
    Agent: Agent;
    Department: Department;
    Message: Message;
    ChatConnection: Connection<Chat>;
    ChatEdge: Edge<Chat>;
    MessageConnection: Connection<Message, number | null>;
    MessageEdge: Edge<Message>;
  }
}

export type Covered = AllCovered<
  [Covers<Chat, Graph.Chat, 'customer' | 'messages'>, Covers<Agent, Graph.Agent>, Covers<Department, Graph.Department>, Covers<Message, Graph.Message>]
>;

/** The shape of stored chats and messages: part of their cache keys (see CUSTOMER_SHAPE). */
export const CHAT_SHAPE = 1;

/** One page of chats: the chats, and how many match in all when HelpCrunch says so. */
export interface ChatPage {
  chats: Chat[];
  total: number | undefined;
}

/** One page of a chat's messages, newest first, and how many the chat has when HelpCrunch says so. */
export interface MessagePage {
  messages: Message[];
  total: number | undefined;
}

export const chatSchema = wireChatSchema.transform(chatOf);
export const chatPageSchema = wireChatPageSchema.transform((page): ChatPage => ({ chats: page.data.map(chatOf), total: page.meta?.total ?? page.total ?? undefined }));
export const messagePageSchema = wireMessagePageSchema.transform(
  (page): MessagePage => ({ messages: ('data' in page ? page.data : page.messages).map(messageOf), total: page.total ?? undefined }),
);

/**
 * The statuses by name, as the documents write them: lower case with spaces, dashes and
 * underscores left out (`on hold`, `onhold` and `on-hold` are one). `open` is the Ukrainian
 * page's word for `opened`.
 */
const STATUS_BY_NAME: Record<string, Graph.ChatStatus> = {
  new: 'NEW',
  opened: 'OPENED',
  open: 'OPENED',
  pending: 'PENDING',
  onhold: 'ON_HOLD',
  nocommunication: 'NO_COMMUNICATION',
  closed: 'CLOSED',
  empty: 'EMPTY',
};

/** A public client reads statuses as numbers, in the chat model's order; no document shows one. */
const STATUS_BY_NUMBER: Graph.ChatStatus[] = ['NEW', 'OPENED', 'PENDING', 'ON_HOLD', 'CLOSED', 'NO_COMMUNICATION', 'EMPTY'];

function statusOf(value: WireChat['status']): Graph.ChatStatus | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || /^\d+$/.test(value)) return STATUS_BY_NUMBER[Number(value) - 1] ?? null;
  return STATUS_BY_NAME[value.toLowerCase().replace(/[\s_-]/g, '')] ?? null;
}

function partyOf(value: string | null | undefined): Graph.ChatParty | null {
  const party = value?.toLowerCase();
  return party === 'customer' ? 'CUSTOMER' : party === 'agent' ? 'AGENT' : null;
}

const RATINGS: Record<string, Graph.ChatRating> = { great: 'GREAT', average: 'AVERAGE', poor: 'POOR' };
const MESSAGE_TYPES: Record<string, Graph.MessageType> = {
  message: 'MESSAGE',
  tech: 'TECH',
  email: 'EMAIL',
  knowledgebase: 'KNOWLEDGE_BASE',
  private: 'PRIVATE',
};

function agentOf(wire: WireChat['assignee']): Agent | null {
  return wire ? { id: String(wire.id), name: wire.name ?? null, email: wire.email ?? null, role: wire.role ?? null } : null;
}

function chatOf(wire: WireChat): Chat {
  const customer = wire.customer;
  return {
    id: String(wire.id),
    customerId: customer === null || customer === undefined ? null : typeof customer === 'number' ? customer : customer.id,
    status: statusOf(wire.status),
    createdAt: isoFromUnixSeconds(wire.createdAt),
    closedAt: isoFromUnixSeconds(wire.closedAt),
    closedBy: partyOf(wire.closedBy),
    lastMessageAt: isoFromUnixSeconds(wire.lastMessageAt),
    lastCustomerMessageAt: isoFromUnixSeconds(wire.lastCustomerMessageAt),
    lastMessageText: wire.lastMessageText ?? null,
    rating: RATINGS[wire.rating?.toLowerCase() ?? ''] ?? null,
    assignee: agentOf(wire.assignee),
    department: wire.department ? { id: String(wire.department.id), name: wire.department.name ?? null } : null,
  };
}

function messageOf(wire: WireMessage): Message {
  return {
    id: String(wire.id),
    text: wire.text ?? null,
    type: MESSAGE_TYPES[wire.type?.toLowerCase() ?? ''] ?? null,
    from: partyOf(wire.from),
    agent: agentOf(wire.agent),
    read: wire.read ?? null,
    edited: wire.edited ?? null,
    createdAt: isoFromUnixSeconds(wire.createdAt),
  };
}
