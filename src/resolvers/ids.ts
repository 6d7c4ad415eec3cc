import { GraphQLError } from 'graphql';

/**
 * Upstream ids are positive integers. Anything else is the caller's mistake, reported as
 * BAD_USER_INPUT before any upstream is called.
 */
export function parseId(raw: string | number, what: string): number {
  const text = String(raw).trim();
  const id = Number(text);
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(id)) {
    throw new GraphQLError(`${what} must be a positive integer, got ${JSON.stringify(String(raw).slice(0, 40))}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return id;
}
