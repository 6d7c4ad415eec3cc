import { trace } from '@opentelemetry/api';
import { UpstreamError, type UpstreamErrorCode } from '../src/errors';
import { createLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { CallPolicy, retryDelay } from '../src/transport/callPolicy';
import { budgetUsedUp, NO_RELEASE, type Throttle } from '../src/transport/throttle';

// The call policy alone, with time driven by fake timers (as cockatiel's own tests do);
// the same behaviours over real HTTP are in resilience.test.ts and rate-limits.test.ts.

beforeEach(() => {
  jest.useFakeTimers();
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

const fail = (code: UpstreamErrorCode, retryAfter?: number) => new UpstreamError(code, code, { service: 'helpcrunch' }, { retryAfter });

/** A throttle that lets every call through, unless told to refuse, and notes what it is told. */
function openThrottle() {
  const throttle = {
    acquired: 0,
    heldOff: [] as Array<number | undefined>,
    refuse: false,
    /** How many calls it lets through before it refuses every one. */
    grants: Number.POSITIVE_INFINITY,
    async acquire() {
      throttle.acquired += 1;
      if (throttle.refuse || throttle.acquired > throttle.grants) throw budgetUsedUp('helpcrunch', 'used up', 30_000);
      return NO_RELEASE;
    },
    holdOff(seconds: number | undefined) {
      throttle.heldOff.push(seconds);
    },
  } satisfies Throttle & Record<string, unknown>;
  return throttle;
}

function policyWith(throttle: Throttle, options: Partial<ConstructorParameters<typeof CallPolicy>[0]> = {}) {
  return new CallPolicy({
    service: 'helpcrunch',
    account: 'test-account',
    concurrency: 4,
    throttle,
    logger: createLogger('silent', [], { write: () => undefined }),
    metrics: new Metrics(),
    tracer: trace.getTracer('test'),
    attemptTimeoutMs: 1_000,
    deadlineMs: 8_000,
    maxWaitMs: 2_000,
    breakerFailures: 100,
    breakerHalfOpenMs: 10_000,
    ...options,
  });
}

/** An attempt that answers with each of `outcomes` in turn, and records when each try began. */
function scripted<T>(...outcomes: Array<T | Error>) {
  const startedAt: number[] = [];
  const attempt = async () => {
    startedAt.push(Date.now());
    const outcome = outcomes[Math.min(startedAt.length, outcomes.length) - 1];
    if (outcome instanceof Error) throw outcome;
    return outcome as T;
  };
  return { attempt, startedAt };
}

/** Runs the call to its end, moving the clock along; resolves with its value or its error. */
async function settle<T>(pending: Promise<T>): Promise<T | Error> {
  const outcome = pending.then(
    (value) => value,
    (error: Error) => error,
  );
  await jest.runAllTimersAsync();
  return outcome;
}

test('the backoff is full jitter, doubling from 100 ms, and the upstream\'s Retry-After when it gave one', () => {
  const transient = { error: fail('UPSTREAM_UNAVAILABLE') };
  expect([1, 2, 3].map((attempt) => retryDelay({ attempt, result: transient, signal: new AbortController().signal }))).toEqual([50, 100, 200]);
  expect(retryDelay({ attempt: 1, result: { error: fail('RATE_LIMITED', 3) }, signal: new AbortController().signal })).toBe(3_000);
});

test('a transient failure is retried after the backoff, and the answer comes back', async () => {
  const { attempt, startedAt } = scripted<string>(fail('UPSTREAM_UNAVAILABLE'), 'ok');
  expect(await settle(policyWith(openThrottle()).run('GET /x', attempt))).toBe('ok');
  expect(startedAt.map((at) => at - startedAt[0]!)).toEqual([0, 50]);
});

test('three tries in all: the last failure is the one reported', async () => {
  const { attempt, startedAt } = scripted<string>(fail('UPSTREAM_UNAVAILABLE'), fail('UPSTREAM_UNAVAILABLE'), fail('UPSTREAM_TIMEOUT'));
  expect(await settle(policyWith(openThrottle()).run('GET /x', attempt))).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  expect(startedAt).toHaveLength(3);
});

test.each<UpstreamErrorCode>(['BAD_USER_INPUT', 'UPSTREAM_UNAUTHENTICATED', 'UPSTREAM_FORBIDDEN', 'UPSTREAM_BAD_RESPONSE'])('%s is not retried', async (code) => {
  const { attempt, startedAt } = scripted<string>(fail(code), 'ok');
  expect(await settle(policyWith(openThrottle()).run('GET /x', attempt))).toMatchObject({ code });
  expect(startedAt).toHaveLength(1);
});

test('a Retry-After within the wait budget is waited for once; the account is held off meanwhile', async () => {
  const throttle = openThrottle();
  const { attempt, startedAt } = scripted<string>(fail('RATE_LIMITED', 1), fail('RATE_LIMITED', 1), 'ok');
  expect(await settle(policyWith(throttle).run('GET /x', attempt))).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
  expect(startedAt.map((at) => at - startedAt[0]!)).toEqual([0, 1_000]);
  expect(throttle.heldOff).toEqual([1, 1]);
});

test('a Retry-After past the wait budget is not waited for', async () => {
  const throttle = openThrottle();
  const { attempt, startedAt } = scripted<string>(fail('RATE_LIMITED', 5), 'ok');
  expect(await settle(policyWith(throttle).run('GET /x', attempt))).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 5 });
  expect(startedAt).toHaveLength(1);
  expect(throttle.heldOff).toEqual([5]);
});

test('no retry starts when the deadline would not leave time for it, and the real failure is reported', async () => {
  const { attempt, startedAt } = scripted<string>(fail('UPSTREAM_UNAVAILABLE'), 'ok');
  const policy = policyWith(openThrottle(), { attemptTimeoutMs: 100, deadlineMs: 120 });
  const slowThenFail = async () => {
    await new Promise((resolve) => setTimeout(resolve, 90));
    return attempt();
  };
  expect(await settle(policy.run('GET /x', slowThenFail))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  expect(startedAt).toHaveLength(1);
});

test('an attempt is aborted at its timeout', async () => {
  const hang = (signal: AbortSignal) =>
    new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(fail('UPSTREAM_TIMEOUT'))));
  const started = Date.now();
  const outcome = await settle(policyWith(openThrottle(), { attemptTimeoutMs: 300, deadlineMs: 400 }).run('GET /x', hang));
  expect(outcome).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  expect(Date.now() - started).toBe(300);
});

