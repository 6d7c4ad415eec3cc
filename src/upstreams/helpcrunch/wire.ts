import { z } from 'zod';

/**
 * The HelpCrunch REST API v1 as it is on the wire. Lenient where the vendor's own
 * documents disagree (timestamps, customData), strict where a wrong shape means the
 * body cannot be trusted (ids, containers).
 */

const text = z.string().nullish();
/** Phone numbers and user ids are strings, but some accounts send them as numbers. */
const textOrNumber = z.union([z.string(), z.number()]).nullish();
/** UNIX seconds, seen as an integer, a numeric string, or null. */
const unixSeconds = z.union([z.number(), z.string()]).nullish();

export const wireCustomerSchema = z.object({
  id: z.number().int().positive(),
  name: text,
  email: text,
  userId: textOrNumber,
  company: text,
  phone: textOrNumber,
  firstSeen: unixSeconds,
  lastSeen: unixSeconds,
  location: z
    .object({ regionCode: text, countryCode: text, city: text })
    .nullish(),
  device: z
    .object({
      id: textOrNumber,
      ip: text,
      timezone: text,
      platform: text,
      userAgent: text,
    })
    .nullish(),
  unsubscribed: z.boolean().nullish(),
  blocked: z.boolean().nullish(),
  source: text,
  referer: text,
  locale: text,
  notes: text,
  lastPage: text,
  tags: z.array(z.object({ name: z.string(), color: text })).nullish(),
  /** A flat object in most documents; one document version shows `[{property, value}]`. */
  customData: z
    .union([
      z.record(z.string(), z.unknown()),
      z.array(z.object({ property: z.string(), value: z.unknown() })),
    ])
    .nullish(),
  createdFrom: text,
  integrationId: textOrNumber,
});

export type WireCustomer = z.infer<typeof wireCustomerSchema>;

export const wireCustomerListSchema = z.object({
  data: z.array(wireCustomerSchema),
  total: z.number().optional(),
});

/** A page of a search always says its `total` (every answer the docs show does): paging needs it, so one without it is a bad response. */
export const wireCustomerPageSchema = wireCustomerListSchema.extend({ total: z.number().int().nonnegative() });

/** `{"errors":[{"code":..., "message":...}, ...]}`, with codes seen as strings or nested objects. */
export const wireErrorBodySchema = z.object({
  errors: z.array(
    z.object({
      code: z.unknown(),
      message: z.unknown().optional(),
    }),
  ),
});

export interface SearchFilter {
  field: string;
  operator: '=' | '!=' | '>' | '<' | '>=' | '<=' | '~' | '!~';
  value: string | number | boolean;
}

export interface SearchRequest {
  comparison: 'OR' | 'AND';
  filter: SearchFilter[];
  limit: number;
  offset: number;
  sort?: 'customers.lastSeen' | 'customers.firstSeen';
  order?: 'asc' | 'desc';
}

/** Who a chat or a message involves, as chats and messages embed them. */
const wireAgentSchema = z.object({ id: z.number().int(), name: text, email: text, role: text });

/**
 * A chat (chat-model-v1). Timestamps are UNIX seconds, as integers in the older documents and
 * as numeric strings in the newer; `status` is a name in every document (`"on hold"`,
 * `"onhold"` and `"on-hold"` all seen), and a number in one public client.
 */
export const wireChatSchema = z.object({
  id: z.number().int().positive(),
  status: z.union([z.string(), z.number()]).nullish(),
  closedBy: text,
  rating: text,
  createdAt: unixSeconds,
  closedAt: unixSeconds,
  lastMessageAt: unixSeconds,
  lastCustomerMessageAt: unixSeconds,
  lastMessageText: text,
  createdWith: text,
  /** `{id, name, email, userId}` in every example; a bare id is read too. */
  customer: z.union([z.object({ id: z.number().int().positive() }).passthrough(), z.number().int().positive()]).nullish(),
  assignee: wireAgentSchema.nullish(),
  department: z.object({ id: z.number().int(), name: text }).nullish(),
});

export type WireChat = z.infer<typeof wireChatSchema>;

/** `GET /chats` and `POST /chats/search`: the chat model page gives `meta.total`; a public client reads a top-level `total`. */
export const wireChatPageSchema = z.object({
  data: z.array(wireChatSchema),
  meta: z.object({ total: z.number().int().nonnegative() }).partial().nullish(),
  total: z.number().int().nonnegative().nullish(),
});

/**
 * A message (message-model-v1). `createdAt` is UNIX seconds, seen as a string with a
 * fraction (`"1594139170.913"`); `agent` is null for a customer's message.
 */
export const wireMessageSchema = z.object({
  id: z.number().int().positive(),
  text: text,
  type: text,
  from: text,
  read: z.boolean().nullish(),
  edited: z.boolean().nullish(),
  createdAt: unixSeconds,
  agent: wireAgentSchema.nullish(),
  broadcastType: text,
});

export type WireMessage = z.infer<typeof wireMessageSchema>;

/** `GET /chats/{id}/messages`: `{data, total}`, newest first; an older document version has `{messages}`. */
export const wireMessagePageSchema = z.union([
  z.object({ data: z.array(wireMessageSchema), total: z.number().int().nonnegative().nullish() }),
  z.object({ messages: z.array(wireMessageSchema), total: z.number().int().nonnegative().nullish() }),
]);

export interface ChatSearchFilter {
  field: string;
  operator: '=' | '!=' | '>' | '<' | '>=' | '<=';
  value: string | number;
}

export interface ChatSearchRequest {
  comparison: 'OR' | 'AND';
  filter: ChatSearchFilter[];
  limit: number;
  offset: number;
  sort: 'chats.createdAt';
  order: 'desc';
}

/**
 * A customer's fields as `POST /customers` and `PATCH /customers/{id}` take them
 * (create-customer-v1, update-customer-v1): a field left out stays as it is, a null clears
 * it. customData goes as `[{property, value}]`, as both documents' examples send it.
 */
export interface CustomerWrite {
  name?: string | null;
  email?: string | null;
  userId?: string | null;
  company?: string | null;
  phone?: string | null;
  notes?: string | null;
  locale?: string | null;
  unsubscribed?: boolean | null;
  blocked?: boolean | null;
  customData?: Array<{ property: string; value: string | number | boolean | null }> | null;
  tags?: TagWrite[];
}

/** A tag as tag-customer-v1 takes it: its name (case-sensitive), and a CSS colour for a new one. */
export interface TagWrite {
  name: string;
  color?: string;
}
