import { UpstreamError } from '../src/errors';
import type { Release } from '../src/transport/throttle';
import { ASSUMED_POINTS_A_MINUTE, PointsBudget } from '../src/upstreams/comagic/budget';

// The points budget alone, with time driven by fake timers; what it does over real HTTP is in rate-limits.test.ts.

describe('the CoMagic points budget', () => {
  const limits = (minuteRemaining: number, minuteReset = 30, minuteLimit = 120) => ({
    day_limit: 10000,
    day_remaining: 9000,
    day_reset: 50000,
    minute_limit: minuteLimit,
    minute_remaining: minuteRemaining,
    minute_reset: minuteReset,
  });

  /** An acquire whose outcome can be looked at without awaiting it. */
  function acquire(budget: PointsBudget, maxWaitMs = 2_000) {
    const outcome: { release?: Release; error?: unknown } = {};
    budget.acquire(maxWaitMs).then(
      (release) => (outcome.release = release),
      (error: unknown) => (outcome.error = error),
    );
    return outcome;
  }
  const acquireMany = (budget: PointsBudget, count: number, maxWaitMs?: number) => Array.from({ length: count }, () => acquire(budget, maxWaitMs));
  const sent = (calls: Array<{ release?: Release }>) => calls.filter((call) => call.release !== undefined).length;
  const settle = () => jest.advanceTimersByTimeAsync(0);

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('a new account\'s first calls go at once, up to the 60 a minute assumed of it; the next wait for the answers due', async () => {
    expect(ASSUMED_POINTS_A_MINUTE).toBe(60);
    const budget = new PointsBudget({ replicas: 1 });
    const calls = acquireMany(budget, 62);
    await settle();
    expect(sent(calls)).toBe(60);
    expect(calls.slice(60).map((call) => call.error)).toEqual([undefined, undefined]);
    // The first answer: 100 left after it, and 59 others in flight it may not have counted.
    calls[0]!.release!();
    budget.observe(limits(100, 50, 160));
    await settle();
    expect(sent(calls)).toBe(62);
  });

  test('past the assumed points, with no answer telling more within its maxWaitMs, a call fails as RATE_LIMITED', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const calls = acquireMany(budget, 61);
    await settle();
    await jest.advanceTimersByTimeAsync(1_999);
    expect(calls[60]!.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    const error = calls[60]!.error as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', heldBack: true, retryAfter: 58 });
    expect(error.message).toBe("comagic: no answer has told this minute's points yet, and the 60 taken of it here are used up");
    // The answers came, and told nothing: a call that cannot wait for the minute's end is refused at once.
    for (const call of calls.slice(0, 60)) call.release!();
    const next = acquire(budget);
    await settle();
    expect(next.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 58 });
  });

  test('answers that cross the upstream\'s minute: one late from the minute that ended gives no second share, one from the next starts it', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const [first] = acquireMany(budget, 1);
    await settle();
    // 40 of 60 left, the minute turning in 10 s (reported in whole seconds: up to 11 s).
    budget.observe(limits(40, 10, 60));
    const late = acquireMany(budget, 40);
    await settle();
    expect(sent(late)).toBe(40);
    await jest.advanceTimersByTimeAsync(11_000);
    // The minute has turned: a new share of 60 is taken, and 60 calls go.
    const next = acquireMany(budget, 61, 5_000);
    await settle();
    expect(sent(next)).toBe(60);
    // An answer late from the minute that ended (its reset just past) changes nothing.
    first!.release!();
    budget.observe(limits(0, 1, 60));
    await settle();
    expect(sent(next)).toBe(60);
    // The next minute's first answer tells 30 left: with 100 others in flight, none more may go.
    budget.observe(limits(30, 59, 60));
    await jest.advanceTimersByTimeAsync(5_000);
    expect(sent(next)).toBe(60);
    expect(next[60]!.error).toMatchObject({ code: 'RATE_LIMITED' });
  });

  test.each([
    { resets: 'rounds its resets up', round: Math.ceil, latencyMs: 1_500 },
    { resets: 'rounds its resets down', round: Math.floor, latencyMs: 1_500 },
    { resets: 'rounds its resets down', round: Math.floor, latencyMs: 100 },
  ])('against an upstream of 60 points a minute that $resets and answers in $latencyMs ms, three minutes of calls never send more than 60 in one of its minutes', async ({ round, latencyMs }) => {
    const budget = new PointsBudget({ replicas: 1 });
    const start = Date.now();
    const minuteOf = (at: number) => Math.floor((at - start) / 60_000);
    const counted = new Map<number, number>();
    /** One caller: acquire, the upstream counts the call as it arrives, the answer comes `latencyMs` later. */
    const caller = async () => {
      while (Date.now() - start < 180_000) {
        let release: Release;
        try {
          release = await budget.acquire(120_000);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          continue;
        }
        const arrived = Date.now();
        const minute = minuteOf(arrived);
        counted.set(minute, (counted.get(minute) ?? 0) + 1);
        const left = Math.max(0, 60 - counted.get(minute)!);
        const resetSeconds = round((start + (minute + 1) * 60_000 - arrived) / 1000);
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
        budget.observe(limits(left, resetSeconds, 60));
        release();
      }
    };
    const callers = Promise.all(Array.from({ length: 10 }, caller));
    // Calls asked for in the third minute may wait up to their 120 s.
    await jest.advanceTimersByTimeAsync(310_000);
    await callers;
    expect(Math.max(...counted.values())).toBeLessThanOrEqual(60);
    // And the budget is used, not only kept: each of the first three minutes sends most of its 60.
    expect([0, 1, 2].map((minute) => counted.get(minute)! >= 50)).toEqual([true, true, true]);
  });

  test('replicas share the assumption', async () => {
    const budget = new PointsBudget({ replicas: 3 });
    const calls = acquireMany(budget, 21, 0);
    await settle();
    expect(sent(calls)).toBe(20);
    expect(calls[20]!.error).toMatchObject({ code: 'RATE_LIMITED' });
  });

  test('the first answer replaces the assumption: the points it reports, less the other calls still in flight', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const fanOut = acquireMany(budget, 20);
    await settle();
    expect(sent(fanOut)).toBe(20);
    // Ten have settled; of the ten in flight, the one answering is counted by what it reports.
    for (const call of fanOut.slice(0, 10)) call.release!();
    budget.observe(limits(100));
    const next = acquireMany(budget, 92, 0);
    await settle();
    expect(sent(next)).toBe(91);
    // A reset is reported in whole seconds, rounded the API does not say how: up to a second later.
    expect(next[91]!.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 31 });
    expect((next[91]!.error as Error).message).toBe("comagic: the account's per-minute points are used up");
  });

  test('an answer that reports fewer points than assumed holds the rest back at once', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const [first] = acquireMany(budget, 1);
    await settle();
    budget.observe(limits(2, 30, 3));
    first!.release!();
    const next = acquireMany(budget, 3, 0);
    await settle();
    expect(next.map((call) => call.release !== undefined)).toEqual([true, true, false]);
  });

  test('an answer within a window told of never gives back points spent since: it may not count calls still in flight', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const [first] = acquireMany(budget, 1);
    await settle();
    budget.observe(limits(3));
    first!.release!();
    const three = acquireMany(budget, 3);
    await settle();
    expect(sent(three)).toBe(3);

    // The first of the three answers before the upstream has counted the other two.
    budget.observe(limits(2, 29));
    const next = acquire(budget);
    await settle();
    expect(next.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 31 });
  });

  test('an answer without limits tells nothing: the assumption stands', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const calls = acquireMany(budget, 60);
    await settle();
    for (const call of calls) call.release!();
    budget.observe(undefined);
    const next = acquire(budget, 0);
    await settle();
    expect(next.error).toMatchObject({ code: 'RATE_LIMITED' });
  });

  test('once what an answer told has reset, the next minute starts from the minute_limit it told, shared by the replicas', async () => {
    const budget = new PointsBudget({ replicas: 2 });
    const [first] = acquireMany(budget, 1);
    await settle();
    budget.observe(limits(0, 1, 200));
    first!.release!();

    // The minute turns in 1 s, reported in whole seconds: up to 2 s.
    const waiting = acquireMany(budget, 101, 3_000);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(sent(waiting)).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent(waiting)).toBe(100);
    expect(waiting[100]!.release).toBeUndefined();
  });

  test('calls that cannot wait for the reset an answer reports fail at once as RATE_LIMITED with retryAfter; the day\'s is said', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const [first] = acquireMany(budget, 1);
    await settle();
    budget.observe(limits(2, 30));
    first!.release!();
    const held = acquireMany(budget, 3);
    await settle();
    expect(held.map((call) => call.release !== undefined)).toEqual([true, true, false]);
    expect(held[2]!.error).toMatchObject({ code: 'RATE_LIMITED', heldBack: true, retryAfter: 31 });

    budget.observe({ ...limits(10), day_remaining: 0, day_reset: 50_000 });
    const daily = acquire(budget);
    await settle();
    expect(daily.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 50_001 });
    expect((daily.error as Error).message).toBe("comagic: the account's daily points are used up");
  });

  test('a call that can wait for the reset is sent once the minute has reset', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const [first] = acquireMany(budget, 1);
    await settle();
    budget.observe(limits(0, 1));
    first!.release!();
    const waiting = acquire(budget, 3_000);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(waiting.release).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(waiting.release).toBeDefined();
  });
});
