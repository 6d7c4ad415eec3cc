import { randomUUID } from 'node:crypto';
import type { RedisClientType } from '@keyv/redis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger';
import { withTimeout } from './withTimeout';

/** The Redis channel every replica hears invalidations on. */
const CHANNEL = 'contact-graph:invalidate';

/**
 * How long a replica remembers that an entity changed: longer than any read that began
 * before the change may still be running (an upstream call's deadline is far shorter).
 */
const REMEMBERED_MS = 10 * 60_000;

/** What one replica does with the entities another one changed: drop what it keeps of them in memory. */
export type InvalidationListener = (entities: readonly string[]) => void;

/**
 * Entities changed by a write, told to every replica. An entity is named by its
 * entity-cache key (`helpcrunch:<scope>:customer:v2:42`), the tag an answer holding it
 * carries too. The replica that writes drops the shared copies (the entity entries, the
 * answers tagged with them) before the write is answered, and publishes the names on
 * Redis; every replica drops its own memory's copies when it hears them. A replica whose
 * subscription is down cannot hear them, so it trusts no copy of its own memory until it
 * is back (see `hearing`), and drops them all then: what it missed is unknown.
 *
 * Each replica also remembers when each entity last changed, so that a read which began
 * before a write and ends after it never stores what it read (`changedSince`).
 */
export class Invalidation {
  private readonly changedAt = new LRUCache<string, number>({ max: 100_000, ttl: REMEMBERED_MS });
  private readonly listeners: InvalidationListener[] = [];
  private readonly replica = randomUUID();
  private subscriber: RedisClientType | undefined;
  private subscribed = false;
  private channelOpen = false;
  private heardBefore = false;
  private firstHeard: () => void = () => undefined;

  constructor(
    private readonly redis: RedisClientType | undefined,
    private readonly options: { timeoutMs: number; logger: Logger },
  ) {}

  /** Subscribes to the other replicas' invalidations; without Redis there are none. */
  async start(): Promise<void> {
    if (!this.redis) return;
    const subscriber = this.redis.duplicate() as RedisClientType;
    this.subscriber = subscriber;
    const log = this.options.logger.child({ component: 'invalidation' });
    subscriber.on('error', () => undefined);
    subscriber.on('end', () => this.lost(log));
    subscriber.on('reconnecting', () => this.lost(log));
    subscriber.on('ready', () => void this.listen(subscriber, log));
    const listening = new Promise<void>((resolve) => (this.firstHeard = resolve));
    subscriber.connect().catch(() => undefined);
    await withTimeout(listening, 2_000, 'Redis subscribe').catch(() =>
      log.warn('cannot hear invalidations yet; this replica serves no answer from its own memory until it can'),
    );
  }

  /**
   * Once connected: subscribes the first time (node-redis subscribes again by itself after
   * a reconnect), then drops every copy this replica's memory kept, as it may have missed
   * invalidations while it could not hear them, and trusts its memory again.
   */
  private async listen(subscriber: RedisClientType, log: Logger): Promise<void> {
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
    this.drop([]);
    if (this.heardBefore) log.info('hearing invalidations again; this replica dropped what it kept in memory');
    this.heardBefore = true;
    this.firstHeard();
  }

  /** Whether this replica hears every invalidation: only then may it serve what its memory keeps. */
  get hearing(): boolean {
    return this.redis === undefined || this.subscribed;
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
   * Tells every replica that `entities` changed, after the caller has dropped their shared
   * copies: this replica's memory at once, the others' through Redis. Rejects when Redis
   * would not take the message, so that the write's answer can say so.
   */
  async publish(entities: readonly string[]): Promise<void> {
    if (entities.length === 0) return;
    this.drop(entities);
    if (!this.redis) return;
    const message = JSON.stringify({ from: this.replica, entities });
    await withTimeout(this.redis.publish(CHANNEL, message), this.options.timeoutMs, 'Redis PUBLISH');
  }

  async close(): Promise<void> {
    this.subscribed = false;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber?.isOpen) subscriber.destroy();
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

  private lost(log: Logger): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    log.warn('lost the invalidations channel; serving answers from the shared store only until it is back');
  }
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

  /** Whether one of `entities` (by default all this request holds) was written since the request began. */
  changed(entities: Iterable<string> = this.entities): boolean {
    return this.invalidation?.changedSince(entities, this.since) ?? false;
  }
}
