import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { RedisClientType } from '@keyv/redis';
import { LRUCache } from 'lru-cache';
import { BackgroundWrites } from './backgroundWrites';
import { removeFrom, type RemovingStore } from './failSafeCache';
import type { Invalidation } from './invalidation';
import { MAX_PERSISTED_QUERY_BYTES } from './persistedQueries';
import { withTimeout } from './withTimeout';

/** A whole answer, as it was written to the client the first time. */
export interface CachedResponse {
  /** The response body, byte for byte. */
  body: string;
  /** Its length in bytes, for `Content-Length`. */
  bodyBytes: number;
  /** The `Cache-Control` header the answer went out with (`max-age=60, public`). */
  cacheControl: string;
  /** The operation's name as Apollo resolved it, for logs and metrics. */
  operationName: string | undefined;
  /** When it was stored (ms since epoch): the `Age` header counts from here. */
  storedAt: number;
  /** When it expires (ms since epoch): its `max-age` after `storedAt`. */
  expiresAt: number;
}

/** What a replica keeps of an answer in its own memory: the answer, and the entities it holds. */
interface LocalAnswer extends CachedResponse {
  entities: readonly string[];
}

export interface ResponseCacheOptions {
  /** The store every replica reads (a miss when it fails); undefined when there is none. */
  shared: RemovingStore | undefined;
  /** The shared store's Redis, where the answers holding each entity are listed. */
  redis?: RedisClientType;
  /** What else the answers depend on: changes of schema or limits start afresh. */
  version: string;
  /** Tells of the entities written since: the answers holding them are dropped. */
  invalidation?: Invalidation;
  /** A Redis operation slower than this is a failure. */
  timeoutMs?: number;
  purgeEveryMs?: number;
}

/** What a GraphQL request says of itself, before anything has parsed its document. */
export interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** What the Apollo plugin learns of an answer that may be cached: set only when it may. */
export interface CacheableAnswer {
  maxAgeSeconds?: number;
  operationName?: string;
}

/** Bodies longer than this are parsed each time: they are seldom repeated byte for byte. */
const MAX_REMEMBERED_BODY = 16 * 1024;

/** How often expired answers leave this replica's memory. */
const PURGE_EVERY_MS = 10_000;

/** How many answers each replica keeps in its own memory, in front of the shared store. */
const LOCAL_MAX_BYTES = 32 * 1_048_576;

/**
 * Whole GraphQL answers, stored as the bytes that went out, so that a hit is served
 * without Apollo's pipeline: no parsing, validation or execution. What may be stored is
 * what Apollo's response-cache plugin would store: a query answered with data and no
 * errors whose `@cacheControl` policy is public with a max-age (an answer served stale is
 * `maxAge: 0`, so never). The key holds everything the answer depends on: the schema and
 * the query limits this replica runs with, the credential scopes, the document (by its
 * SHA-256, which is also how an APQ request names it), the operation name and the variables.
 * A request whose key cannot be told (no document, malformed credentials) is never served
 * from here.
 *
 * Entries live in the shared store (Redis, for every replica) for their max-age, and the
 * most recent ones also in this replica's memory: an entry never changes once stored, so a
 * local copy is as good as the shared one until it expires or an entity it holds is
 * written. Without Redis there is no shared store: the in-memory one would only hold a
 * second copy of what this replica keeps.
 *
 * Each answer is tagged with the entities it holds (their entity-cache keys): a write drops
 * every answer holding what it changed, from the shared store (Redis lists each entity's
 * answers) and from every replica's memory (see Invalidation).
 */
export class ResponseCache {
  private readonly local = new LRUCache<string, LocalAnswer>({
    maxSize: LOCAL_MAX_BYTES,
    sizeCalculation: (entry, key) => key.length + entry.body.length + entry.cacheControl.length + 64,
    dispose: (entry, key) => this.unindex(key, entry.entities),
  });
  /** The keys of the answers in this replica's memory that hold each entity. */
  private readonly byEntity = new Map<string, Set<string>>();
  private readonly shared: RemovingStore | undefined;
  private readonly writes = new BackgroundWrites();
  /** What the JSON bodies sent lately asked for, by their text. */
  private readonly bodies = new LRUCache<string, string>({ maxSize: 1_048_576, sizeCalculation: (asked, text) => text.length + asked.length + 64 });
  /** The SHA-256 of the documents asked for lately, by their text: most requests repeat one. */
  private readonly documentIds = new LRUCache<string, string>({ maxSize: 4 * 1_048_576, sizeCalculation: (_id, query) => query.length + 64 });

  /** Drops expired answers from memory: the LRU would keep them until its bytes are all used. */
  private readonly purging: NodeJS.Timeout;

  private readonly version: string;

