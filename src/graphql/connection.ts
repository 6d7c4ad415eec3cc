import { GraphQLError } from 'graphql';

/** Relay's page information, as `PageInfo` serves it. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Edge<Node> {
  cursor: string;
  node: Node;
}

/** What every `…Connection` type of the graph is resolved from. */
export interface Connection<Node, Total = number> {
  edges: Array<Edge<Node>>;
  pageInfo: PageInfo;
  totalCount: Total;
}

/**
 * Where an item stands in a list ordered newest first: its time (ms since epoch, 0 when it has
 * none), then a key that tells apart items of the same time. Both order descending.
 */
export type Position = readonly [at: number, key: string];

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface KeysetOptions<Node> {
  /** Names the connection in its cursors, and in the errors of a cursor that is not one of it. */
  name: string;
  /** The largest `first` allowed. */
  maxFirst: number;
  defaultFirst?: number;
  positionOf(node: Node): Position;
}

/**
 * Checks `first` and decodes `after` before anything is fetched: a client's mistake costs no
 * upstream call. The position returned is where the page starts (exclusive); undefined for the first page.
 */
export function pageRequest<Node>(args: PageArgs, options: KeysetOptions<Node>): { first: number; after: Position | undefined; hint: number | undefined } {
  const first = args.first ?? options.defaultFirst ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > options.maxFirst) {
    throw badInput(`first must be from 1 to ${options.maxFirst}, got ${first}`);
  }
  if (args.after === null || args.after === undefined) return { first, after: undefined, hint: undefined };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(args.after, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const [name, at, key, hint] = Array.isArray(decoded) && decoded.length >= 3 && decoded.length <= 4 ? (decoded as unknown[]) : [];
  const hintOk = hint === undefined || (Number.isSafeInteger(hint) && (hint as number) >= 0);
  if (name !== options.name || typeof at !== 'number' || !Number.isFinite(at) || typeof key !== 'string' || !hintOk) {
    throw badInput(`after is not a cursor of ${options.name}: pass an endCursor or edge cursor of it as it came, or leave after out for the first page`);
  }
  return { first, after: [at, key], hint: hint as number | undefined };
}

export function compareNewestFirst(a: Position, b: Position): number {
  return b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0);
}

/**
 * A page of `nodes` (in any order) newest first, after the position of the cursor. A cursor is
 * the position of its node, never an offset: items that arrive while a client pages are newer
 * than any cursor it holds, so the next page neither repeats nor skips one.
 */
export function keysetPage<Node>(nodes: readonly Node[], args: PageArgs, options: KeysetOptions<Node>): Connection<Node> {
  const { first, after } = pageRequest(args, options);
  const ordered = nodes.map((node) => ({ node, position: options.positionOf(node) })).sort((a, b) => compareNewestFirst(a.position, b.position));
  const start = after === undefined ? 0 : ordered.findIndex((item) => compareNewestFirst(item.position, after) > 0);
  const from = start === -1 ? ordered.length : start;
  const page = ordered.slice(from, from + first);
  const edges = page.map(({ node, position }) => ({ cursor: cursorOf(options.name, position), node }));
  return {
    edges,
    totalCount: ordered.length,
    pageInfo: {
      hasNextPage: from + page.length < ordered.length,
      hasPreviousPage: from > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** A cursor: the connection's name and the position of its node, with where the upstream had it (`hint`) when that helps to read on. */
export function cursorOf(name: string, [at, key]: Position, hint?: number): string {
  return Buffer.from(JSON.stringify(hint === undefined ? [name, at, key] : [name, at, key, hint])).toString('base64url');
}

/** An upstream id as a position's key, ordered as numbers are: a longer id is the larger. */
export function idKey(id: string): string {
  return id.padStart(20, '0');
}

/** An ISO-8601 time as a position's time: 0 when there is none. */
export function timeOf(iso: string | null): number {
  const time = iso === null ? NaN : Date.parse(iso);
  return Number.isNaN(time) ? 0 : time;
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
