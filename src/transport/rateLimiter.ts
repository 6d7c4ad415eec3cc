import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClientType } from '@keyv/redis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { withTimeout } from '../cache/withTimeout';
import type { UpstreamService } from '../errors';
import type { Logger } from '../logger';
import { budgetUsedUp, NO_RELEASE, type Release, type Throttle } from './throttle';

export interface RequestRateLimiterOptions {
  service: UpstreamService;
  perMinute: number;
  /** Shared by every replica when given; otherwise the budget is this process's own. */
  redis: RedisClientType | undefined;
  /** A Redis operation slower than this falls back to the in-process budget. */
  redisTimeoutMs: number;
  /** How many replicas draw from the budget: the in-process budget is each one's share of it. */
  replicas: number;
  logger: Logger;
}

/** One fixed window of the limiter: `points` calls per `seconds`. */
export interface LimiterWindow {
  points: number;
  seconds: number;
}

/** Window lengths that divide a minute evenly. */
const WINDOW_SECONDS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

/**
 * The fixed window that keeps every sliding minute within `perMinute` calls while letting
 * the most through. A fixed window of `perMinute` a minute would allow twice that around a
 * window edge, and the upstream's own window is not documented. A minute overlaps at most
 * 60/s + 1 windows of s seconds, so `points` is at most perMinute·s/(60+s).
 * For 120 a minute this is 9 calls every 5 s: 108 a minute at most, 117 in any minute.
 */
export function limiterWindow(perMinute: number): LimiterWindow {
  let best: LimiterWindow = { points: Math.floor(perMinute / 2), seconds: 60 };
  for (const seconds of WINDOW_SECONDS) {
    const points = Math.floor((perMinute * seconds) / (60 + seconds));
    if (points >= 1 && (points * 60) / seconds > (best.points * 60) / best.seconds) best = { points, seconds };
  }
  return best;
}

/**
 * A client-side request budget per account, kept in Redis when one is configured so that
 * every replica draws from the same budget. If Redis fails or is slow, each process falls
 * back to an in-memory budget of its own rather than stopping all calls: its share of the
 * window (`REPLICAS`), so that the replicas together still keep within the budget. Without
 * Redis that share is all there is.
 *
 * A store taking over never lets a call too many through: when Redis fails, the account's
 * calls pause here for one window, since Redis may have counted that window full; when Redis
 * answers again (maybe restarted, empty), the account is blocked there for one window, since
 * the replicas' windows in memory may still be running. Each change of store costs the
 * account at most one window of calls, never a sliding minute over its budget.
 */
export class RequestRateLimiter {
  readonly window: LimiterWindow;
  private readonly memory: RateLimiterMemory;
  private readonly shared: RateLimiterRedis | undefined;
  /**
   * While Redis fails: each account counted in memory since, with when it last was, which Redis
   * must hold back once it answers (for as long as that window may still run).
   */
  private outage: Map<string, number> | undefined;

  constructor(private readonly options: RequestRateLimiterOptions) {
    this.window = limiterWindow(options.perMinute);
    const { points, seconds: duration } = this.window;
    const keyPrefix = `contact-graph:limit:${options.service}`;
    // Each replica's share of a window; with more replicas than points, one call in as many windows as it takes.
    const share = Math.floor(points / options.replicas);
    this.memory = new RateLimiterMemory(
      share >= 1 ? { points: share, duration, keyPrefix } : { points: 1, duration: Math.ceil((duration * options.replicas) / points), keyPrefix },
    );
    this.shared = options.redis
      ? new RateLimiterRedis({ storeClient: options.redis, useRedisPackage: true, rejectIfRedisNotReady: true, points, duration, keyPrefix })
      : undefined;
  }