  constructor(private readonly options: ResponseCacheOptions) {
    this.shared = options.shared;
    this.version = options.version;
    this.purging = setInterval(() => this.local.purgeStale(), options.purgeEveryMs ?? PURGE_EVERY_MS).unref();
    options.invalidation?.onInvalidate((entities) => this.dropLocal(entities));
  }

  /**
   * What a request asks for, as part of its key: the document, the operation name and the
   * variables; undefined when it names no document (Apollo will refuse it). A request sending
   * only an APQ hash asks for what the full query it stands for asks.
   */
  askedOf(params: GraphQLParams): string | undefined {
    const document = this.documentIdOf(params);
    if (document === undefined) return undefined;
    const { operationName = null, variables = null } = params;
    return JSON.stringify([document, operationName, variables]);
  }

  /**
   * `askedOf` a JSON POST body, remembered by the body's text: a client repeating a request
   * sends the same bytes, which then need no parsing before a hit. `params` parses it.
   */
  askedOfBody(text: string, params: () => unknown): string | undefined {
    let asked = this.bodies.get(text);
    if (asked === undefined) {
      const parsed = params();
      asked = isParams(parsed) ? this.askedOf(parsed) : undefined;
      if (asked !== undefined && text.length <= MAX_REMEMBERED_BODY) this.bodies.set(text, asked);
    }
    return asked;
  }

  /** The key of what a request asks for, served with the given credential scopes. */
  keyOf(asked: string, scopes: readonly string[]): string {
    return `${this.version} ${JSON.stringify(scopes)} ${asked}`;
  }

  /**
   * What names the document: the SHA-256 of its text, given or computed. A document too long
   * to be registered for APQ is not named, so its answers are not stored: a request that
   * sends only its hash must keep hearing that the hash is unknown.
   */
  private documentIdOf({ query, extensions }: GraphQLParams): string | undefined {
    if (typeof query === 'string') {
      if (query.length > MAX_PERSISTED_QUERY_BYTES / 4 && Buffer.byteLength(query) > MAX_PERSISTED_QUERY_BYTES) return undefined;
      let id = this.documentIds.get(query);
      if (id === undefined) {
        id = createHash('sha256').update(query).digest('hex');
        this.documentIds.set(query, id);
      }
      return id;
    }
    const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
    return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash.toLowerCase() : undefined;
  }

  async get(key: string, now = Date.now()): Promise<CachedResponse | undefined> {
    const local = this.local.get(key);
    if (local) {
      if (local.expiresAt > now) return local;
      this.local.delete(key);
    }
    if (!this.shared) return undefined;
    const text = await this.shared.get(sharedKey(key));
    if (text === undefined) return undefined;
    const entry = parseEntry(text);
    if (!entry || entry.expiresAt <= now) return undefined;
    // An entity written while Redis answered: this copy may be the one the write dropped.
    if (!this.options.invalidation?.changedSince(entry.entities, now)) this.remember(key, entry, entry.entities, entry.expiresAt - now);
    return entry;
  }

  /**
   * Stores an answer for its max-age, tagged with the entities it holds; the shared write is
   * not waited for. An answer read before one of its entities was written (`since`) is
   * not stored: it may hold the entity as it was.
   */
  set(
    key: string,
    answer: { body: string; cacheControl: string; operationName: string | undefined; maxAgeSeconds: number },
    held: { entities: Iterable<string>; since: number } = { entities: [], since: Date.now() },
    now = Date.now(),
  ): void {
    const entities = [...held.entities];
    if (this.options.invalidation?.changedSince(entities, held.since)) return;
    const entry: CachedResponse = {
      body: answer.body,
      bodyBytes: Buffer.byteLength(answer.body),
      cacheControl: answer.cacheControl,
      operationName: answer.operationName,
      storedAt: now,
      expiresAt: now + answer.maxAgeSeconds * 1000,
    };
    this.remember(key, entry, entities, answer.maxAgeSeconds * 1000);
    if (this.shared) this.writes.track(this.storeShared(key, { ...entry, entities }, answer.maxAgeSeconds, held.since));
  }

  /**
   * Drops every stored answer that holds one of `entities`, from the shared store: the
   * replicas' memories drop theirs when they hear of the write (see Invalidation).
   */
  async dropShared(entities: readonly string[]): Promise<void> {
    const { redis, timeoutMs = 1_000 } = this.options;
    if (!redis || !this.shared || entities.length === 0) return;
    const lists = entities.map(answersOf);
    const members = await withTimeout(Promise.all(lists.map((list) => redis.sMembers(list))), timeoutMs, 'Redis SMEMBERS');
    const shared = this.shared;
    const answers = [...new Set(members.flat())];
    await withTimeout(Promise.all(answers.map((answer) => removeFrom(shared, answer))), timeoutMs, 'answers delete');
    // Only what was read leaves each list: an answer stored meanwhile keeps its tag for the next write.
    await withTimeout(Promise.all(lists.map((list, index) => (members[index]!.length > 0 ? redis.sRem(list, members[index]!) : 0))), timeoutMs, 'Redis SREM');
  }

