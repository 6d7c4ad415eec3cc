import { UpstreamError } from '../src/errors';
import type { Release } from '../src/transport/throttle';
import { PointsBudget } from '../src/upstreams/comagic/budget';

// The points budget alone, with time driven by fake timers; what it does over real HTTP is in rate-limits.test.ts.

describe('the CoMagic points budget, before and between what answers tell', () => {
  const limits = (minuteRemaining: number, minuteReset = 30) => ({
    day_limit: 10000,
    day_remaining: 9000,
    day_reset: 50000,
    minute_limit: 120,
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
  const settle = () => jest.advanceTimersByTimeAsync(0);

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('while the budget is unknown one call goes; the next goes once it has settled, and what it told governs', async () => {
    const budget = new PointsBudget();
    const calls = [acquire(budget), acquire(budget), acquire(budget), acquire(budget)];
    await settle();
    expect(calls.map((call) => call.release !== undefined)).toEqual([true, false, false, false]);

    // The probe failed (or was answered without limits): it told nothing, so the next call probes.
    calls[0]!.release!();
    await settle();
    expect(calls.map((call) => call.release !== undefined)).toEqual([true, true, false, false]);

    // Its answer tells the points: the others go at once, before it has even settled.
    budget.observe(limits(100));
    await settle();
    expect(calls.every((call) => call.release !== undefined)).toBe(true);
  });

  test('a call held behind the probe for its maxWaitMs is sent anyway: an unknown budget is not a used-up one', async () => {
    const budget = new PointsBudget();
    const probe = acquire(budget);
    const held = acquire(budget, 500);
    await jest.advanceTimersByTimeAsync(499);
    expect([probe.release !== undefined, held.release !== undefined]).toEqual([true, false]);
    await jest.advanceTimersByTimeAsync(1);
    expect(held.release).toBeDefined();
    expect(held.error).toBeUndefined();
  });

  test('calls held behind the probe that cannot wait for a reset it reports fail at once as RATE_LIMITED with retryAfter', async () => {
    const budget = new PointsBudget();
    const probe = acquire(budget);
    const held = [acquire(budget), acquire(budget), acquire(budget)];
    await settle();
    budget.observe(limits(2, 30));
    probe.release!();
    await settle();
    expect(held.map((call) => call.release !== undefined)).toEqual([true, true, false]);
    const error = held[2]!.error as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', heldBack: true, retryAfter: 30 });
  });

  test('an answer within the window known never gives back points spent since: it may not count calls still in flight', async () => {
    const budget = new PointsBudget();
    const probe = acquire(budget);
    await settle();
    budget.observe(limits(3));
    probe.release!();
    const sent = [acquire(budget), acquire(budget), acquire(budget)];
    await settle();
    expect(sent.every((call) => call.release !== undefined)).toBe(true);

    // The first of the three answers before the upstream has counted the other two.
    budget.observe(limits(2, 29));
    const next = acquire(budget);
    await settle();
    expect(next.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 30 });
  });

  test('once what an answer told has reset, the budget is unknown again and one call probes it', async () => {
    const budget = new PointsBudget();
    const probe = acquire(budget);
    await settle();
    budget.observe(limits(0, 1));
    probe.release!();

    const waiting = [acquire(budget), acquire(budget)];
    await jest.advanceTimersByTimeAsync(999);
    expect(waiting.map((call) => call.release !== undefined)).toEqual([false, false]);
    await jest.advanceTimersByTimeAsync(1);
    expect(waiting.map((call) => call.release !== undefined)).toEqual([true, false]);
    budget.observe(limits(120, 60));
    await settle();
    expect(waiting[1]!.release).toBeDefined();
  });
});
