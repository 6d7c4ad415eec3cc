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
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';
import { context, SpanKind, type Span, type Tracer } from '@opentelemetry/api';
import type { UpstreamPolicyConfig } from '../config';
import { retryAfterSeconds, UpstreamError, type UpstreamService } from '../errors';
import type { Logger } from '../logger';
import { CIRCUIT_STATE, type Metrics } from '../metrics';
import { ATTRIBUTES } from '../tracing/attributes';
import { errorCodeOf, failed, inSpan } from '../tracing/spans';
import type { Release, Throttle } from './throttle';

export interface CallPolicyOptions extends UpstreamPolicyConfig {
  service: UpstreamService;
  /** Names the account in logs: a credential fingerprint, never the credential. */
  account: string;
  /** How many attempts may be in flight at once (the throttle may let fewer through). */
  concurrency: number;
  throttle: Throttle;
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/** One attempt: send with this signal, which aborts after `timeoutMs` or at the deadline. */
export type Attempt<T> = (signal: AbortSignal, timeoutMs: number) => Promise<T>;

/** A call the policy did not send: the error its caller gets, and the `reason` label it is counted under. */
interface NotSent {
  error: UpstreamError;
  reason: 'rate_limited' | 'upstream_failing' | 'circuit_open' | 'deadline';
}

/** Idempotent reads are tried at most three times in all. */
export const MAX_RETRIES = 2;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;
/** A retry is not started with less time than this left before the deadline. */
const MIN_ATTEMPT_MS = 50;

/** The upstream's own "rate limited", with the wait it asked for. */
function askedToWait(error: unknown): error is UpstreamError & { retryAfter: number } {
  return error instanceof UpstreamError && error.code === 'RATE_LIMITED' && !error.heldBack && error.retryAfter !== undefined;
}

/**
 * The longest pause before retry number `attempt` (1 for the first) after `error`: the
 * upstream's Retry-After when it gave one, otherwise the cap of the exponential backoff.
 */
function longestPauseMs(error: unknown, attempt: number): number {
  return askedToWait(error) ? error.retryAfter * 1000 : Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
}

/**
 * The pause before a retry: the upstream's Retry-After when it said one, otherwise
 * exponential backoff with full jitter.
 */
export function retryDelay({ attempt, result }: IRetryBackoffContext<unknown>): number {
  const error = 'error' in result ? result.error : undefined;
  const longest = longestPauseMs(error, attempt);
  return askedToWait(error) ? longest : Math.random() * longest;
}

/** A failure this call will not retry, whatever it is: the policy hands on `error` as it is. */
class Final {
  constructor(readonly error: unknown) {}
}

/**
 * Everything one account's upstream calls go through, outermost first: a deadline for the
 * whole call; retries of transient failures with exponential backoff and full jitter
 * (and one retry after an upstream's Retry-After when it fits the wait budget); a circuit
 * breaker; the account's rate limit; a concurrency cap; a timeout per attempt. A read may be
 * retried after any transient failure. A write is never sent twice: it may have been applied
 * even when no answer came, so only an upstream's "rate limited" (it refused, and applied
 * nothing) is tried again. The policies are built once per account.
 */
export class CallPolicy {
  private readonly retries: RetryPolicy;
  /** A write's: only the upstream's own "rate limited" is tried again. */
  private readonly writeRetries: RetryPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly inFlight: BulkheadPolicy;
  private readonly log: Logger;
  /** When the circuit last opened: only to tell callers when to come back. */
  private circuitOpenedAt = 0;
  /**
   * Whether the upstream's last answer to this account was a failure (a 5xx, no answer in
   * time): until an answer says otherwise, a call the budget holds back is the outage's doing.
   * "Last" is by when the attempt was sent (`told`): a slow failure of an older attempt never
   * overrides a newer one's answer.
   */
  private failing = false;
  private attemptsSent = 0;
  private told = 0;