test('a call queued for the concurrency cap fails at its deadline, and is never sent: UPSTREAM_TIMEOUT, held back', async () => {
  const metrics = new Metrics();
  const policy = policyWith(openThrottle(), { concurrency: 1, attemptTimeoutMs: 5_000, deadlineMs: 3_000, metrics });
  const started = Date.now();
  // An attempt that takes 4 s, whatever its signal says, holds the one place meanwhile.
  const slow = policy.run('GET /x', () => new Promise<string>((resolve) => setTimeout(() => resolve('slow'), 4_000)));
  const queued = scripted('never');
  let failedAt = 0;
  const queuedCall = policy.run('GET /x', queued.attempt).catch((error: unknown) => ((failedAt = Date.now()), error));
  const outcomes = await settle(Promise.all([slow, queuedCall]));
  expect(outcomes).toEqual(['slow', expect.objectContaining({ code: 'UPSTREAM_TIMEOUT', heldBack: true })]);
  expect(failedAt - started).toBe(3_000);
  expect(queued.startedAt).toHaveLength(0);
  const counted = await metrics.upstreamHeldBack.get();
  expect(counted.values).toEqual([expect.objectContaining({ labels: { service: 'helpcrunch', reason: 'deadline' }, value: 1 })]);
});

describe('a call the budget holds back', () => {
  test('is RATE_LIMITED while the upstream answers', async () => {
    const throttle = openThrottle();
    const policy = policyWith(throttle);
    expect(await settle(policy.run('GET /x', scripted('ok').attempt))).toBe('ok');
    throttle.refuse = true;
    expect(await settle(policy.run('GET /x', scripted('ok').attempt))).toMatchObject({ code: 'RATE_LIMITED', heldBack: true, retryAfter: 30 });
  });

  test('an older attempt failing after a newer one was answered says nothing of the upstream now: RATE_LIMITED', async () => {
    const throttle = openThrottle();
    const policy = policyWith(throttle, { attemptTimeoutMs: 1_000, deadlineMs: 1_000 });
    // The first call's one attempt fails late (no time is left for a retry); the second is answered meanwhile.
    const older = policy.run('GET /x', () => new Promise<string>((_, reject) => setTimeout(() => reject(fail('UPSTREAM_UNAVAILABLE')), 950)));
    const newer = policy.run('GET /x', () => new Promise<string>((resolve) => setTimeout(() => resolve('ok'), 10)));
    expect(await settle(Promise.all([older.catch((error: unknown) => error), newer]))).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', heldBack: false }), 'ok']);
    throttle.refuse = true;
    expect(await settle(policy.run('GET /x', scripted('ok').attempt))).toMatchObject({ code: 'RATE_LIMITED', heldBack: true });
  });

  test('is UPSTREAM_UNAVAILABLE, with when to come back, while the upstream\'s last answer was a failure; an answer ends that', async () => {
    const throttle = openThrottle();
    const metrics = new Metrics();
    const policy = policyWith(throttle, { metrics });
    // One try fails, and the budget holds its retry back: the failure was the upstream's.
    const down = scripted<string>(fail('UPSTREAM_UNAVAILABLE'));
    throttle.grants = 1;
    expect(await settle(policy.run('GET /x', down.attempt))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', heldBack: true, retryAfter: 30 });
    expect(down.startedAt).toHaveLength(1);
    const held = await settle(policy.run('GET /x', scripted('ok').attempt));
    expect(held).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', heldBack: true, retryAfter: 30 });
    expect((held as Error).message).toBe('helpcrunch is failing: its last answer to this account was a failure, and no call can be sent to it for 30 s');
    const counted = await metrics.upstreamHeldBack.get();
    expect(counted.values).toEqual([expect.objectContaining({ labels: { service: 'helpcrunch', reason: 'upstream_failing' }, value: 2 })]);

    // A 4xx is an answer: the upstream is up, and the budget is the budget again.
    throttle.grants = Number.POSITIVE_INFINITY;
    expect(await settle(policy.run('GET /x', scripted<string>(fail('BAD_USER_INPUT')).attempt))).toMatchObject({ code: 'BAD_USER_INPUT' });
    throttle.refuse = true;
    expect(await settle(policy.run('GET /x', scripted('ok').attempt))).toMatchObject({ code: 'RATE_LIMITED', heldBack: true });
  });
});

describe('the circuit breaker, one per account', () => {
  const options = { breakerFailures: 3, breakerHalfOpenMs: 10_000 };

  async function openCircuit(policy: CallPolicy) {
    const down = scripted<string>(fail('UPSTREAM_UNAVAILABLE'));
    await settle(policy.run('GET /x', down.attempt));
    expect(down.startedAt).toHaveLength(3);
  }

  test('opens after consecutive failures: calls then fail fast, spend no budget, and say when to come back', async () => {
    const throttle = openThrottle();
    const policy = policyWith(throttle, options);
    await openCircuit(policy);
    const acquiredBefore = throttle.acquired;
    const { attempt, startedAt } = scripted('ok');
    const refused = await settle(policy.run('GET /x', attempt));
    expect(refused).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', heldBack: true, retryAfter: expect.any(Number) });
    expect(startedAt).toHaveLength(0);
    expect(throttle.acquired).toBe(acquiredBefore);
  });

  test('after the pause one probe is sent; an answer closes the circuit', async () => {
    const policy = policyWith(openThrottle(), options);
    await openCircuit(policy);
    jest.advanceTimersByTime(10_000);
    expect(await settle(policy.run('GET /x', scripted('probe').attempt))).toBe('probe');
    expect(await settle(policy.run('GET /x', scripted('next').attempt))).toBe('next');
  });

  test('a probe the rate limit holds back is no failure of the upstream: the next call is sent', async () => {
    const throttle = openThrottle();
    const policy = policyWith(throttle, options);
    await openCircuit(policy);
    jest.advanceTimersByTime(10_000);
    throttle.refuse = true;
    // Held back by the budget while the upstream's last answers were failures: the outage's doing.
    expect(await settle(policy.run('GET /x', scripted('probe').attempt))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', heldBack: true, retryAfter: 30 });
    throttle.refuse = false;
    const { attempt, startedAt } = scripted('ok');
    expect(await settle(policy.run('GET /x', attempt))).toBe('ok');
    expect(startedAt).toHaveLength(1);
  });

  test('a probe that fails opens the circuit again', async () => {
    const policy = policyWith(openThrottle(), options);
    await openCircuit(policy);
    jest.advanceTimersByTime(10_000);
    const probe = scripted<string>(fail('UPSTREAM_UNAVAILABLE'));
    expect(await settle(policy.run('GET /x', probe.attempt))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(probe.startedAt).toHaveLength(1);
    const { attempt, startedAt } = scripted('ok');
    expect(await settle(policy.run('GET /x', attempt))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', heldBack: true });
    expect(startedAt).toHaveLength(0);
  });
});
