import type { HeldEntities } from './cache/invalidation';
import type { CacheableAnswer } from './cache/responseCache';
import type { StaleEntities } from './cache/staleData';
import type { PartialFailures } from './graphql/partialFailures';
import type { RequestSummary } from './http/requestLog';
import type { Logger } from './logger';
import type { Writes } from './writes';

/**
 * What every request's context holds, whatever its upstreams. Each upstream adds its own
 * loaders beside these (fresh for every request, so batching and memoisation never cross
 * requests), and its resolvers are typed with them (`Context & <its loaders>`).
 */
export interface Context {
  /** Filled in when the answer may be stored in the response cache. */
  cacheable: CacheableAnswer;
  /** Response-cache lifetime of a "not found". */
  notFoundTtlSeconds: number;
  /** Response-cache lifetime of a contact's history (chats, messages, calls, a timeline). */
  historyTtlSeconds: number;
  /** What the request's log line says of it. */
  summary: RequestSummary;
  /** Logs with the request id. */
  log: Logger;
  /** Entities this request was served from stale cache entries. */
  stale: StaleEntities;
  /** The parts of fields this request answered without, with their errors. */
  partial: PartialFailures;
  /** The entities the answer holds: its response-cache tags. */
  held: HeldEntities;
  /** What the request's mutations go through: sent once, idempotency keys, invalidation. */
  writes: Writes;
}
