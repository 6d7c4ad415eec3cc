import { budgetUsedUp, type Release, type Throttle } from '../../transport/throttle';
import type { WireLimits } from './wire';

/**
 * The points a minute an account is assumed to have until an answer tells them: the
 * smallest minute budget the Data API's documents show in their examples (60 a minute,
 * 3,000 a day; another example shows 200 a minute). No fixed budget is documented.
 */
export const ASSUMED_POINTS_A_MINUTE = 60;

const MINUTE_MS = 60_000;

/**
 * The Data API reports resets in whole seconds, rounded it does not say how: a window is taken
 * to last up to a second past what it says, so that no call is sent into a minute that is
 * still on. A window's reset, so known, moves by that second and by each answer's time on the
 * wire: resets within SAME_RESET_MS of each other are one window's.
 */
const RESET_ROUNDING_MS = 1_000;
const SAME_RESET_MS = 1_500;

interface Allowance {
  /** Points left: the fewest any answer in this window reported, less the calls sent since. */
  remaining: number;
  /** When the upstream said this allowance resets (ms since epoch). */
  resetsAt: number;
  /**
   * A window no answer has told of yet: the points taken of it, and when the window before it
   * reset (none for a new account's first), which an answer about this one must come after.
   */
  assumed?: { points: number; after: number | undefined };
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
 * so goes at once; calls past the share wait for the answers due (at most their `maxWaitMs`).
 * The first answer about this minute corrects the count: the points it reports, less the
 * other calls still in flight, which it may not have counted yet. An answer is known to be
 * about a window by its reset: one about a window that ended before is left out, and one about
 * a later window than the known one starts that window.
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
        this.minute = { remaining: share, resetsAt: now + MINUTE_MS, assumed: { points: share, after: this.minute?.resetsAt } };
      }
      const waitMs = this.exhaustedForMs(now);
      if (waitMs > 0) {
        // An assumed minute used up while calls are out: their answers will tell the points soon,
        // so the others wait for them (each at most its maxWaitMs), rather than for the reset.
        const answersDue = this.minute.assumed !== undefined && this.inFlight > 0 && !this.dayUsedUp(now);
        if (!answersDue) {
          for (const waiter of [...this.waiting]) {
            if (waiter.giveUpAt < now + waitMs) this.refuse(waiter, waitMs);
          }
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
      // The last answer due told nothing: calls that cannot wait for the reset go no further.
      if (this.inFlight === 0 && this.waiting.length > 0) this.serveWaiting();
    });
  }

  private refuse(waiter: Waiter, waitMs: number): void {
    this.remove(waiter);
    const now = Date.now();
    const message = this.dayUsedUp(now)
      ? "comagic: the account's daily points are used up"
      : this.minute?.assumed !== undefined
        ? `comagic: no answer has told this minute's points yet, and the ${this.minute.assumed.points} taken of it here are used up`
        : "comagic: the account's per-minute points are used up";
    waiter.refuse(budgetUsedUp('comagic', message, waitMs));
  }

  private remove(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiting.splice(this.waiting.indexOf(waiter), 1);
  }

  private dayUsedUp(now: number): boolean {
    return this.day !== undefined && this.day.remaining <= 0 && this.day.resetsAt > now;
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
 * What an answer's allowance leaves known. The answer is about the window its reset names:
 * - the window known (the same reset, give or take SAME_RESET_MS): the lower count wins, since
 *   an answer does not count the calls sent after it was, nor those still in flight;
 * - a later window than the one known, or than the one before an assumed one (the upstream's
 *   minute has turned): it starts that window, with the points reported less the other calls
 *   in flight, which it may not count yet;
 * - an earlier one (an answer late from a window that has ended): it tells nothing now.
 */
function taken(known: Allowance | undefined, told: Allowance | undefined, now: number, othersInFlight: number): Allowance | undefined {
  if (!told) return known;
  const started = { remaining: told.remaining - othersInFlight, resetsAt: told.resetsAt };
  if (!known || known.resetsAt <= now) return started;
  if (known.assumed !== undefined) return known.assumed.after === undefined || told.resetsAt > known.assumed.after + SAME_RESET_MS ? started : known;
  if (told.resetsAt > known.resetsAt + SAME_RESET_MS) return started;
  if (told.resetsAt < known.resetsAt - SAME_RESET_MS) return known;
  return { remaining: Math.min(known.remaining, told.remaining), resetsAt: known.resetsAt };
}

function allowance(remaining: number | undefined, resetSeconds: number | undefined, now: number): Allowance | undefined {
  if (remaining === undefined || resetSeconds === undefined) return undefined;
  return { remaining, resetsAt: now + resetSeconds * 1000 + RESET_ROUNDING_MS };
}
