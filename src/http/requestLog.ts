import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
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
  /** HTTP requests sent upstream for it, retries included. */
  upstreamCalls: Record<UpstreamService, number>;
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
    summary = { errors: [], upstreamCalls: { helpcrunch: 0, comagic: 0 } };
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

/**
 * One JSON log line per request: method, path, status, time taken, and what it did (its
 * operation, the error codes it answered, the limit that refused it, whether the response
 * cache answered, the upstream calls it made). Its level says whose the failure was:
 * error for this server's, warn for an upstream's or the client's, info otherwise.
 * `req.log` is a child logger that stamps every line with the request id: the caller's
 * `X-Request-Id` when it is a sane token, a new UUID otherwise, returned in the response
 * header. Headers are never logged: they carry credentials.
 */
export function requestLog(logger: Logger): HttpLogger<IncomingMessage, ServerResponse> {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdOf(req);
      res.setHeader('x-request-id', id);
      return id;
    },
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    autoLogging: { ignore: (req) => UNLOGGED_PATHS.has((req.url ?? '').split('?')[0]!) },
    customLogLevel: (req, res, error) => {
      const origins = failureOrigins(summaryFor(req, res).errors ?? []);
      if (error || res.statusCode >= 500 || origins.has('server')) return 'error';
      return res.statusCode >= 400 || origins.size > 0 ? 'warn' : 'info';
    },
    customSuccessObject: (req, res, line: object) => ({ ...line, ...summaryFor(req, res) }),
    customErrorObject: (req, res, _error, line: object) => ({ ...line, ...summaryFor(req, res) }),
  });
}

/**
 * The summary as logged. Apollo refuses some requests before any plugin sees them (CSRF
 * prevention, a request that is not GraphQL over HTTP), always as BAD_REQUEST.
 */
function summaryFor(req: IncomingMessage, res: ServerResponse): Partial<RequestSummary> {
  const summary = summaries.get(req);
  if (!summary) return {};
  const refusedUnseen = summary.errors.length === 0 && res.statusCode >= 400 && res.statusCode < 500;
  return refusedUnseen ? { ...summary, errors: ['BAD_REQUEST'] } : summary;
}

/** The caller's `X-Request-Id` when it is a sane token, otherwise a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}
