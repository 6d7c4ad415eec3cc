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

export const wireLimitsSchema = z.object({
  day_limit: z.number().optional(),
  day_remaining: z.number().optional(),
  day_reset: z.number().optional(),
  minute_limit: z.number().optional(),
  minute_remaining: z.number().optional(),
  minute_reset: z.number().optional(),
});

export type WireLimits = z.infer<typeof wireLimitsSchema>;

const metadataSchema = z
  .object({ limits: wireLimitsSchema.nullish() })
  .nullish();

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

export const personVisitorsResultSchema = z.object({
  metadata: metadataSchema,
  data: z.array(wirePersonVisitorSchema),
});

export const personForVisitorResultSchema = z.object({
  metadata: metadataSchema,
  data: z.object({ person_id: z.number().int().positive().nullable() }).nullable(),
});

export const visitorsResultSchema = z.object({
  metadata: metadataSchema,
  data: z.array(wireVisitorSchema),
});

export const rpcErrorSchema = z.object({
  code: z.number(),
  message: z.string().optional(),
  data: z
    .object({
      mnemonic: z.string().optional(),
      field: z.unknown().optional(),
      metadata: metadataSchema,
    })
    .nullish(),
});

export type RpcError = z.infer<typeof rpcErrorSchema>;

export const rpcResponseSchema = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: z.unknown(), result: z.unknown() }),
  z.object({ jsonrpc: z.literal('2.0'), id: z.unknown(), error: rpcErrorSchema }),
]);
