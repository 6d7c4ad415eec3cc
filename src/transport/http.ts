import { trace } from '@opentelemetry/api';
import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header';
import { UpstreamError, type UpstreamService } from '../errors';
import { ATTRIBUTES } from '../tracing/attributes';
import { injectTraceContext } from '../tracing/propagation';

/**
 * The one place that talks HTTP to an upstream: a keep-alive connection pool per upstream,
 * an abort signal per attempt, and network failures turned into typed errors. What a
 * status code or a body means is for the upstream's own folder to say.
 */

/** What an upstream call carries from the GraphQL request that caused it. */
export interface CallOptions {
  /** Sent upstream as `X-Request-Id`, so one request can be followed across services. */
  requestId: string;
  /** Counts the HTTP requests sent upstream for the GraphQL request, retries included. */
  upstreamCalls: Partial<Record<UpstreamService, number>>;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the upstream's base URL, starting with `/` (or empty for the base itself). */
  path: string;
  headers?: Record<string, string>;
  /** What the GraphQL request that caused it carries: its id, sent as `X-Request-Id`, and its count of calls. */
  call: CallOptions;
  /** Sent as JSON. */
  body?: unknown;
  /** Aborts the attempt; `timeoutMs` names the limit in the error. */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

/** How long an idle connection is kept for the next call. */
const KEEP_ALIVE_MS = 30_000;

export class UpstreamConnection {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    readonly service: UpstreamService,
    baseUrl: string,
  ) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    // No cap on connections here: each account's bulkhead bounds how many calls run at once.
    this.pool = new Pool(url.origin, { keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: KEEP_ALIVE_MS });
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-request-id': request.call.requestId,
      ...request.headers,
    };
    // The current attempt's span, so that the upstream's own logs can be matched to the trace.
    injectTraceContext(headers);
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json; charset=UTF-8';
      body = JSON.stringify(request.body);
    }
    request.call.upstreamCalls[this.service] = (request.call.upstreamCalls[this.service] ?? 0) + 1;
    try {
      const response = await this.pool.request({
        method: request.method,
        path: `${this.basePath}${request.path}`,
        headers,
        body,
        signal: request.signal,
      });
      const text = await response.body.text();
      trace.getActiveSpan()?.setAttribute(ATTRIBUTES.statusCode, response.statusCode);
      return { status: response.statusCode, headers: response.headers, json: parseJson(text) };
    } catch (error) {
      if (request.signal.aborted) {
        throw new UpstreamError(
          'UPSTREAM_TIMEOUT',
          `${this.service} did not answer within ${request.timeoutMs} ms`,
          { service: this.service },
        );
      }
      // The cause may carry the URL or headers, so only its class and code go into the message.
      const reason = describeNetworkError(error);
      throw new UpstreamError('UPSTREAM_UNAVAILABLE', `${this.service} could not be reached (${reason})`, {
        service: this.service,
      });
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'network error';
}
