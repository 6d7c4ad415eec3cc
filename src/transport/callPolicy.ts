import {
  BrokenCircuitError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleWhen,
  retry,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { UpstreamPolicyConfig } from '../config';
import { retryAfterSeconds, UpstreamError, type UpstreamService } from '../errors';
import type { Logger } from '../logger';
import { CIRCUIT_STATE, type Metrics } from '../metrics';

/** A throttle's refusal: the account's budget is used up for `waitMs` more, and nothing was sent. */
export function budgetUsedUp(service: UpstreamService, message: string, waitMs: number): UpstreamError {
  return new UpstreamError('RATE_LIMITED', message, { service }, { retryAfter: retryAfterSeconds(waitMs), heldBack: true });
}

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

export interface CallPolicyOptions extends UpstreamPolicyConfig {
  service: UpstreamService;
  /** Names the account in logs: a credential fingerprint, never the credential. */
  account: string;
  /** How many attempts may be in flight at once (the throttle may let fewer through). */
  concurrency: number;
  throttle: Throttle;
  logger: Logger;
  metrics: Metrics;
}

/** One attempt: send with this signal, which aborts after `timeoutMs` or at the deadline. */
export type Attempt<T> = (signal: AbortSignal, timeoutMs: number) => Promise<T>;

/** The `reason` label of a call the policy did not send. */
const HELD_BACK_REASON: Partial<Record<UpstreamError['code'], string>> = {
  RATE_LIMITED: 'rate_limited',
  UPSTREAM_UNAVAILABLE: 'circuit_open',
  UPSTREAM_TIMEOUT: 'deadline',
};

/** Idempotent reads are tried at most three times in all. */
export const MAX_RETRIES = 2;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;
/** A retry is not started with less time than this left before the deadline. */
const MIN_ATTEMPT_MS = 50;

/**
 * Everything one account's upstream calls go through, outermost first: a deadline for the
 * whole call; retries of transient failures with exponential backoff and full jitter
 * (and one retry after an upstream's Retry-After when it fits the wait budget); the
 * account's rate limit; a circuit breaker; a concurrency cap; a timeout per attempt.
 * Every call this server makes upstream is a read, so every one may be retried.
 */
export class CallPolicy {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly inFlight: BulkheadPolicy;
  private readonly log: Logger;
  private circuitOpenedAt = 0;

  constructor(private readonly options: CallPolicyOptions) {
    this.log = options.logger.child({ component: 'upstream', upstream: { service: options.service }, account: options.account });
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof UpstreamError && error.isTransient),
      { halfOpenAfter: options.breakerHalfOpenMs, breaker: new ConsecutiveBreaker(options.breakerFailures) },
    );
    this.breaker.onBreak(() => {
      this.circuitOpenedAt = Date.now();
      this.log.warn(
        { failures: options.breakerFailures, pauseMs: options.breakerHalfOpenMs },
        'circuit opened: calls fail fast until a probe succeeds',
      );
    });
    this.breaker.onReset(() => this.log.info('circuit closed: the upstream answers again'));
    const circuit = { service: options.service, account: options.account };
    options.metrics.circuitState.set(circuit, CIRCUIT_STATE.closed);
    this.breaker.onStateChange((state) => {
      const value = state === CircuitState.Open ? CIRCUIT_STATE.open : state === CircuitState.HalfOpen ? CIRCUIT_STATE.halfOpen : CIRCUIT_STATE.closed;
      options.metrics.circuitState.set(circuit, value);
    });
    this.inFlight = bulkhead(options.concurrency, Number.POSITIVE_INFINITY);
  }

  /** Runs one upstream call; `method` names it in metrics (`GET /customers/{id}`, `get.visitors`). */
  async run<T>(method: string, attempt: Attempt<T>): Promise<T> {
    const { deadlineMs, maxWaitMs } = this.options;
    const deadline = Date.now() + deadlineMs;
    // Timers cleared when the call ends: AbortSignal.timeout() would fire later for every
    // call, each time building an AbortError and waking whatever listened.
    const deadlineSignal = new AbortController();
    const deadlineTimer = setTimeout(() => deadlineSignal.abort(), deadlineMs);
    let retriesDone = 0;
    let retriedAfterRateLimit = false;
    let nextDelayMs = 0;

    // Decides on each failure whether to retry, and how long to pause first.
    const retryable = (error: Error): boolean => {
      if (!(error instanceof UpstreamError) || error.heldBack || retriesDone >= MAX_RETRIES) return false;
      let delayMs: number;
      if (error.isTransient) {
        delayMs = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retriesDone);
      } else if (error.code === 'RATE_LIMITED' && error.retryAfter !== undefined && !retriedAfterRateLimit) {
        delayMs = error.retryAfter * 1000;
        if (delayMs > maxWaitMs) return false;
      } else {
        return false;
      }
      if (Date.now() + delayMs + MIN_ATTEMPT_MS > deadline) return false;
      if (!error.isTransient) retriedAfterRateLimit = true;
      retriesDone += 1;
      nextDelayMs = delayMs;
      return true;
    };
    const withRetries = retry(handleWhen(retryable), {
      maxAttempts: MAX_RETRIES,
      backoff: new DelegateBackoff(() => nextDelayMs),
    });

    try {
      return await withRetries.execute(() => this.attempt(method, attempt, deadline, deadlineSignal.signal));
    } catch (error) {
      const final = this.heldBackError(error) ?? error;
      if (final instanceof UpstreamError && final.heldBack) {
        this.options.metrics.upstreamHeldBack.inc({ service: this.options.service, reason: HELD_BACK_REASON[final.code] ?? final.code });
      }
      throw final;
    } finally {
      clearTimeout(deadlineTimer);
    }
  }

  /**
   * One try. An open circuit fails before the rate limit is asked, so that no budget is spent
   * on calls that will not be sent; the rate limit is asked before the breaker, so that a call
   * it holds back is never taken for the probe that closes a half-open circuit.
   */
  private async attempt<T>(method: string, attempt: Attempt<T>, deadline: number, deadlineSignal: AbortSignal): Promise<T> {
    const { service, metrics } = this.options;
    if (this.breaker.state === CircuitState.Open && Date.now() < this.circuitOpenedAt + this.options.breakerHalfOpenMs) {
      throw new BrokenCircuitError();
    }
    const waitStarted = performance.now();
    let release: Release;
    try {
      release = await this.options.throttle.acquire(Math.max(0, Math.min(this.options.maxWaitMs, deadline - Date.now())));
    } finally {
      metrics.rateLimitWait.observe({ service }, (performance.now() - waitStarted) / 1000);
    }
    try {
      return await this.breaker.execute(() =>
        this.inFlight.execute(async () => {
          const timeoutMs = Math.min(this.options.attemptTimeoutMs, deadline - Date.now());
          if (timeoutMs <= 0) throw this.deadlinePassed();
          const sent = performance.now();
          let outcome = 'ok';
          try {
            return await withTimeoutSignal(timeoutMs, deadlineSignal, (signal) => attempt(signal, timeoutMs));
          } catch (error) {
            outcome = error instanceof UpstreamError ? error.code : 'UNKNOWN';
            throw error;
          } finally {
            const labels = { service, method, outcome };
            metrics.upstreamRequests.inc(labels);
            metrics.upstreamDuration.observe(labels, (performance.now() - sent) / 1000);
          }
        }, deadlineSignal),
      );
    } catch (error) {
      if (error instanceof UpstreamError && error.code === 'RATE_LIMITED' && !error.heldBack) {
        this.options.throttle.holdOff(error.retryAfter);
      }
      throw error;
    } finally {
      // After holdOff, so that calls waiting on this one see what its answer told.
      release();
    }
  }

  /** Errors of the policy itself, for calls that were never sent, as typed upstream errors. */
  private heldBackError(error: unknown): UpstreamError | undefined {
    const { service } = this.options;
    if (error instanceof BrokenCircuitError) {
      const resumesInMs = this.circuitOpenedAt + this.options.breakerHalfOpenMs - Date.now();
      return new UpstreamError(
        'UPSTREAM_UNAVAILABLE',
        `${service} is failing; calls to it are paused (circuit open)`,
        { service },
        { heldBack: true, retryAfter: retryAfterSeconds(resumesInMs) },
      );
    }
    // The bulkhead gave up a queued call at the deadline.
    if (error instanceof Error && error.name === 'TaskCancelledError') return this.deadlinePassed();
    return undefined;
  }

  private deadlinePassed(): UpstreamError {
    const { service, deadlineMs } = this.options;
    return new UpstreamError('UPSTREAM_TIMEOUT', `${service} did not answer within the ${deadlineMs} ms deadline`, {
      service,
    }, { heldBack: true });
  }
}

/** Runs `run` with a signal that aborts after `timeoutMs` or with `outer`, whichever comes first; its timer ends with it. */
async function withTimeoutSignal<T>(timeoutMs: number, outer: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, timeoutMs);
  if (outer.aborted) abort();
  else outer.addEventListener('abort', abort, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', abort);
  }
}
