import { createHash, randomUUID } from 'node:crypto';
import type { RedisClientType } from '@keyv/redis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger';
import { withTimeout } from './withTimeout';

/** The Redis channel every replica hears invalidations on. */
const CHANNEL = 'contact-graph:invalidate';

/** The channel a replica hears, on its own, that the others have dropped what it told them of. */
function acksOf(replica: string): string {
  return `contact-graph:invalidated:${replica}`;
}

/**
 * How long a change is remembered, here and in Redis: longer than any read that began
 * before the change may still be running (an upstream call's deadline is far shorter).
 */
const REMEMBERED_SECONDS = 600;

/**
 * How far apart two replicas' clocks may be: a read is taken to have begun before a change
 * when it began up to this long after it, by the clocks of the two. Storing nothing of a
 * read a second after a write costs a miss, never a stale answer.
 */
const CLOCK_SKEW_MS = 1_000;

/** The first pause before an invalidation that failed (Redis down) is tried again; it doubles, up to the last. */
const RETRY_PAUSES_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/** What one replica does with the entities another one changed: drop what it keeps of them in memory. */
export type InvalidationListener = (entities: readonly string[]) => void;

/**
 * Entities changed by a write, told to every replica. An entity is named by its
 * entity-cache key (`<upstream>:<scope>:customer:v2:42`), the tag an answer holding it
 * carries too. The replica that writes, before the write is answered:
 * 1. marks the entities changed, in its memory and in Redis (`mark`);
 * 2. drops their shared copies: the entity entries, the answers tagged with them;
 * 3. publishes their names on Redis (`publish`): every replica drops its memory's copies,
 *    and says so; the writer waits for every replica Redis delivered the message to (within
 *    the cache timeout), so that a request sent after the write's answer finds no old copy.
 *
 * A read that began before a write must not store what it read, or it would put the old
 * entity back: a store checks the marks after it has written, and deletes what it wrote when
 * one of its entities changed since its read began (`changedInStore`). A mark written before
 * that check makes the store undo itself; one written after it comes before the writer's
 * drop, which then finds the stored copy.
 *
 * A replica whose subscription is down cannot hear writes: it keeps serving its memory (Redis
 * is down for every replica then, and the memory is what keeps answering), and drops all of it
 * when it hears again, since it may have missed a write. A write whose invalidation fails is
 * tried again until Redis takes it.
 */
export class Invalidation {
  private readonly changedAt = new LRUCache<string, number>({ max: 100_000, ttl: REMEMBERED_SECONDS * 1000 });
  private readonly listeners: InvalidationListener[] = [];
  private readonly replica = randomUUID();
  private readonly log: Logger;
  private subscriber: RedisClientType | undefined;
  private subscribed = false;
  private channelOpen = false;
  private heardBefore = false;
  private firstHeard: () => void = () => undefined;
  private readonly retries = new Set<NodeJS.Timeout>();
  /** Invalidations published and not yet confirmed by every replica that heard them, by id. */
  private readonly unconfirmed = new Map<string, { confirmed: number; needed: number; done(): void }>();

  constructor(
    private readonly redis: RedisClientType | undefined,
    private readonly options: { timeoutMs: number; logger: Logger },
  ) {
    this.log = options.logger.child({ component: 'invalidation' });
  }

  /** Subscribes to the other replicas' invalidations; without Redis there are none. */
  async start(): Promise<void> {
    if (!this.redis) return;
    const subscriber = this.redis.duplicate() as RedisClientType;
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('end', () => this.lost());
    subscriber.on('reconnecting', () => this.lost());
    subscriber.on('ready', () => void this.listen(subscriber));
    const listening = new Promise<void>((resolve) => (this.firstHeard = resolve));
    subscriber.connect().catch(() => undefined);
    await withTimeout(listening, 2_000, 'Redis subscribe').catch(() =>
      this.log.warn('cannot hear invalidations yet: writes on other replicas reach this one once it can'),
    );
  }

  onInvalidate(listener: InvalidationListener): void {
    this.listeners.push(listener);
  }

  /** Whether any of `entities` changed after `since` (ms since epoch), as far as this replica has heard. */
  changedSince(entities: Iterable<string>, since: number): boolean {
    for (const entity of entities) {
      const at = this.changedAt.get(entity);
      if (at !== undefined && at >= since) return true;
    }
    return false;
  }

  /**
   * Whether any of `entities` changed after `since` by the marks in Redis, which every
   * replica's writes leave: a copy read before then must not stay stored. A Redis that does
   * not answer says yes: a store it would not tell about is dropped.
   */
  async changedInStore(entities: readonly string[], since: number): Promise<boolean> {
    if (this.changedSince(entities, since - CLOCK_SKEW_MS)) return true;
    if (!this.redis || entities.length === 0) return false;
    try {
      const marks = await withTimeout(this.redis.mGet(entities.map(markOf)), this.options.timeoutMs, 'Redis MGET (changes)');
      return marks.some((mark) => mark !== null && Number(mark) >= since - CLOCK_SKEW_MS);
    } catch {
      return true;
    }
  }

