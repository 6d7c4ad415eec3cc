import { budgetUsedUp, NO_RELEASE, type Release, type Throttle } from '../../transport/throttle';
import type { WireLimits } from './wire';

interface Allowance {
  /** Points left: the fewest any answer in this window reported, less the calls sent since. */
  remaining: number;
  /** When the upstream said this allowance resets (ms since epoch). */
  resetsAt: number;
}

/** A call waiting for points, or for the probe to tell how many there are. */
interface Waiter {
  /** When its wait budget ends (ms since epoch). */
  giveUpAt: number;
  timer: NodeJS.Timeout | undefined;
  send(release: Release): void;
  refuse(error: Error): void;
}

/**
 * One account's CoMagic points budget, as the Data API reports it in
 * `metadata.limits` of every answer. When the minute's or the day's points are used up,
 * calls are held until the reset instead of being sent to fail with `limit_exceeded`.
 * Every call costs one point (the weight of every get method this graph uses).
 *
 * Until an answer has told the points, and again once what it told has reset, the budget
 * is unknown: then one call goes alone (the probe) and the others wait until it has settled.
 * A probe that told nothing (no answer, or one without limits) hands over to the next
 * call. A call that has waited its `maxWaitMs` behind a probe is sent anyway: an unknown
 * budget is no reason to fail it.
 */
export class PointsBudget implements Throttle {
  private minute: Allowance | undefined;
  private day: Allowance | undefined;
  /** A call sent while the budget was unknown has not settled yet. */
  private probing = false;
  /** In the order they came. */
  private readonly waiting: Waiter[] = [];
  private wakeAtReset: NodeJS.Timeout | undefined;

  /** `report` hears the points left whenever an answer tells them (for metrics). */
  constructor(private readonly report: (window: 'minute' | 'day', remaining: number) => void = () => undefined) {}

  /** Takes in the limits of an answer, success or error. */
  observe(limits: WireLimits | null | undefined, now = Date.now()): void {
    if (!limits) return;
    this.minute = taken(this.minute, allowance(limits.minute_remaining, limits.minute_reset, now), now);
    this.day = taken(this.day, allowance(limits.day_remaining, limits.day_reset, now), now);
    if (limits.minute_remaining !== undefined) this.report('minute', limits.minute_remaining);
    if (limits.day_remaining !== undefined) this.report('day', limits.day_remaining);
    this.serveWaiting();
  }

  acquire(maxWaitMs: number): Promise<Release> {
    return new Promise((send, refuse) => {
      const waiter: Waiter = { giveUpAt: Date.now() + maxWaitMs, timer: undefined, send, refuse };
      this.waiting.push(waiter);
      this.serveWaiting();
      if (this.waiting.includes(waiter)) waiter.timer = setTimeout(() => this.giveUp(waiter), maxWaitMs);
    });
  }

  holdOff(retryAfterSeconds: number | undefined): void {
    // `limit_exceeded` carries the limits, and observe() has taken them in. Without them,
    // hold calls for as long as the error said.
    if (retryAfterSeconds === undefined || this.exhaustedForMs(Date.now()) > 0) return;
    this.minute = { remaining: 0, resetsAt: Date.now() + retryAfterSeconds * 1000 };
    this.serveWaiting();
  }

  /** Sends, in order, every waiting call the budget allows now; refuses those that cannot wait for a reset. */
  private serveWaiting(now = Date.now()): void {
    clearTimeout(this.wakeAtReset);
    this.wakeAtReset = undefined;
    while (this.waiting.length > 0) {
      const waitMs = this.exhaustedForMs(now);
      if (waitMs > 0) {
        for (const waiter of [...this.waiting]) {
          if (waiter.giveUpAt < now + waitMs) this.refuse(waiter, waitMs);
        }
        if (this.waiting.length > 0) this.wakeAtReset = setTimeout(() => this.serveWaiting(), waitMs);
        return;
      }
      if (this.isKnown(now)) {
        this.send(this.waiting[0]!, NO_RELEASE);
      } else if (!this.probing) {
        this.probing = true;
        let settled = false;
        this.send(this.waiting[0]!, () => {
          if (settled) return;
          settled = true;
          this.probing = false;
          this.serveWaiting();
        });
      } else {
        return;
      }
    }
  }

  /** A waiter's `maxWaitMs` is up. */
  private giveUp(waiter: Waiter): void {
    if (!this.waiting.includes(waiter)) return;
    const waitMs = this.exhaustedForMs(Date.now());
    if (waitMs > 0) {
      this.refuse(waiter, waitMs);
      return;
    }
    // Still held behind a probe: the points are not known to be used up, so it goes.
    this.send(waiter, NO_RELEASE);
  }

  private send(waiter: Waiter, release: Release): void {
    this.remove(waiter);
    for (const current of [this.minute, this.day]) {
      if (current) current.remaining -= 1;
    }
    waiter.send(release);
  }

  private refuse(waiter: Waiter, waitMs: number): void {
    this.remove(waiter);
    const which = this.day && this.day.remaining <= 0 && this.day.resetsAt > Date.now() ? 'daily' : 'per-minute';
    waiter.refuse(budgetUsedUp('comagic', `comagic: the account's ${which} points are used up`, waitMs));
  }

  private remove(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiting.splice(this.waiting.indexOf(waiter), 1);
  }

  /** Whether an answer has told the points, and none of what it told has reset since. */
  private isKnown(now: number): boolean {
    const told = [this.minute, this.day].filter((current) => current !== undefined);
    return told.length > 0 && told.every((current) => current.resetsAt > now);
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

/**
 * What an answer's allowance leaves known. Within the window already known the lower count
 * wins: an answer does not count the calls sent after it was, nor those still in flight.
 */
function taken(known: Allowance | undefined, told: Allowance | undefined, now: number): Allowance | undefined {
  if (!told) return known;
  if (!known || known.resetsAt <= now) return told;
  return { remaining: Math.min(known.remaining, told.remaining), resetsAt: known.resetsAt };
}

function allowance(remaining: number | undefined, resetSeconds: number | undefined, now: number): Allowance | undefined {
  if (remaining === undefined || resetSeconds === undefined) return undefined;
  return { remaining, resetsAt: now + resetSeconds * 1000 };
}
