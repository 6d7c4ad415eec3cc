import { z } from 'zod';
import { httpUrl, integer, MAX_CONCURRENCY, optionalString } from '../../envValues';
import { isTimeZone } from './time';

/** CoMagic's variables, read and validated with the rest in `loadConfig`. */
export const comagicEnv = {
  COMAGIC_API_URL: httpUrl('https://dataapi.comagic.ru/v2.0'),
  COMAGIC_ACCESS_TOKEN: optionalString,
  COMAGIC_USER_ID: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      if (!/^[1-9]\d*$/.test(value) || !Number.isSafeInteger(Number(value))) {
        ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got "${value}"` });
        return z.NEVER;
      }
      return Number(value);
    }),
  COMAGIC_CONCURRENCY: integer(1, MAX_CONCURRENCY, undefined),
  COMAGIC_TIMEZONE: z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine((value) => value === undefined || isTimeZone(value), {
      message: "must be an IANA time zone name, such as Europe/Moscow or Asia/Almaty (get.account names the account's), or empty",
    }),
  COMAGIC_REPORTS_KEPT_DAYS: integer(1, 3_660, 366),
};

export interface CoMagicConfig {
  apiUrl: string;
  accessToken: string | undefined;
  userId: number | undefined;
  /**
   * How many single JSON-RPC calls may be in flight at once (the API has no batches).
   * Undefined: no cap but the points budget and `MAX_CONCURRENCY` (see `comagicConcurrency` in account.ts).
   */
  concurrency: number | undefined;
  /**
   * The configured account's time zone, which the Data API's times (`YYYY-MM-DD hh:mm:ss`, no
   * zone) are in. Undefined: every account's own, as `get.account` tells it.
   */
  timeZone: string | undefined;
  /** How far back the reports reach: an older `from` is refused before any call. */
  reportsKeptDays: number;
}

export function comagicConfig(e: z.output<z.ZodObject<typeof comagicEnv>>): CoMagicConfig {
  return {
    apiUrl: e.COMAGIC_API_URL,
    accessToken: e.COMAGIC_ACCESS_TOKEN,
    userId: e.COMAGIC_USER_ID,
    concurrency: e.COMAGIC_CONCURRENCY,
    timeZone: e.COMAGIC_TIMEZONE,
    reportsKeptDays: e.COMAGIC_REPORTS_KEPT_DAYS,
  };
}
