/**
 * Typed domain errors. Upstream clients turn their wire errors into these; everything
 * above the clients (loaders, resolvers, the GraphQL error formatter) speaks only these.
 */

/**
 * An upstream's name, as its folder gives it (its `Upstream.name`): the label of its
 * metrics, logs, errors and cache keys. Shared code knows no list of them.
 */
export type UpstreamService = string;

export type UpstreamErrorCode =
  /** The request has no credential for this upstream (none configured, none sent). */
  | 'UNAUTHENTICATED'
  | 'UPSTREAM_UNAUTHENTICATED'
  | 'UPSTREAM_FORBIDDEN'
  | 'RATE_LIMITED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'BAD_USER_INPUT';

export interface UpstreamErrorDetails {
  service: UpstreamService;
  /** HTTP status of the upstream response, when there was one. */
  status?: number;
  /** The upstream's own error code, as its error body names it. */
  code?: string;
}

export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;
  readonly upstream: UpstreamErrorDetails;
  /** Seconds after which the call may succeed again, when that is known. */
  readonly retryAfter: number | undefined;
  /**
   * True when this server held the call back (its own rate limit, an open circuit) and
   * nothing was sent: such a failure says nothing new about the upstream and is never retried.
   */
  readonly heldBack: boolean;
  /** True for a write that was sent and got no answer saying whether it was applied. */
  readonly writeOutcomeUnknown: boolean;

  constructor(
    code: UpstreamErrorCode,
    message: string,
    upstream: UpstreamErrorDetails,
    options: { retryAfter?: number; heldBack?: boolean; writeOutcomeUnknown?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UpstreamError';
    this.code = code;
    this.upstream = upstream;
    this.retryAfter = options.retryAfter;
    this.heldBack = options.heldBack ?? false;
    this.writeOutcomeUnknown = options.writeOutcomeUnknown ?? false;
  }

  /** A failure of the upstream itself (no answer, or a server error): worth a retry and counted by the breaker. */
  get isTransient(): boolean {
    return !this.heldBack && (this.code === 'UPSTREAM_TIMEOUT' || this.code === 'UPSTREAM_UNAVAILABLE');
  }
}

/**
 * An upstream refusing a request this server wrote (a search, a report, a page) as bad input:
 * the client asked nothing wrong, so it is this server's contract with the upstream that broke.
 */
export function refusedOwnRequest(error: unknown, what: string): unknown {
  if (!(error instanceof UpstreamError) || error.code !== 'BAD_USER_INPUT') return error;
  return new UpstreamError('UPSTREAM_BAD_RESPONSE', `${what}: ${error.message}`, error.upstream, { cause: error });
}

/** A wait in milliseconds as a `retryAfter`: whole seconds, at least one. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/** Removes every occurrence of the given secrets from a text that came from outside. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret) result = result.split(secret).join('[REDACTED]');
  }
  return result;
}
