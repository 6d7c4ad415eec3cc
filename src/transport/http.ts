import { UpstreamError, type UpstreamService } from '../errors';

/**
 * The one place that talks HTTP to an upstream: it applies the timeout and turns
 * network failures into typed errors. What a status code or a body means is for the
 * upstream's own folder to say.
 */

export interface HttpRequest {
  service: UpstreamService;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export async function sendHttpRequest(request: HttpRequest): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    headers['content-type'] = 'application/json; charset=UTF-8';
    body = JSON.stringify(request.body);
  }
  try {
    const response = await fetch(request.url, { method: request.method, headers, body, signal });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: parseJson(text) };
  } catch (error) {
    if (signal.aborted) {
      throw new UpstreamError(
        'UPSTREAM_TIMEOUT',
        `${request.service} did not answer within ${request.timeoutMs} ms`,
        { service: request.service },
      );
    }
    // The cause may carry the URL or headers, so only its class and code go into the message.
    const reason = describeNetworkError(error);
    throw new UpstreamError('UPSTREAM_UNAVAILABLE', `${request.service} could not be reached (${reason})`, {
      service: request.service,
    });
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
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.name : 'network error';
}
