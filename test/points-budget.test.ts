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

  test('a new account\'s first calls go at once, up to the 60 a minute assumed of it; the next, which cannot wait a minute, fails at once as RATE_LIMITED', async () => {
    expect(ASSUMED_POINTS_A_MINUTE).toBe(60);
    const budget = new PointsBudget({ replicas: 1 });
    const calls = acquireMany(budget, 61);
    await settle();
    expect(sent(calls)).toBe(60);
    const error = calls[60]!.error as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', heldBack: true, retryAfter: 60 });
    expect(error.message).toBe("comagic: no answer has told the account's points yet, and the 60 a minute assumed of it are used up");
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
    expect(next[91]!.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 30 });
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
    expect(next.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 30 });
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

    const waiting = acquireMany(budget, 101);
    await jest.advanceTimersByTimeAsync(999);
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
    expect(held[2]!.error).toMatchObject({ code: 'RATE_LIMITED', heldBack: true, retryAfter: 30 });

    budget.observe({ ...limits(10), day_remaining: 0, day_reset: 50_000 });
    const daily = acquire(budget);
    await settle();
    expect(daily.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 50_000 });
    expect((daily.error as Error).message).toBe("comagic: the account's daily points are used up");
  });

  test('a call that can wait for the reset is sent once the minute has reset', async () => {
    const budget = new PointsBudget({ replicas: 1 });
    const [first] = acquireMany(budget, 1);
    await settle();
    budget.observe(limits(0, 1));
    first!.release!();
    const waiting = acquire(budget, 2_000);
    await jest.advanceTimersByTimeAsync(999);
    expect(waiting.release).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(waiting.release).toBeDefined();
  });
});
