import { z } from 'zod';

/**
 * The CoMagic / UIS Data API v2.0 (JSON-RPC 2.0) as it is on the wire.
 * Every field of a visitor may be null.
 */

const text = z.string().nullish();
const textList = z
  .array(z.string().nullable())
  .nullish()
  .transform((list) => (list ?? []).filter((item): item is string => item !== null));

/** A field of the limits: read when it is a number, dropped otherwise. */
const limit = z.number().optional().catch(undefined);

/**
 * `metadata.limits`, read for the points budget alone: a malformed field is dropped, and
 * never costs the answer it came with.
 */
export const wireLimitsSchema = z.object({
  day_limit: limit,
  day_remaining: limit,
  day_reset: limit,
  minute_limit: limit,
  minute_remaining: limit,
  minute_reset: limit,
});

export type WireLimits = z.infer<typeof wireLimitsSchema>;

/** The limits in a result's or an error's `metadata`, when there are any. */
export function limitsIn(metadata: unknown): WireLimits | undefined {
  const limits = (metadata as { limits?: unknown } | null | undefined)?.limits;
  const parsed = wireLimitsSchema.safeParse(limits);
  return parsed.success ? parsed.data : undefined;
}

/** One row of `get.person_visitors`. */
export const wirePersonVisitorSchema = z.object({
  person_id: z.number().int(),
  visitor_id: z.number().int().positive(),
  name: text,
  emails: textList,
  phones: textList,
  company: text,
  commentary: text,
});

export type WirePersonVisitor = z.infer<typeof wirePersonVisitorSchema>;

/** One row of `get.visitors`. */
export const wireVisitorSchema = z.object({
  id: z.number().int().positive(),
  name: text,
  emails: textList,
  phones: textList,
  usernames: textList,
});

export type WireVisitor = z.infer<typeof wireVisitorSchema>;

// The result schemas leave `metadata` out: its limits are read apart, by `limitsIn`.
export const personVisitorsResultSchema = z.object({
  data: z.array(wirePersonVisitorSchema),
});

export const personForVisitorResultSchema = z.object({
  data: z.object({ person_id: z.number().int().positive().nullable() }).nullable(),
});

export const visitorsResultSchema = z.object({
  data: z.array(wireVisitorSchema),
});

export const rpcErrorSchema = z.object({
  code: z.number(),
  message: z.string().optional(),
  data: z
    .object({
      mnemonic: z.string().optional(),
      field: z.unknown().optional(),
      metadata: z.unknown().optional(),
    })
    .nullish(),
});

export type RpcError = z.infer<typeof rpcErrorSchema>;

export const rpcResponseSchema = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: z.unknown(), result: z.unknown() }),
  z.object({ jsonrpc: z.literal('2.0'), id: z.unknown(), error: rpcErrorSchema }),
]);

/** `get.account`'s result: the account, with its time zone (an IANA name). */
export const accountResultSchema = z.object({
  data: z.array(z.object({ timezone: z.string().nullish() }).passthrough()),
});

/** A number the reports type as a number, seen as a string too (a chat's `duration` is typed string). */
const count = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]).nullish();
/** A phone number: `contact_phone_number` is a string, `visitor_phone_number` a number. */
const phone = z.union([z.string(), z.number()]).nullish();
const id = z.number().int().positive();
/** `YYYY-MM-DD hh:mm:ss`, in the account's time zone. */
const localTime = z.string().regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/);

/** One row of `get.calls_report`, with the fields this graph asks for (CALL_FIELDS). */
export const wireCallSchema = z.object({
  id,
  communication_id: z.number().int().nullish(),
  start_time: localTime,
  finish_time: localTime.nullish(),
  direction: text,
  is_lost: z.boolean().nullish(),
  contact_phone_number: phone,
  virtual_phone_number: phone,
  wait_duration: count,
  talk_duration: count,
  total_duration: count,
  visitor_id: z.number().int().nullish(),
  person_id: z.number().int().nullish(),
  site_domain_name: text,
  employees: z
    .array(z.object({ employee_id: z.number().int().nullish(), employee_full_name: text, is_answered: z.boolean().nullish() }))
    .nullish(),
});

/** One row of `get.chats_report`, with the fields this graph asks for (CHAT_FIELDS). */
export const wireChatRowSchema = z.object({
  id,
  communication_id: z.number().int().nullish(),
  date_time: localTime,
  status: text,
  initiator: text,
  duration: count,
  answer_time: count,
  chat_channel_type: text,
  messages_count: count,
  employee_id: z.number().int().nullish(),
  employee_full_name: text,
  visitor_phone_number: phone,
  visitor_id: z.number().int().nullish(),
  person_id: z.number().int().nullish(),
  site_domain_name: text,
});

/** One row of `get.offline_messages_report`, with the fields this graph asks for (OFFLINE_MESSAGE_FIELDS). */
export const wireOfflineMessageSchema = z.object({
  id,
  communication_id: z.number().int().nullish(),
  date_time: localTime,
  text,
  status: text,
  form_name: text,
  visitor_name: text,
  visitor_email: text,
  visitor_phone_number: phone,
  employee_id: z.number().int().nullish(),
  employee_full_name: text,
  visitor_id: z.number().int().nullish(),
  person_id: z.number().int().nullish(),
  site_domain_name: text,
});

export type WireCall = z.infer<typeof wireCallSchema>;
export type WireChatRow = z.infer<typeof wireChatRowSchema>;
export type WireOfflineMessage = z.infer<typeof wireOfflineMessageSchema>;

/** A report's result: its rows, and in `metadata.total_items` how many match in all. */
export function reportResultSchema<Row extends z.ZodTypeAny>(row: Row) {
  return z.object({
    data: z.array(row),
    metadata: z.object({ total_items: z.number().int().nonnegative().nullish() }).passthrough().nullish(),
  });
}

/**
 * The fields each report is asked for: `fields` names them all, since the defaults leave out
 * some this graph needs (a call's visitor and person, an offline message's time).
 */
export const CALL_FIELDS = Object.keys(wireCallSchema.shape);
export const CHAT_FIELDS = Object.keys(wireChatRowSchema.shape);
export const OFFLINE_MESSAGE_FIELDS = Object.keys(wireOfflineMessageSchema.shape);

/** A report filter: one condition, or several joined by `condition`. */
export type ReportFilter = { field: string; operator: '='; value: string | number } | { filters: ReportFilter[]; condition: 'or' | 'and' };

export interface ReportParams {
  date_from: string;
  date_till: string;
  filter: ReportFilter;
  fields: string[];
  sort?: Array<{ field: string; order: 'asc' | 'desc' }>;
  limit: number;
  offset: number;
}
