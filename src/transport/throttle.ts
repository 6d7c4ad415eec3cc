import { retryAfterSeconds, UpstreamError, type UpstreamService } from '../errors';

/** Tells a throttle that a call it let through has settled: answered, failed or never sent. */
export type Release = () => void;

/** For a throttle that need not know when a call has settled. */
export const NO_RELEASE: Release = () => undefined;

/** What stands between a call and an account's rate limit. */
export interface Throttle {
  /**
   * Resolves when one more call may be sent, to the release to call once that call has
   * settled. Waits at most `maxWaitMs`; past that it throws a held-back RATE_LIMITED error
   * with `retryAfter`.
   */
  acquire(maxWaitMs: number): Promise<Release>;
  /** The upstream itself answered "rate limited": hold the next calls back for a while. */
  holdOff(retryAfterSeconds: number | undefined): void;
}

/** A throttle's refusal: the account's budget is used up for `waitMs` more, and nothing was sent. */
export function budgetUsedUp(service: UpstreamService, message: string, waitMs: number): UpstreamError {
  return new UpstreamError('RATE_LIMITED', message, { service }, { retryAfter: retryAfterSeconds(waitMs), heldBack: true });
}