  constructor(private readonly options: CallPolicyOptions) {
    this.log = options.logger.child({ component: 'upstream', upstream: { service: options.service }, account: options.account });
    this.retries = retry(
      // Transient failures, and an upstream's "rate limited" whose Retry-After fits the wait budget.
      handleWhen((error) => error instanceof UpstreamError && (error.isTransient || (askedToWait(error) && error.retryAfter * 1000 <= options.maxWaitMs))),
      { maxAttempts: MAX_RETRIES, backoff: new DelegateBackoff(retryDelay) },
    );
    this.writeRetries = retry(
      handleWhen((error) => askedToWait(error) && error.retryAfter * 1000 <= options.maxWaitMs),
      { maxAttempts: 1, backoff: new DelegateBackoff(retryDelay) },
    );
    // Transient failures open the circuit. Any other failure of a probe closes it, as cockatiel
    // does: one the rate limit held back says nothing against the upstream, and the next
    // failures would open it again.
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

  /**
   * Runs one upstream call; `method` names it in metrics and traces (`GET /customers/{id}`,
   * `get.visitors`). Its span holds one span an attempt, each with its wait for budget.
   * A `write` is sent once (see the class).
   */
  run<T>(method: string, attempt: Attempt<T>, { write = false } = {}): Promise<T> {
    const { service, tracer } = this.options;
    const attributes = { [ATTRIBUTES.service]: service, [ATTRIBUTES.method]: method };
    return inSpan(tracer, `${service} ${method}`, { attributes }, (span) => this.call(method, attempt, span, write ? this.writeRetries : this.retries));
  }

  private async call<T>(method: string, attempt: Attempt<T>, span: Span, retries: RetryPolicy): Promise<T> {
    const { deadlineMs } = this.options;
    const deadline = Date.now() + deadlineMs;
    let waitedAsAsked = false;

    try {
      const result = await retries.execute(async ({ attempt: tries }) => {
        span.setAttribute(ATTRIBUTES.attempts, tries + 1);
        try {
          return await this.attempt(method, attempt, deadline, tries + 1);
        } catch (error) {
          // What only this call knows: whether a retry still fits before its deadline, and
          // whether it has already waited once as the upstream asked.
          if (Date.now() + longestPauseMs(error, tries + 1) + MIN_ATTEMPT_MS > deadline) throw new Final(error);
          if (askedToWait(error)) {
            if (waitedAsAsked) throw new Final(error);
            waitedAsAsked = true;
          }
          throw error;
        }
      });
      span.setAttribute(ATTRIBUTES.outcome, 'ok');
      return result;
    } catch (thrown) {
      const error = thrown instanceof Final ? thrown.error : thrown;
      span.setAttributes({ [ATTRIBUTES.outcome]: errorCodeOf(error), [ATTRIBUTES.heldBack]: error instanceof UpstreamError && error.heldBack });
      throw error;
    }
  }

  /**
   * One try. The breaker comes before the rate limit, so that a call on an open circuit fails
   * without spending budget; the rate limit comes before the concurrency cap.
   */
  private attempt<T>(method: string, attempt: Attempt<T>, deadline: number, number: number): Promise<T> {
    const { service, tracer } = this.options;
    const attributes = { [ATTRIBUTES.service]: service, [ATTRIBUTES.method]: method, [ATTRIBUTES.attempt]: number };
    // The attempt's span is current while it is sent: its traceparent goes upstream with it.
    return inSpan(tracer, `${service} ${method} #${number}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        const result = await this.breaker.execute(() => this.send(method, attempt, deadline));
        span.setAttribute(ATTRIBUTES.outcome, 'ok');
        return result;
      } catch (error) {
        // A call never sent is told as its caller is to hear of it, and counted by why, once.
        const notSent = this.notSent(error);
        if (notSent) this.options.metrics.upstreamHeldBack.inc({ service: this.options.service, reason: notSent.reason });
        const told = notSent?.error ?? error;
        span.setAttributes({ [ATTRIBUTES.outcome]: errorCodeOf(told), [ATTRIBUTES.heldBack]: notSent !== undefined });
        throw told;
      }
    });
  }

  /** Past the breaker: the wait for budget (a span of its own), then the call within the concurrency cap and its timeout. */
  private async send<T>(method: string, attempt: Attempt<T>, deadline: number): Promise<T> {
    const { service, metrics, throttle, tracer } = this.options;
    const waitStarted = performance.now();
    const wait = tracer.startSpan('rate limit wait', { attributes: { [ATTRIBUTES.service]: service } });
    let release: Release;
    try {
      release = await throttle.acquire(Math.max(0, Math.min(this.options.maxWaitMs, deadline - Date.now())));
    } catch (error) {
      wait.setAttribute(ATTRIBUTES.heldBack, true);
      failed(wait, error);
      throw error;
    } finally {
      const waitedMs = performance.now() - waitStarted;
      metrics.rateLimitWait.observe({ service }, waitedMs / 1000);
      wait.setAttribute(ATTRIBUTES.waitMs, Math.round(waitedMs * 10) / 10);
      wait.end();
    }
    // The bulkhead starts a queued call from the call that frees its place, in that call's
    // context: the attempt's own context is carried across, so that its span and traceparent are its own.
    const attemptContext = context.active();
    try {
      return await this.withinCap(deadline, () => context.with(attemptContext, async () => {
        // An attempt never outlives the call's deadline; a call queued past it is never sent.
        const timeoutMs = Math.min(this.options.attemptTimeoutMs, deadline - Date.now());
        if (timeoutMs <= 0) throw this.deadlinePassed();
        const sent = performance.now();
        const number = ++this.attemptsSent;
        let outcome = 'ok';
        try {
          const result = await withTimeoutSignal(timeoutMs, (signal) => attempt(signal, timeoutMs));
          this.heard(number, false);
          return result;
        } catch (error) {
          outcome = error instanceof UpstreamError ? error.code : 'UNKNOWN';
          // Any answer but a server error ends an outage; no answer at all is one.
          if (error instanceof UpstreamError) this.heard(number, error.isTransient);
          throw error;
        } finally {
          const labels = { service, method, outcome };
          metrics.upstreamRequests.inc(labels);
          metrics.upstreamDuration.observe(labels, (performance.now() - sent) / 1000);
        }
      }));
    } catch (error) {
      if (error instanceof UpstreamError && error.code === 'RATE_LIMITED' && !error.heldBack) throttle.holdOff(error.retryAfter);
      throw error;
    } finally {
      // After holdOff, so that calls waiting on this one see what its answer told.
      release();
    }
  }

  /** What the attempt sent `number`th says of the upstream, unless a later one has already said. */
  private heard(number: number, failing: boolean): void {
    if (number < this.told) return;
    this.told = number;
    this.failing = failing;
  }

  /**
   * Runs `run` within the concurrency cap. A call that finds the cap full queues, and fails at
   * its deadline if its turn has not come by then (the bulkhead would keep it in the queue:
   * when its turn comes it finds the deadline past, and is not sent).
   */
  private async withinCap<T>(deadline: number, run: () => Promise<T>): Promise<T> {
    if (this.inFlight.executionSlots > 0) return this.inFlight.execute(run);
    let timer: NodeJS.Timeout | undefined;
    const deadlinePassed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.deadlinePassed()), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([this.inFlight.execute(run), deadlinePassed]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A call that was never sent, as its caller is told of it. The budget holding a call back
   * while the upstream's last answer was a failure is the outage's doing, not the budget's:
   * the budget went on failed calls and their retries. That is UPSTREAM_UNAVAILABLE, so that
   * clients, logs and alerts see an outage as one; RATE_LIMITED is left to a budget spent on
   * answers, and to the upstream's own 429.
   */
  private notSent(error: unknown): NotSent | undefined {
    const { service } = this.options;
    if (error instanceof BrokenCircuitError) {
      const resumesInMs = this.circuitOpenedAt + this.options.breakerHalfOpenMs - Date.now();
      const open = new UpstreamError('UPSTREAM_UNAVAILABLE', `${service} is failing; calls to it are paused (circuit open)`, { service }, {
        heldBack: true,
        retryAfter: retryAfterSeconds(resumesInMs),
      });
      return { error: open, reason: 'circuit_open' };
    }
    if (!(error instanceof UpstreamError) || !error.heldBack) return undefined;
    if (error.code === 'UPSTREAM_TIMEOUT') return { error, reason: 'deadline' };
    if (!this.failing) return { error, reason: 'rate_limited' };
    const failing = new UpstreamError(
      'UPSTREAM_UNAVAILABLE',
      `${service} is failing: its last answer to this account was a failure, and no call can be sent to it for ${error.retryAfter ?? 1} s`,
      { service },
      { heldBack: true, retryAfter: error.retryAfter, cause: error },
    );
    return { error: failing, reason: 'upstream_failing' };
  }

  private deadlinePassed(): UpstreamError {
    const { service, deadlineMs } = this.options;
    return new UpstreamError('UPSTREAM_TIMEOUT', `${service} did not answer within the ${deadlineMs} ms deadline`, {
      service,
    }, { heldBack: true });
  }
}

/**
 * Runs `run` with a signal that aborts after `timeoutMs`; its timer ends with it. Timers are
 * cleared when the attempt ends: AbortSignal.timeout() would fire later for every attempt,
 * each time building an AbortError and waking whatever listened.
 */
async function withTimeoutSignal<T>(timeoutMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await run(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
