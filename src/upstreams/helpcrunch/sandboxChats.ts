/**
 * The HelpCrunch sandbox's chats and messages: the seed customer's, the linked customers'
 * (whose CoMagic persons have calls too) and some generated ones'. Their times are in the
 * weeks before the sandbox starts, so that a timeline of the last 90 days has them; the
 * rest is seeded, so every run serves the same chats.
 */
import { random } from '../../sandbox/random';
/** A customer record, as the sandbox holds it (see sandboxData.ts). */
type RawCustomer = Record<string, unknown> & { id: number };

export type RawChat = Record<string, unknown> & { id: number; customer: Record<string, unknown> & { id: number } };
export type RawMessage = Record<string, unknown> & { id: number; chat: number };

export interface ChatHistory {
  chats: Map<number, RawChat>;
  /** Chat id → its messages, oldest first (they are served newest first). */
  messages: Map<number, RawMessage[]>;
}

/** The seed customer's chats keep ids near the documents' example chat (1568834). */
export const SEED_CHAT_IDS = [1_568_834, 1_568_820, 1_568_801] as const;
export const FIRST_GENERATED_CHAT_ID = 3_000_001;
/** The chats of the CoMagic seed person's customers. */
export const SEED_PERSON_CHAT_IDS = [2_900_001, 2_900_002, 2_900_003] as const;

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface RawAgent {
  id: number;
  name: string;
  email: string | null;
  role: string;
}

const SARAH: RawAgent = { id: 4180, name: 'Sarah', email: 'sarah@example.com', role: 'admin' };
const FRODO: RawAgent = { id: 4188, name: 'Frodo', email: 'frodo@example.com', role: 'agent' };
const HELPBOT: RawAgent = { id: 2, name: 'HelpBot', email: null, role: 'admin' };
const BILLING = { id: 12, name: 'Billing' };
const SUPPORT = { id: 14, name: 'Support' };

interface Line {
  from: 'customer' | 'agent';
  text: string;
  type?: string;
  agent?: RawAgent;
  /** Seconds after the chat started. */
  after: number;
}

/** A chat as the documents show one, with its customer as chats embed it. */
function chat(id: number, customer: RawCustomer, fields: Record<string, unknown>): RawChat {
  return {
    id,
    closedBy: null,
    status: 'opened',
    closedAt: null,
    rating: null,
    snoozedUntil: null,
    createdWith: 'customer_message',
    agents: [],
    department: null,
    assignee: null,
    ...fields,
    customer: { id: customer.id, name: customer.name ?? null, email: customer.email ?? null, userId: customer.userId ?? null },
  };
}

/**
 * The chats of `customers` (the seed customer, the linked ones and every fifth generated one),
 * as of `now` (UNIX seconds). Times of the seed customer's chats are integers, as the older
 * documents show them; the others' numeric strings, as the newer do.
 */
