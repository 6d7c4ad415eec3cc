import { UpstreamError, type UpstreamErrorCode, type UpstreamService } from '../errors';

/** Why and from when a stale entity was served. */
export interface StaleOrigin {
  service: UpstreamService;
  /** When the upstream last answered for this entity (ms since epoch). */
  fetchedAt: number;
  /** The error that kept the fresh value from being fetched. */
  reason: UpstreamErrorCode;
}

/** Failures that a stale copy may stand in for. Credentials refused or bad input never are. */
const STALE_STANDS_IN_FOR: ReadonlySet<UpstreamErrorCode> = new Set([
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'RATE_LIMITED',
  'UPSTREAM_BAD_RESPONSE',
]);

export function staleMayStandInFor(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError && STALE_STANDS_IN_FOR.has(error.code);
}

/**
 * The entities one request was served from a stale cache entry, by object identity:
 * loaders hand the same object to every resolver that reads it.
 */
export class StaleEntities {
  private readonly served = new WeakMap<object, StaleOrigin>();
  private recorded = 0;

  record(entity: unknown, origin: StaleOrigin): void {
    if (typeof entity !== 'object' || entity === null) return;
    this.served.set(entity, origin);
    this.recorded += 1;
  }

  /** `derived` was built from `source`: it is as stale as `source` is. */
  carryOver(source: unknown, derived: unknown): void {
    const origin = this.of(source);
    if (origin) this.record(derived, origin);
  }

  of(entity: unknown): StaleOrigin | undefined {
    if (this.recorded === 0 || typeof entity !== 'object' || entity === null) return undefined;
    return this.served.get(entity);
  }
}
