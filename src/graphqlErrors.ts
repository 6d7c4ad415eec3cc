import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { UpstreamError } from './errors';
import { isQueryLimitError, QUERY_TOO_COMPLEX } from './queryLimits';

/**
 * The `extensions.code` a client sees for an error, and the one metrics count it under:
 * an upstream error's typed code, QUERY_TOO_COMPLEX for a refusal for size, otherwise the
 * code Apollo gave it.
 */
export function errorCode(error: unknown): string {
  const original = unwrapResolverError(error);
  if (original instanceof UpstreamError) return original.code;
  if (!(error instanceof GraphQLError)) return 'INTERNAL_SERVER_ERROR';
  if (isQueryLimitError(error)) return QUERY_TOO_COMPLEX;
  return String(error.extensions.code ?? 'INTERNAL_SERVER_ERROR');
}

/** Upstream errors carry their typed code and upstream details to the client; refusals for size get their own code. */
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
      },
    };
  }
  const code = errorCode(error);
  return code === formatted.extensions?.code ? formatted : { ...formatted, extensions: { ...formatted.extensions, code } };
}
