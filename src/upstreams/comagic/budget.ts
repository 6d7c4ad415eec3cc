import { budgetUsedUp, type Release, type Throttle } from '../../transport/throttle';
import type { WireLimits } from './wire';

/**
 * The points a minute an account is assumed to have until an answer tells them: the
 * smallest minute budget the Data API's documents show in their examples (60 a minute,
 * 3,000 a day; another example shows 200 a minute). No fixed budget is documented.
 */
export const ASSUMED_POINTS_A_MINUTE = 60;

const MINUTE_MS = 60_000;

interface Allowance {
  /** Points left: the fewest any answer in this window reported, less the calls sent since. */
  remaining: number;
  /** When the upstream said this allowance resets (ms since epoch). */
  resetsAt: number;
  /** The points assumed of a window no answer has told of yet: the account's minute budget as last told, or the assumption. */
  assumed?: number;
}

/** A call waiting for points. */
interface Waiter {
  /** When its wait budget ends (ms since epoch). */
  giveUpAt: number;
  timer: NodeJS.Timeout | undefined;
  send(release: Release): void;
  refuse(error: Error): void;
}

export interface PointsBudgetOptions {
  /** How many replicas draw from the account's points: a minute not yet told of is each one's share of it. */
  replicas: number;
  /** Hears the points left whenever an answer tells them (for metrics). */
  report?: (window: 'minute' | 'day', remaining: number) => void;
}

/**
 * One account's CoMagic points budget, as the Data API reports it in `metadata.limits` of
 * every answer. When the minute's or the day's points are used up, calls are held until the
 * reset instead of being sent to fail with `limit_exceeded`. Every call costs one point (the
 * weight of every get method this graph uses).
 *
 * A minute no answer has told of yet (a new account's first, or the next one once what an
 * answer told has reset) starts from what is known of the account: its `minute_limit` as
 * last told, or else ASSUMED_POINTS_A_MINUTE; each replica takes its share. A first fan-out
 * so goes at once, and the first answer corrects the count: the points it reports, less the
 * other calls still in flight, which it may not have counted yet.
 */
export class PointsBudget implements Throttle {
  private minute: Allowance | undefined;
  private day: Allowance | undefined;
  /** The account's points a minute, as the last answer that said told them. */
  private minuteLimit = ASSUMED_POINTS_A_MINUTE;
  /** Calls sent that have not settled yet. */
  private inFlight = 0;
  /** In the order they came. */
  private readonly waiting: Waiter[] = [];
  private wakeAtReset: NodeJS.Timeout | undefined;

  constructor(private readonly options: PointsBudgetOptions) {}

  /** Takes in the limits of an answer, success or error; the answer's own call is still in flight. */
  observe(limits: WireLimits | null | undefined, now = Date.now()): void {
    if (!limits) return;
    if (limits.minute_limit !== undefined && limits.minute_limit > 0) this.minuteLimit = limits.minute_limit;
    const othersInFlight = Math.max(0, this.inFlight - 1);
    this.minute = taken(this.minute, allowance(limits.minute_remaining, limits.minute_reset, now), now, othersInFlight);
    this.day = taken(this.day, allowance(limits.day_remaining, limits.day_reset, now), now, othersInFlight);
    if (limits.minute_remaining !== undefined) this.options.report?.('minute', limits.minute_remaining);
    if (limits.day_remaining !== undefined) this.options.report?.('day', limits.day_remaining);
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
      if (!this.minute || this.minute.resetsAt <= now) {
        const share = Math.max(1, Math.floor(this.minuteLimit / this.options.replicas));
        this.minute = { remaining: share, resetsAt: now + MINUTE_MS, assumed: share };
      }
      const waitMs = this.exhaustedForMs(now);
      if (waitMs > 0) {
        for (const waiter of [...this.waiting]) {
          if (waiter.giveUpAt < now + waitMs) this.refuse(waiter, waitMs);
        }
        if (this.waiting.length > 0) this.wakeAtReset = setTimeout(() => this.serveWaiting(), waitMs);
        return;
      }
      this.send(this.waiting[0]!);
    }
  }

  /** A waiter's `maxWaitMs` is up before the points it waits for. */
  private giveUp(waiter: Waiter): void {
    if (this.waiting.includes(waiter)) this.refuse(waiter, Math.max(1, this.exhaustedForMs(Date.now())));
  }

  private send(waiter: Waiter): void {
    this.remove(waiter);
    for (const current of [this.minute, this.day]) {
      if (current) current.remaining -= 1;
    }
    this.inFlight += 1;
    let settled = false;
    waiter.send(() => {
      if (settled) return;
      settled = true;
      this.inFlight -= 1;
    });
  }

  private refuse(waiter: Waiter, waitMs: number): void {
    this.remove(waiter);
    const now = Date.now();
    const message =
      this.day && this.day.remaining <= 0 && this.day.resetsAt > now
        ? "comagic: the account's daily points are used up"
        : this.minute?.assumed !== undefined
          ? `comagic: no answer has told the account's points yet, and the ${this.minute.assumed} a minute assumed of it are used up`
          : "comagic: the account's per-minute points are used up";
    waiter.refuse(budgetUsedUp('comagic', message, waitMs));
  }

  private remove(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiting.splice(this.waiting.indexOf(waiter), 1);
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
 * What an answer's allowance leaves known. Within a window already told of the lower count
 * wins: an answer does not count the calls sent after it was, nor those still in flight. A
 * window first told of (or one only assumed) takes the answer's count, less the other calls
 * in flight, which it may not count yet.
 */
function taken(known: Allowance | undefined, told: Allowance | undefined, now: number, othersInFlight: number): Allowance | undefined {
  if (!told) return known;
  if (!known || known.resetsAt <= now || known.assumed !== undefined) return { remaining: told.remaining - othersInFlight, resetsAt: told.resetsAt };
  return { remaining: Math.min(known.remaining, told.remaining), resetsAt: known.resetsAt };
}

function allowance(remaining: number | undefined, resetSeconds: number | undefined, now: number): Allowance | undefined {
  if (remaining === undefined || resetSeconds === undefined) return undefined;
  return { remaining, resetsAt: now + resetSeconds * 1000 };
}
