/**
 * `searchCustomers` as one HelpCrunch search: its filter turned into HelpCrunch's filters
 * (all joined by one comparison), its page into `limit`/`offset`, its order into `sort`.
 * Whatever HelpCrunch could not express, or the client got wrong, is refused here, before
 * any call, with what to change.
 */

import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { CustomerFilter, CustomerOrder, QuerySearchCustomersArgs, TextFilter } from '../../generated/resolvers-types';
import { SEARCH_PAGE_SIZE } from './client';
import type { SearchFilter, SearchRequest } from './wire';

/** One page of `searchCustomers`, as HelpCrunch is asked for it. */
export interface SearchPage {
  request: SearchRequest;
  /** Names this filter and order in cursors: a cursor of another search is refused. */
  searchId: string;
}

const ORDERS: Record<CustomerOrder, Pick<SearchRequest, 'sort' | 'order'>> = {
  LAST_SEEN_DESC: { sort: 'customers.lastSeen', order: 'desc' },
  LAST_SEEN_ASC: { sort: 'customers.lastSeen', order: 'asc' },
  FIRST_SEEN_DESC: { sort: 'customers.firstSeen', order: 'desc' },
  FIRST_SEEN_ASC: { sort: 'customers.firstSeen', order: 'asc' },
};

/** The longest text value a filter takes; HelpCrunch's fields are short. */
const MAX_VALUE_LENGTH = 500;
const MAX_TAGS = 50;

export function searchPage({ filter, first, after, orderBy }: QuerySearchCustomersArgs): SearchPage {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > SEARCH_PAGE_SIZE) {
    throw badInput(`first must be from 1 to ${SEARCH_PAGE_SIZE}, got ${size}`);
  }
  const order = ORDERS[orderBy ?? 'LAST_SEEN_DESC'];
  const { filters, comparison } = searchFilters(filter);
  const searchId = createHash('sha256').update(JSON.stringify([comparison, filters, order])).digest('base64url').slice(0, 16);
  const offset = after === undefined || after === null ? 0 : offsetAfter(after, searchId) + 1;
  return { request: { comparison, filter: filters, limit: size, offset, ...order }, searchId };
}

function searchFilters(filter: CustomerFilter): { filters: SearchFilter[]; comparison: 'AND' | 'OR' } {
  const match = filter.match ?? 'ALL';
  const filters: SearchFilter[] = [];
  const text = (name: 'email' | 'phone' | 'name' | 'company', condition: TextFilter | null | undefined) => {
    if (!condition) return;
    const given = Object.entries(condition).filter(([, value]) => value !== null && value !== undefined);
    if (given.length === 0) throw badInput(`filter.${name} needs equals or contains`);
    if (condition.equals != null) filters.push({ field: `customers.${name}`, operator: '=', value: textValue(`filter.${name}.equals`, condition.equals) });
    if (condition.contains != null) filters.push({ field: `customers.${name}`, operator: '~', value: textValue(`filter.${name}.contains`, condition.contains) });
  };
  text('email', filter.email);
  text('phone', filter.phone);
  text('name', filter.name);
  text('company', filter.company);
  for (const name of ['userId', 'countryCode', 'city'] as const) {
    const value = filter[name];
    if (value !== null && value !== undefined) filters.push({ field: `customers.${name}`, operator: '=', value: textValue(`filter.${name}`, value) });
  }
  if (filter.tags) {
    if (filter.tags.length === 0) throw badInput('filter.tags needs at least one tag; leave it out to match any customer');
    if (filter.tags.length > MAX_TAGS) throw badInput(`filter.tags takes at most ${MAX_TAGS} tags`);
    const tags = [...new Set(filter.tags.map((tag, index) => textValue(`filter.tags[${index}]`, tag)))];
    if (tags.some((tag) => tag.includes(','))) throw badInput('a tag in filter.tags must not hold a comma');
    if (tags.length > 1 && match === 'ALL') {
      throw badInput('filter.tags with more than one tag means any of them, which HelpCrunch can join only with match: ANY; use match: ANY, or one tag');
    }
    // One tag a filter: several in one value would mean all of them.
    for (const tag of tags) filters.push({ field: 'customers.tagsData', operator: '=', value: tag });
  }
  if (filter.lastSeen) {
    const { after, before } = filter.lastSeen;
    if (after == null && before == null) throw badInput('filter.lastSeen needs after, before or both');
    if (after != null && before != null && match === 'ANY') {
      throw badInput('filter.lastSeen with both after and before is a range, which HelpCrunch can join only with match: ALL; use match: ALL, or one bound');
    }
    if (after != null) filters.push({ field: 'customers.lastSeen', operator: '>', value: unixSeconds('filter.lastSeen.after', after, Math.floor) });
    if (before != null) filters.push({ field: 'customers.lastSeen', operator: '<', value: unixSeconds('filter.lastSeen.before', before, Math.ceil) });
  }
  if (filters.length === 0) throw badInput('filter must have at least one condition (email, phone, name, company, userId, countryCode, city, tags or lastSeen)');
  return { filters, comparison: match === 'ANY' ? 'OR' : 'AND' };
}

function textValue(where: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw badInput(`${where} must not be empty`);
  if (trimmed.length > MAX_VALUE_LENGTH) throw badInput(`${where} takes at most ${MAX_VALUE_LENGTH} characters`);
  return trimmed;
}

/**
 * HelpCrunch keeps whole seconds: `after` rounds down and `before` up, so that a customer
 * seen within the bound's own second is still on the right side of it.
 */
function unixSeconds(where: string, value: Date | string, round: (seconds: number) => number): number {
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) throw badInput(`${where} must be an ISO-8601 instant`);
  return round(time / 1000);
}

/** A cursor names the search it came from and the position of its customer there. */
export function cursorOf(searchId: string, offset: number): string {
  return Buffer.from(JSON.stringify([searchId, offset])).toString('base64url');
}

function offsetAfter(cursor: string, searchId: string): number {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[0] !== 'string' || !Number.isSafeInteger(decoded[1]) || decoded[1] < 0) {
    throw badInput('after is not a cursor of searchCustomers: pass an endCursor or edge cursor as it came, or leave after out for the first page');
  }
  if (decoded[0] !== searchId) {
    throw badInput('after is a cursor of another search: page with the filter and orderBy it came with, or leave after out to start this one');
  }
  return decoded[1] as number;
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
