import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { UpstreamError } from './errors';
import { queryLimitOf, QUERY_TOO_COMPLEX } from './queryLimits';

/**
 * Whose fault an error is: the client's (a bad request, query or argument), an upstream's
 * (or its limits'), or this server's. Only the last two are failures an operator acts on.
 */
export type ErrorOrigin = 'client' | 'upstream' | 'server';

/** An APQ client's first try with a hash alone: the expected answer, not a failure. */
export const PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND';

/** The codes of requests the client got wrong; every other code is an upstream's or ours. */
const CLIENT_CODES = new Set([
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND,
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PAYLOAD_TOO_LARGE',
  QUERY_TOO_COMPLEX,
  // No credential configured and none sent in a header.
  'UNAUTHENTICATED',
  // An Idempotency-Key sent again with another write, or while its first write is still running.
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
]);

/** The origins of the failures among the codes a request answered; an APQ client's first hash-only try is none. */
export function failureOrigins(codes: Iterable<string>): Set<ErrorOrigin> {
  return new Set([...codes].filter((code) => code !== PERSISTED_QUERY_NOT_FOUND).map(errorOrigin));
}

export function errorOrigin(code: string): ErrorOrigin {
  if (CLIENT_CODES.has(code)) return 'client';
  if (code === 'RATE_LIMITED' || code.startsWith('UPSTREAM_')) return 'upstream';
  return 'server';
}

/**
 * The `extensions.code` a client sees for an error, and the one metrics and logs count it
 * under: an upstream error's typed code, QUERY_TOO_COMPLEX for a refusal for size,
 * BAD_REQUEST for Apollo's refusals that carry a 4xx status but no code (an APQ hash that
 * does not match its query), otherwise the code Apollo gave it.
 */
export function errorCode(error: unknown): string {
  const original = unwrapResolverError(error);
  if (original instanceof UpstreamError) return original.code;
  if (!(error instanceof GraphQLError)) return 'INTERNAL_SERVER_ERROR';
  if (queryLimitOf(error)) return QUERY_TOO_COMPLEX;
  const { code, http } = error.extensions as { code?: unknown; http?: { status?: number } };
  if (code === undefined && http?.status !== undefined && http.status >= 400 && http.status < 500) return 'BAD_REQUEST';
  return String(code ?? 'INTERNAL_SERVER_ERROR');
}

/**
 * Apollo's messages that tell the user to change Apollo's own options: said instead in
 * terms of this server's settings and headers.
 */
const REWORDED: Array<[RegExp, string]> = [
  [
    /^This operation has been blocked as a potential Cross-Site Request Forgery/,
    'Blocked as a potential cross-site request forgery (CSRF): a GET request, or a POST whose content-type is ' +
      'text/plain, multipart/form-data or application/x-www-form-urlencoded, must carry a non-empty ' +
      '`apollo-require-preflight` header (for example `apollo-require-preflight: true`; `x-apollo-operation-name` ' +
      'works too). Or send a POST with `content-type: application/json`.',
  ],
  [
    /^GraphQL introspection is not allowed by Apollo Server/,
    'Introspection is off on this server (the query asked for __schema or __type). ' +
      'It is off by default when NODE_ENV=production; set GRAPHQL_INTROSPECTION=true to allow it.',
  ],
];

/**
 * Upstream errors carry their typed code and upstream details to the client; refusals for
 * size get their own code and name the limit.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof UpstreamError) {
    return {
      ...formatted,
      message: original.message,
      extensions: {
        ...formatted.extensions,
        code: original.code,
        upstream: original.upstream,
        ...(original.retryAfter !== undefined ? { retryAfter: original.retryAfter } : {}),
        ...(original.writeOutcomeUnknown ? { writeOutcome: 'UNKNOWN' } : {}),
      },
    };
  }
  const code = errorCode(error);
  const limit = error instanceof GraphQLError ? queryLimitOf(error) : undefined;
  const reworded = REWORDED.find(([pattern]) => pattern.test(formatted.message))?.[1];
  if (code === formatted.extensions?.code && !limit && !reworded) return formatted;
  return {
    ...formatted,
    ...(reworded ? { message: reworded } : {}),
    extensions: { ...formatted.extensions, code, ...(limit ? { limit } : {}) },
  };
}
