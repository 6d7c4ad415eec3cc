import { cacheControlFromInfo } from '@apollo/cache-control-types';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type DataLoader from 'dataloader';
import type { Context } from '../context';

/** Longest piece of a bad id quoted back in an error message. */
const QUOTED_CHARACTERS = 40;

/**
 * Upstream ids are positive integers, written as an ID is serialised: a string of digits.
 * Anything else (in an `_entities` key, anything at all) is the caller's mistake, reported
 * as BAD_USER_INPUT before any upstream is called.
 */
export function parseId(raw: unknown, what: string): number {
  if (raw === undefined || raw === null) throw badId(`${what} is missing`);
  if (typeof raw !== 'string') {
    throw badId(`${what} must be an ID (a string of digits), got ${Array.isArray(raw) ? 'a list' : typeof raw === 'object' ? 'an object' : `a ${typeof raw}`}`);
  }
  const text = raw.trim();
  if (!/^[1-9]\d*$/.test(text)) throw badId(`${what} must be a positive integer, got ${quoted(raw)}`);
  const id = Number(text);
  if (!Number.isSafeInteger(id)) {
    throw badId(`${what} is too large: upstream ids are at most ${Number.MAX_SAFE_INTEGER}, got ${quoted(text)}`);
  }
  return id;
}

/**
 * `__resolveReference` for an entity keyed by its upstream id. It is async on purpose: the
 * subgraph library maps every representation of `_entities` in one synchronous pass, so a
 * key that threw there would fail the whole list; a rejected promise fails its entity alone.
 */
export function referenceById<V, C extends Context>(typename: string, loaderOf: (context: C) => DataLoader<number, V>) {
  return async (reference: { id?: unknown }, context: C): Promise<V> =>
    loaderOf(context).load(parseId(reference.id, `${typename}.id`));
}

function quoted(text: string): string {
  const shown = text.length > QUOTED_CHARACTERS ? `${text.slice(0, QUOTED_CHARACTERS)}…` : text;
  return `${JSON.stringify(shown)}${text.length > QUOTED_CHARACTERS ? ` (${text.length} characters)` : ''}`;
}

function badId(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** "Not found" may change soon (a customer is created), so it is cached only briefly. */
export async function notFoundBriefly<T>(pending: Promise<T | null>, context: Context, info: GraphQLResolveInfo): Promise<T | null> {
  const value = await pending;
  if (value === null) cacheControlFromInfo(info).setCacheHint({ maxAge: context.notFoundTtlSeconds });
  return value;
}

/** A contact's history grows while people talk: an answer holding it is cached only for the history TTL. */
export function historyBriefly(context: Context, info: GraphQLResolveInfo): void {
  cacheControlFromInfo(info).setCacheHint({ maxAge: context.historyTtlSeconds });
}
