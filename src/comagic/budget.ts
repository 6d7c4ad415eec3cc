import { setTimeout as sleep } from 'node:timers/promises';
import { budgetUsedUp, type Throttle } from '../transport/callPolicy';
import type { WireLimits } from './wire';

interface Allowance {
  /** Points left, as last reported, less the calls sent since. */
  remaining: number;
  /** When the upstream said this allowance resets (ms since epoch). */
  resetsAt: number;
}

/**
 * One account's CoMagic points budget, as the Data API reports it in
 * `metadata.limits` of every answer. When the minute's or the day's points are used up,
 * calls are held until the reset instead of being sent to fail with `limit_exceeded`.
 * Every call costs one point (the weight of every get method this graph uses).
 */
export class PointsBudget implements Throttle {
  private minute: Allowance | undefined;
  private day: Allowance | undefined;

  /** `report` hears the points left whenever an answer tells them (for metrics). */
  constructor(private readonly report: (window: 'minute' | 'day', remaining: number) => void = () => undefined) {}

  /** Takes in the limits of an answer, success or error. */
  observe(limits: WireLimits | null | undefined, now = Date.now()): void {
    if (!limits) return;
    this.minute = allowance(limits.minute_remaining, limits.minute_reset, now) ?? this.minute;
    this.day = allowance(limits.day_remaining, limits.day_reset, now) ?? this.day;
    if (limits.minute_remaining !== undefined) this.report('minute', limits.minute_remaining);
    if (limits.day_remaining !== undefined) this.report('day', limits.day_remaining);
  }

  async acquire(maxWaitMs: number): Promise<void> {
    const waitMs = this.exhaustedForMs(Date.now());
    if (waitMs > 0) {
      if (waitMs > maxWaitMs) {
        const which = this.day && this.day.remaining <= 0 ? 'daily' : 'per-minute';
        throw budgetUsedUp('comagic', `comagic: the account's ${which} points are used up`, waitMs);
      }
      await sleep(waitMs);
    }
    for (const current of [this.minute, this.day]) {
      if (current) current.remaining -= 1;
    }
  }

  holdOff(retryAfterSeconds: number | undefined): void {
    // `limit_exceeded` carries the limits, and observe() has taken them in. Without them,
    // hold calls for as long as the error said.
    if (retryAfterSeconds === undefined || this.exhaustedForMs(Date.now()) > 0) return;
    this.minute = { remaining: 0, resetsAt: Date.now() + retryAfterSeconds * 1000 };
  }

  /** How long until every used-up allowance has reset; 0 when a call may go now. */
  private exhaustedForMs(now: number): number {
    let waitMs = 0;
    for (const current of [this.minute, this.day]) {
      if (!current) continue;
      if (current.resetsAt <= now) continue;
      if (current.remaining <= 0) waitMs = Math.max(waitMs, current.resetsAt - now);
    }
    return waitMs;
  }
}

function allowance(remaining: number | undefined, resetSeconds: number | undefined, now: number): Allowance | undefined {
  if (remaining === undefined || resetSeconds === undefined) return undefined;
  return { remaining, resetsAt: now + resetSeconds * 1000 };
}