  /**
   * Lists the answer under each entity it holds, then stores it; then, when one of them was
   * written since the answer's read began, deletes it again (see Invalidation): a write
   * either finds it listed, or has left the mark that undoes it.
   */
  private async storeShared(key: string, entry: CachedResponse & { entities: readonly string[] }, ttlSeconds: number, since: number): Promise<void> {
    const stored = sharedKey(key);
    const { redis, timeoutMs = 1_000, invalidation } = this.options;
    if (redis && entry.entities.length > 0) {
      // Each entity's list lives as long as the longest answer in it (NX sets a first expiry, GT lengthens it).
      const batch = redis.multi();
      for (const entity of entry.entities) {
        const list = answersOf(entity);
        batch.sAdd(list, stored).expire(list, ttlSeconds, 'NX').expire(list, ttlSeconds, 'GT');
      }
      await withTimeout(batch.exec(), timeoutMs, 'Redis MULTI');
    }
    await this.shared!.set(stored, JSON.stringify(entry), { ttl: ttlSeconds });
    if (entry.entities.length > 0 && (await invalidation?.changedInStore(entry.entities, since))) await this.shared!.delete(stored);
  }

  private remember(key: string, entry: CachedResponse, entities: readonly string[], ttlMs: number): void {
    this.local.set(key, { ...entry, entities }, { ttl: ttlMs });
    for (const entity of entities) {
      let keys = this.byEntity.get(entity);
      if (!keys) this.byEntity.set(entity, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, entities: readonly string[]): void {
    for (const entity of entities) {
      const keys = this.byEntity.get(entity);
      keys?.delete(key);
      if (keys?.size === 0) this.byEntity.delete(entity);
    }
  }

  /** Drops this replica's copies of the answers holding `entities`; an empty list drops them all. */
  private dropLocal(entities: readonly string[]): void {
    if (entities.length === 0) {
      this.local.clear();
      return;
    }
    for (const entity of entities) for (const key of [...(this.byEntity.get(entity) ?? [])]) this.local.delete(key);
  }

  /** Resolves once every shared write started so far has finished. */
  settled(): Promise<void> {
    return this.writes.settled();
  }

  /** How many answers this replica holds in its own memory. */
  get localSize(): number {
    return this.local.size;
  }

  /** Stops dropping expired answers: for a server that stops. */
  close(): void {
    clearInterval(this.purging);
  }
}

/** The Redis set listing the stored answers that hold an entity. */
function answersOf(entity: string): string {
  return `contact-graph:answers-holding:${createHash('sha256').update(entity).digest('base64url')}`;
}

/** The store's key for a request's key: of a bounded length. */
function sharedKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

function isParams(value: unknown): value is GraphQLParams {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEntry(text: string): (CachedResponse & { entities: string[] }) | undefined {
  try {
    const entry = JSON.parse(text) as Partial<Record<keyof CachedResponse | 'entities', unknown>> | null;
    if (typeof entry?.body !== 'string' || typeof entry.cacheControl !== 'string') return undefined;
    if (typeof entry.storedAt !== 'number' || typeof entry.expiresAt !== 'number') return undefined;
    const operationName = typeof entry.operationName === 'string' ? entry.operationName : undefined;
    const entities = Array.isArray(entry.entities) ? entry.entities.filter((entity): entity is string => typeof entity === 'string') : [];
    return { body: entry.body, bodyBytes: Buffer.byteLength(entry.body), cacheControl: entry.cacheControl, operationName, storedAt: entry.storedAt, expiresAt: entry.expiresAt, entities };
  } catch {
    return undefined;
  }
}

/**
 * Tells the HTTP front whether the answer Apollo is about to send may be cached, in the
 * `cacheable` object of the request's context: a query, with data and no errors, whose
 * overall cache policy is public with a max-age above zero.
 */
export function cacheableAnswerPlugin<TContext extends { cacheable: CacheableAnswer }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, operationName, response, overallCachePolicy, contextValue }) {
          if (operation?.operation !== 'query' || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          const policy = overallCachePolicy.policyIfCacheable();
          if (errors || !data || !policy || policy.scope === 'PRIVATE') return;
          contextValue.cacheable.maxAgeSeconds = policy.maxAge;
          contextValue.cacheable.operationName = operationName ?? undefined;
        },
      };
    },
  };
}
