import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UpstreamService } from '../errors';
import { failureOrigins } from '../graphqlErrors';
import type { Logger } from '../logger';

/** Probes are called every few seconds; logging each would drown the log. */
const UNLOGGED_PATHS = new Set(['/health', '/ready', '/metrics']);

/** What one request did, for its log line; the GraphQL plugin, the transport and the error handlers fill it in. */
export interface RequestSummary {
  operationName?: string;
  /** The `extensions.code` of every error answered, each once, in the order first seen. */
  errors: string[];
  /** The limit that refused the operation, for QUERY_TOO_COMPLEX. */
  limit?: string;
  /** Whether the response cache had the answer, when it was asked. */
  responseCache?: 'hit' | 'miss';
  /** HTTP requests sent upstream for it, retries included, by upstream; one not called is not there. */
  upstreamCalls: Partial<Record<UpstreamService, number>>;
}

const summaries = new WeakMap<IncomingMessage, RequestSummary>();

/**
 * The summary of a GraphQL request, made on first use. The `/graphql` route makes it on the
 * way in, so that a request Apollo refuses before any plugin sees it (CSRF) has one too;
 * other routes have none.
 */
export function requestSummary(req: IncomingMessage): RequestSummary {
  let summary = summaries.get(req);
  if (!summary) {
    summary = { errors: [], upstreamCalls: {} };
    summaries.set(req, summary);
  }
  return summary;
}

/** Longest operation name a log line repeats; the client chooses it. */
const MAX_OPERATION_NAME = 100;

export function nameOperation(summary: RequestSummary, name: string | undefined): void {
  if (name) summary.operationName = name.slice(0, MAX_OPERATION_NAME);
}

/** Adds the codes a request answered with to its summary, each once. */
export function recordErrorCodes(summary: RequestSummary, codes: Iterable<string>): void {
  for (const code of codes) if (!summary.errors.includes(code)) summary.errors.push(code);
}

/** What the front knows of a request while it is served. */
interface RequestState {
  id: string;
  log?: Logger;
  /** When the front took the request (performance.now()). */
  started: number;
}

const states = new WeakMap<IncomingMessage, RequestState>();

/** The id of a request the front has taken: the caller's `X-Request-Id`, or a new UUID. */
export function requestId(req: IncomingMessage): string {
  return stateOf(req).id;
}

/** A failure the front could not answer otherwise: the request's line is logged at error level, with it. */
const failures = new WeakMap<ServerResponse, Error>();

export function recordFailure(res: ServerResponse, error: unknown): void {
  failures.set(res, error instanceof Error ? error : new Error(String(error)));
}

/**
 * One JSON log line per request, once its answer is sent (or the client left first): method,
 * path, status, time taken, and what it did (its operation, the error codes it answered, the
 * limit that refused it, whether the response cache answered, the calls it made to each of
 * `upstreams`, none included).
 * Its level says whose the failure was: error for this server's, warn for an upstream's or
 * the client's, info otherwise. Every request gets its id (the caller's `X-Request-Id` when
 * it is a sane token, a new UUID otherwise), which its routes return in that header; `requestLogger`
 * gives the request's own logger, which stamps every line with that id. Headers are never
 * logged: they carry credentials.
 *
 * Written on pino directly, rather than with pino-http, because a line costs a few
 * microseconds this way: pino-http builds a child logger for every request, used or not.
 */
export function requestLog(logger: Logger, upstreams: readonly UpstreamService[]): (req: IncomingMessage, res: ServerResponse) => void {
  const noCalls = Object.fromEntries(upstreams.map((service) => [service, 0]));
  // The line's fields are this module's own, none of them a header or a body; the redaction
  // that guards every other line would only cost time here.
  const lines = logger.child({}, { redact: { paths: [] } });
  return (req, res) => {
    const state: RequestState = { id: requestIdOf(req), started: performance.now() };
    states.set(req, state);
    const path = pathOf(req.url);
    if (UNLOGGED_PATHS.has(path)) return;
    // A response closes once it is written, or when the client leaves first.
    res.once('close', () => {
      const summary = summaryFor(req, res, noCalls);
      const error = failures.get(res);
      const aborted = !res.writableFinished;
      const origins = failureOrigins(summary.errors ?? []);
      const level =
        error || res.statusCode >= 500 || origins.has('server') ? 'error' : aborted || res.statusCode >= 400 || origins.size > 0 ? 'warn' : 'info';
      if (!lines.isLevelEnabled(level)) return;
      const line = {
        requestId: state.id,
        req: { method: req.method, path },
        res: { status: res.statusCode },
        responseTime: Math.round(performance.now() - state.started),
        ...summary,
        ...(error && { err: error }),
      };
      lines[level](line, error ? 'request errored' : aborted ? 'request aborted' : 'request completed');
    });
  };
}

/** The request's own logger: every line it writes carries the request id. Made on first use. */
export function requestLogger(req: IncomingMessage, logger: Logger): Logger {
  const state = stateOf(req);
  state.log ??= logger.child({ requestId: state.id });
  return state.log;
}

function stateOf(req: IncomingMessage): RequestState {
  const state = states.get(req);
  if (!state) throw new Error('the request log has not taken this request');
  return state;
}

/** The path of a request target, without its query string. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The summary as logged. Apollo refuses some requests before any plugin sees them (CSRF
 * prevention, a request that is not GraphQL over HTTP), always as BAD_REQUEST.
 */
function summaryFor(req: IncomingMessage, res: ServerResponse, noCalls: Record<UpstreamService, number>): Partial<RequestSummary> {
  const summary = summaries.get(req);
  if (!summary) return {};
  const refusedUnseen = summary.errors.length === 0 && res.statusCode >= 400 && res.statusCode < 500;
  return { ...summary, upstreamCalls: { ...noCalls, ...summary.upstreamCalls }, ...(refusedUnseen && { errors: ['BAD_REQUEST'] }) };
}

/** The caller's `X-Request-Id` when it is a sane token, otherwise a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}
