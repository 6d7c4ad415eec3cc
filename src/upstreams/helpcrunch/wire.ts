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
