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
