import { z } from 'zod';
import { httpUrl, integer, MAX_CONCURRENCY, optionalString } from '../../envValues';

/** HelpCrunch's variables, read and validated with the rest in `loadConfig`. */
export const helpcrunchEnv = {
  HELPCRUNCH_API_URL: httpUrl('https://api.helpcrunch.com/v1'),
  HELPCRUNCH_API_KEY: optionalString,
  // Two is the least a fixed-window limiter can hold to in every sliding minute.
  HELPCRUNCH_RATE_LIMIT_PER_MINUTE: integer(2, 100_000, 120),
  // Unset: derived from the account's budget.
  HELPCRUNCH_CONCURRENCY: integer(1, MAX_CONCURRENCY, undefined),
};

export interface HelpCrunchConfig {
  apiUrl: string;
  /** Undefined outside production means "serve the built-in sandbox upstream". */
  apiKey: string | undefined;
  /** The account's request budget; every replica sharing CACHE_URL shares it. */
  rateLimitPerMinute: number;
  /**
   * How many HTTP calls one account may have in flight at once. Undefined: as many as the
   * rate limiter lets through at once (see `helpcrunchConcurrency` in account.ts).
   */
  concurrency: number | undefined;
}

export function helpcrunchConfig(e: z.output<z.ZodObject<typeof helpcrunchEnv>>): HelpCrunchConfig {
  return {
    apiUrl: e.HELPCRUNCH_API_URL,
    apiKey: e.HELPCRUNCH_API_KEY,
    rateLimitPerMinute: e.HELPCRUNCH_RATE_LIMIT_PER_MINUTE,
    concurrency: e.HELPCRUNCH_CONCURRENCY,
  };
}