  /** Marks `entities` changed now, in this replica's memory (whose copies it drops at once) and in Redis. */
  async mark(entities: readonly string[]): Promise<void> {
    if (entities.length === 0) return;
    this.drop(entities);
    if (!this.redis) return;
    const now = String(Date.now());
    const batch = this.redis.multi();
    for (const entity of entities) batch.set(markOf(entity), now, { EX: REMEMBERED_SECONDS });
    await withTimeout(batch.exec(), this.options.timeoutMs, 'Redis MULTI (changes)');
  }

  /**
   * Tells every replica that `entities` changed, and waits until each one Redis delivered the
   * message to has dropped its memory's copies (this one's own subscription included). A
   * replica that does not say so within the cache timeout is logged, not waited for further.
   */
  async publish(entities: readonly string[]): Promise<void> {
    if (!this.redis || entities.length === 0) return;
    const id = randomUUID();
    const waiting = { confirmed: 0, needed: Number.POSITIVE_INFINITY, done: () => undefined as void };
    const confirmed = new Promise<void>((resolve) => (waiting.done = resolve));
    this.unconfirmed.set(id, waiting);
    try {
      const message = JSON.stringify({ from: this.replica, id, entities });
      waiting.needed = await withTimeout(this.redis.publish(CHANNEL, message), this.options.timeoutMs, 'Redis PUBLISH');
      if (waiting.confirmed >= waiting.needed) return;
      await withTimeout(confirmed, this.options.timeoutMs, 'replicas confirming').catch(() =>
        this.log.warn({ replicas: waiting.needed, confirmed: waiting.confirmed }, 'not every replica confirmed an invalidation in time; they drop their copies when they hear it'),
      );
    } finally {
      this.unconfirmed.delete(id);
    }
  }

  /** Runs `invalidate` again after a pause, and again with longer pauses while it fails: an invalidation Redis did not take. */
  retry(invalidate: () => Promise<void>, attempt = 0): void {
    const pause = RETRY_PAUSES_MS[Math.min(attempt, RETRY_PAUSES_MS.length - 1)]!;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      invalidate().then(
        () => this.log.info({ attempts: attempt + 2 }, 'an invalidation Redis did not take has now been made'),
        () => this.retry(invalidate, attempt + 1),
      );
    }, pause).unref();
    this.retries.add(timer);
  }

  async close(): Promise<void> {
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    this.subscribed = false;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber?.isOpen) subscriber.destroy();
  }

  /**
   * Once connected: subscribes the first time (node-redis subscribes again by itself after
   * a reconnect), and after a loss drops every copy this replica's memory kept, as it may
   * have missed writes while it could not hear them.
   */
  private async listen(subscriber: RedisClientType): Promise<void> {
    if (this.subscribed) return;
    try {
      if (!this.channelOpen) {
        this.channelOpen = true;
        await subscriber.subscribe(CHANNEL, (message) => this.heard(message));
        await subscriber.subscribe(acksOf(this.replica), (id) => this.confirmed(id));
      }
    } catch {
      this.channelOpen = false;
      return;
    }
    this.subscribed = true;
    if (this.heardBefore) {
      this.drop([]);
      this.log.info('hearing invalidations again; this replica dropped what it kept in memory');
    }
    this.heardBefore = true;
    this.firstHeard();
  }

  /** Drops what another replica's write changed (this one's own has been dropped already), and says so to the writer. */
  private heard(message: string): void {
    let parsed: { from?: unknown; id?: unknown; entities?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (typeof parsed.from !== 'string' || !Array.isArray(parsed.entities)) return;
    if (parsed.from !== this.replica) this.drop(parsed.entities.filter((entity): entity is string => typeof entity === 'string'));
    if (typeof parsed.id === 'string') this.redis?.publish(acksOf(parsed.from), parsed.id).catch(() => undefined);
  }

  private confirmed(id: string): void {
    const waiting = this.unconfirmed.get(id);
    if (!waiting) return;
    waiting.confirmed += 1;
    if (waiting.confirmed >= waiting.needed) waiting.done();
  }

  /** Records the change and tells the listeners; an empty list means "everything". */
  private drop(entities: readonly string[]): void {
    const now = Date.now();
    for (const entity of entities) this.changedAt.set(entity, now);
    for (const listener of this.listeners) listener(entities);
  }

  private lost(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    this.log.warn('lost the invalidations channel: writes on other replicas are not heard, and what this replica keeps in memory is dropped once they are again');
  }
}

/** The Redis key of an entity's last change: a digest, as an entity's name holds an email or a phone's digest. */
function markOf(entity: string): string {
  return `contact-graph:changed:${createHash('sha256').update(entity).digest('base64url')}`;
}

/**
 * The entities one request's answer holds, by their entity-cache keys, and when it began
 * to read them: its answer is tagged with them, and neither it nor an entity it read is
 * stored when one of them was written meanwhile (`since`: see the caches' `set`).
 */
export class HeldEntities {
  readonly since = Date.now();
  readonly entities = new Set<string>();

  hold(entity: string): void {
    this.entities.add(entity);
  }
}