  /** The budget of one account, named by a fingerprint of its credential. */
  forAccount(account: string): Throttle {
    return {
      acquire: (maxWaitMs) => this.acquire(account, maxWaitMs),
      holdOff: (retryAfterSeconds) => {
        // Every replica stops for as long as the upstream asked, and at least one window: a block
        // starts a new window, so one shorter than what is left of this window would forget the
        // calls already counted in it, and let a window's worth more through.
        const seconds = Math.max(retryAfterSeconds ?? 0, this.window.seconds);
        blockAtLeast(this.memory, account, seconds).catch(() => undefined);
        if (this.shared) blockAtLeast(this.shared, account, seconds).catch(() => undefined);
      },
    };
  }

  /** One call counted in the store that answers; rejects with a RateLimiterRes when the budget is used up. */
  private async consume(account: string): Promise<void> {
    const shared = this.shared;
    if (!shared) {
      await this.memory.consume(account);
      return;
    }
    try {
      if (this.outage) await this.takeBack(shared, account);
      await this.inTime(shared.consume(account));
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error;
      await this.fallBack(account, error);
    }
  }

  /** Redis failed: this call, and the account's next ones until it answers, count in memory. */
  private async fallBack(account: string, error: unknown): Promise<void> {
    if (!this.outage) {
      this.outage = new Map();
      this.options.logger.warn({ err: error, upstream: { service: this.options.service } }, 'rate limiter: Redis failed; each replica keeps to its share of the budget');
    }
    if (!this.outage.has(account)) await blockAtLeast(this.memory, account, this.window.seconds);
    this.outage.set(account, Date.now());
    await this.memory.consume(account);
  }

  /**
   * Redis may answer again: an account counted in memory within the last window waits out
   * there what may still run of that window. Accounts whose last call in memory is older are
   * forgotten, and once none is left the outage is over.
   */
  private async takeBack(shared: RateLimiterRedis, account: string): Promise<void> {
    const outage = this.outage!;
    const windowMs = this.window.seconds * 1000;
    const last = outage.get(account);
    if (last !== undefined && Date.now() - last < windowMs) await this.inTime(blockAtLeast(shared, account, this.window.seconds));
    else await this.inTime(shared.get(account));
    // Calls of the account waiting here at once each block the same window; the first one out clears it.
    outage.delete(account);
    for (const [other, at] of outage) if (Date.now() - at >= windowMs) outage.delete(other);
    if (this.outage === outage && outage.size === 0) {
      this.outage = undefined;
      this.options.logger.info({ upstream: { service: this.options.service } }, 'rate limiter: Redis answers again; the budget is shared');
    }
  }

  private inTime<T>(work: Promise<T>): Promise<T> {
    return withTimeout(work, this.options.redisTimeoutMs, 'rate limiter: Redis did not answer in time');
  }

  /** Calls are counted as they are sent, so a call's end tells this budget nothing. */
  private async acquire(account: string, maxWaitMs: number): Promise<Release> {
    const giveUpAt = Date.now() + maxWaitMs;
    for (;;) {
      let rejection: RateLimiterRes;
      try {
        await this.consume(account);
        return NO_RELEASE;
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) {
          // Both stores failed: better one call too many than none at all.
          this.options.logger.warn({ err: error }, 'rate limiter failed; sending without it');
          return NO_RELEASE;
        }
        rejection = error;
      }
      const waitMs = rejection.msBeforeNext;
      if (Date.now() + waitMs > giveUpAt) {
        const { service, perMinute } = this.options;
        throw budgetUsedUp(service, `${service}: this account's budget of ${perMinute} requests a minute is used up`, waitMs);
      }
      // A little jitter so that the waiters do not all retry on the same millisecond.
      await sleep(waitMs + Math.random() * 20);
    }
  }
}

/** Blocks `account` for `seconds`, or for longer when it already is: a block never shortens another. */
async function blockAtLeast(limiter: RateLimiterMemory | RateLimiterRedis, account: string, seconds: number): Promise<void> {
  const current = await limiter.get(account);
  const blockedMs = current && current.remainingPoints <= 0 && current.consumedPoints > limiter.points ? current.msBeforeNext : 0;
  await limiter.block(account, Math.max(seconds, blockedMs / 1000));
}
