import { createHash, randomUUID } from 'node:crypto';
import type { RedisClientType } from '@keyv/redis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger';
import { withTimeout } from './withTimeout';

/** The Redis channel every replica hears invalidations on. */
const CHANNEL = 'contact-graph:invalidate';

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
 * 3. publishes their names on Redis (`publish`): every replica drops its memory's copies.
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

  /** Tells every other replica that `entities` changed: each drops its memory's copies. */
  async publish(entities: readonly string[]): Promise<void> {
    if (!this.redis || entities.length === 0) return;
    const message = JSON.stringify({ from: this.replica, entities });
    await withTimeout(this.redis.publish(CHANNEL, message), this.options.timeoutMs, 'Redis PUBLISH');
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

  private heard(message: string): void {
    let parsed: { from?: unknown; entities?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.from === this.replica || !Array.isArray(parsed.entities)) return;
    this.drop(parsed.entities.filter((entity): entity is string => typeof entity === 'string'));
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
 * stored when one of them was written meanwhile.
 */
export class HeldEntities {
  readonly since = Date.now();
  readonly entities = new Set<string>();

  constructor(private readonly invalidation: Invalidation | undefined) {}

  hold(entity: string): void {
    this.entities.add(entity);
  }

  /** Whether one of `entities` (by default all this request holds) was written since the request began, as this replica has heard. */
  changed(entities: Iterable<string> = this.entities): boolean {
    return this.invalidation?.changedSince(entities, this.since) ?? false;
  }
}
