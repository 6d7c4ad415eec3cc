import { z } from 'zod';

/**
 * Readers of environment values, for `config.ts` and each upstream's config section: each
 * trims, applies its default to an empty or missing value, and names what was wrong.
 */

/** The most calls one account may have in flight: a bound on sockets, whatever the budget. */
export const MAX_CONCURRENCY = 64;

/** An optional text: unset or empty is undefined. */
export const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export function integer<Fallback extends number | undefined>(min: number, max: number, fallback: Fallback) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback as number | Fallback;
      const parsed = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });
}

export function boolean<Fallback extends boolean | undefined>(fallback: Fallback) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      if (/^(true|1|yes)$/i.test(value)) return true as boolean | Fallback;
      if (/^(false|0|no)$/i.test(value)) return false as boolean | Fallback;
      ctx.addIssue({ code: 'custom', message: `must be true or false, got "${value}"` });
      return z.NEVER;
    });
}

export function httpUrl(fallback: string) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      const url = value === undefined || value === '' ? fallback : value;
      if (!/^https?:\/\/[^/\s]+/.test(url) || !URL.canParse(url)) {
        ctx.addIssue({ code: 'custom', message: `must be an http(s) URL, got "${url}"` });
        return z.NEVER;
      }
      return url.replace(/\/+$/, '');
    });
}
