import { redact, UpstreamError, type UpstreamErrorCode } from '../../errors';
import type { HttpResponse } from '../../transport/http';
import { wireErrorBodySchema } from './wire';

/**
 * Turns a HelpCrunch error response into a typed UpstreamError. Two generations of the
 * docs are in use: `[{code:"invalid_token"}]` and `[{code:"invalid_request"},{code:"unauthorized"}]`;
 * the most specific code (the last one that is not the generic `invalid_request`) is reported.
 */
export function helpcrunchError(response: HttpResponse, secrets: string[]): UpstreamError {
  const { code, message } = describeErrorBody(response.json);
  const status = response.status;
  const upstream = { service: 'helpcrunch' as const, status, ...(code ? { code } : {}) };
  const said = message ? `: ${redact(message, secrets)}` : '';

  if (status === 429) {
    return new UpstreamError('RATE_LIMITED', `HelpCrunch rate limit exceeded${said}`, upstream, {
      retryAfter: parseRetryAfter(firstHeader(response.headers['retry-after'])),
    });
  }
  const errorCode = errorCodeForStatus(status);
  return new UpstreamError(errorCode, `HelpCrunch answered ${status}${said}`, upstream);
}

function errorCodeForStatus(status: number): UpstreamErrorCode {
  if (status === 401) return 'UPSTREAM_UNAUTHENTICATED';
  if (status === 403) return 'UPSTREAM_FORBIDDEN';
  if (status === 400 || status === 422) return 'BAD_USER_INPUT';
  if (status >= 500) return 'UPSTREAM_UNAVAILABLE';
  return 'UPSTREAM_BAD_RESPONSE';
}

/** HelpCrunch's refusal of one part of a write's body: the field (or entity) its error names, and what it said. */
export interface Refusal {
  /** The error's code when it names a field (`email`, `userId`); undefined when it names none. */
  field: string | undefined;
  message: string;
}

/** A write's 400, `{"errors":[{"code":"invalid_request"}, {"code":"email","message":…}]}`: each entry but the generic one. */
export function refusalsOf(body: unknown): Refusal[] {
  const entries = errorEntries(body);
  const specific = entries.filter((entry) => entry.code !== 'invalid_request');
  const refusals = (specific.length > 0 ? specific : entries).map((entry) => ({
    field: entry.code !== 'invalid_request' ? entry.code : undefined,
    message: entry.message ?? 'HelpCrunch refused this value',
  }));
  return refusals.length > 0 ? refusals : [{ field: undefined, message: 'HelpCrunch refused the write' }];
}

/** The entries of an `{"errors":[...]}` body, each code and message when it is text; none when the body is not one. */
function errorEntries(body: unknown): Array<{ code?: string; message?: string }> {
  const parsed = wireErrorBodySchema.safeParse(body);
  if (!parsed.success) return [];
  return parsed.data.errors.map((entry) => ({
    code: typeof entry.code === 'string' ? entry.code : undefined,
    message: typeof entry.message === 'string' ? entry.message : undefined,
  }));
}

function describeErrorBody(body: unknown): { code?: string; message?: string } {
  const entries = errorEntries(body);
  const specific = [...entries].reverse().find((entry) => entry.code && entry.code !== 'invalid_request');
  const chosen = specific ?? entries[0];
  return { code: chosen?.code, message: chosen?.message ?? entries.find((e) => e.message)?.message };
}

function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** `Retry-After` is either delay-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