export function createChatHistory(
  customers: ReadonlyMap<number, RawCustomer>,
  { seedCustomerId, linkedFrom, seedPersonCustomerIds }: { seedCustomerId: number; linkedFrom: number; seedPersonCustomerIds: readonly number[] },
  now: number,
): ChatHistory {
  const next = random(1568834);
  const chats = new Map<number, RawChat>();
  const messages = new Map<number, RawMessage[]>();
  let messageId = 50_000_001;
  const minute = (seconds: number) => seconds - (seconds % MINUTE);
  const start = minute(now);

  const add = (raw: RawChat, lines: Line[], asText: boolean) => {
    const created = raw.createdAt as number;
    const list = lines.map((line): RawMessage => {
      const at = created + line.after;
      return {
        id: messageId++,
        chat: raw.id,
        type: line.type ?? 'message',
        from: line.from,
        text: line.text,
        read: true,
        edited: false,
        broadcastType: null,
        // Messages' times are numeric strings with a fraction in the documents' examples.
        createdAt: `${at}.${String(at % 1000).padStart(3, '0')}`,
        updatedAt: `${at}.${String(at % 1000).padStart(3, '0')}`,
        agent: line.from === 'agent' ? (line.agent ?? SARAH) : null,
      };
    });
    const last = lines.at(-1);
    const lastAt = last ? created + last.after : created;
    const lastCustomer = [...lines].reverse().find((line) => line.from === 'customer');
    const time = (seconds: number | null) => (seconds === null || !asText ? seconds : String(seconds));
    Object.assign(raw, {
      createdAt: time(created),
      closedAt: time(raw.closedAt as number | null),
      lastMessageAt: time(lastAt),
      lastCustomerMessageAt: time(lastCustomer ? created + lastCustomer.after : null),
      lastMessageText: last?.text ?? null,
      lastMessageId: list.at(-1)?.id ?? null,
    });
    chats.set(raw.id, raw);
    messages.set(raw.id, list);
  };

  const seed = customers.get(seedCustomerId);
  if (seed) {
    const [opened, onHold, closed] = SEED_CHAT_IDS;
    add(
      chat(opened, seed, { status: 'opened', createdAt: start - 2 * HOUR, assignee: SARAH, agents: [SARAH] }),
      [
        { from: 'customer', text: 'Hello! My June invoice shows two seats, but we have one.', after: 0 },
        { from: 'agent', text: 'Hi Cindy, let me check that for you.', after: 3 * MINUTE },
        { from: 'customer', text: 'Thanks!', after: 4 * MINUTE },
      ],
      false,
    );
    add(
      chat(onHold, seed, { status: 'on hold', createdAt: start - 5 * DAY, assignee: FRODO, agents: [FRODO], department: BILLING }),
      [
        { from: 'customer', text: 'Can I pay by bank transfer?', after: 0 },
        { from: 'agent', text: 'Yes: I am asking Billing for the details.', agent: FRODO, after: 10 * MINUTE },
        { from: 'agent', text: 'Waiting for Billing.', type: 'private', agent: FRODO, after: 11 * MINUTE },
      ],
      false,
    );
    add(
      chat(closed, seed, {
        status: 'closed',
        createdAt: start - 20 * DAY,
        closedAt: start - 20 * DAY + HOUR,
        closedBy: 'agent',
        rating: 'great',
        assignee: SARAH,
        agents: [SARAH],
        department: SUPPORT,
      }),
      [
        { from: 'customer', text: 'How do I add a teammate?', after: 0 },
        { from: 'agent', text: 'Hi! I am HelpBot. Here is how: Settings, then Team.', agent: HELPBOT, after: 5 },
        { from: 'customer', text: 'Found it, thank you.', after: 30 * MINUTE },
        { from: 'agent', text: 'Sarah closed the chat', type: 'tech', after: HOUR },
      ],
      false,
    );
  }

  // The CoMagic seed person's customers: a chat each between the person's calls, so that its timeline mixes both.
  const [first, second, third] = seedPersonCustomerIds.map((id) => customers.get(id));
  if (first && second && third) {
    add(chat(SEED_PERSON_CHAT_IDS[0], first, { status: 'opened', createdAt: start - 12 * HOUR, assignee: SARAH, agents: [SARAH] }), [
      { from: 'customer', text: 'Is my invoice ready?', after: 0 },
      { from: 'agent', text: 'It is: I have just sent it.', after: 2 * MINUTE },
    ], true);
    add(chat(SEED_PERSON_CHAT_IDS[1], second, { status: 'closed', createdAt: start - 4 * DAY, closedAt: start - 4 * DAY + HOUR, closedBy: 'customer', rating: 'average', assignee: FRODO, agents: [FRODO] }), [
      { from: 'customer', text: 'I called, but no one answered.', after: 0 },
      { from: 'agent', text: 'Sorry! We will call you back today.', agent: FRODO, after: 5 * MINUTE },
    ], true);
    add(chat(SEED_PERSON_CHAT_IDS[2], third, { status: 'pending', createdAt: start - 8 * DAY, department: SUPPORT }), [{ from: 'customer', text: 'Do you ship abroad?', after: 0 }], true);
  }

  let chatId = FIRST_GENERATED_CHAT_ID;
  const STATUSES = ['new', 'opened', 'pending', 'on hold', 'closed', 'closed', 'no communication'];
  for (const customer of customers.values()) {
    const linked = customer.id >= linkedFrom;
    if (customer.id === seedCustomerId || seedPersonCustomerIds.includes(customer.id) || (!linked && customer.id % 5 !== 0)) continue;
    const count = linked ? 1 + (customer.id % 3) : 1;
    for (let index = 0; index < count; index += 1) {
      const status = STATUSES[Math.floor(next() * STATUSES.length)]!;
      const created = start - Math.floor(next() * 60 * DAY / MINUTE) * MINUTE;
      const closed = status === 'closed' ? created + (1 + Math.floor(next() * 3)) * HOUR : null;
      const agent = next() < 0.5 ? SARAH : FRODO;
      const lines: Line[] = [{ from: 'customer', text: `Question ${chatId}: is my order on its way?`, after: 0 }];
      if (status !== 'new' && status !== 'no communication') lines.push({ from: 'agent', text: 'Hello! Let me look.', agent, after: 2 * MINUTE });
      if (closed !== null) lines.push({ from: 'agent', text: `${agent.name} closed the chat`, type: 'tech', after: closed - created });
      add(
        chat(chatId, customer, {
          status,
          createdAt: created,
          closedAt: closed,
          closedBy: closed === null ? null : 'agent',
          rating: closed === null ? null : (['great', 'average', 'poor', null] as const)[Math.floor(next() * 4)],
          assignee: status === 'new' ? null : agent,
          agents: status === 'new' ? [] : [agent],
          department: next() < 0.5 ? SUPPORT : null,
        }),
        lines,
        true,
      );
      chatId += 1;
    }
  }
  return { chats, messages };
}
