import { BackgroundWrites } from './backgroundWrites';
import { removeFrom, type RemovingStore } from './failSafeCache';
import type { Invalidation } from './invalidation';

/** A cached lookup: `value` is null when the upstream said the entity does not exist. */
export interface Cached<T> {
  value: T | null;
  /** When the upstream answered (ms since epoch). */
  fetchedAt: number;
  /** False once the TTL has passed: the entry may then only stand in while the upstream fails. */
  fresh: boolean;
}

/** What the store holds for one entity. */
interface Entry<T> {
  value: T | null;
  fetchedAt: number;
  freshUntil: number;
}

export interface EntityCacheTtl {
  foundSeconds: number;
  notFoundSeconds: number;
  /** A contact's history (chats, messages, calls): fresh only briefly, as it grows while people talk. */
  historySeconds: number;
  /** How long past its TTL a found entity is kept, to be served while its upstream fails. */
  staleSeconds: number;
}

/**
 * Upstream results, one entry per entity, in the shared store. Errors are never stored.
 * Every key carries the upstream and a fingerprint of the credential that fetched it, so
 * two credentials (two accounts) never read each other's entries.
 */
export class EntityCache {
  private readonly writes = new BackgroundWrites();

  constructor(
    private readonly store: RemovingStore,
    readonly ttl: EntityCacheTtl,
    /** Tells of writes: an entry read before its entity was written is not kept. */
    private readonly invalidation?: Invalidation,
  ) {}

  /** The entries of `keys`, in order; one missing, expired or unreadable is undefined (a miss). */
  async getMany<T>(keys: readonly string[], now = Date.now()): Promise<Array<Cached<T> | undefined>> {
    const raw = await Promise.all(keys.map((key) => this.store.get(key)));
    return raw.map((text) => {
      const entry = text === undefined ? undefined : entryOf<T>(text);
      return entry && { value: entry.value, fetchedAt: entry.fetchedAt, fresh: now < entry.freshUntil };
    });
  }

  /**
   * Starts storing a found entity, fresh for `ttlSeconds` (default: the found TTL) and kept
   * for the stale window after that, or a null, fresh for the shorter not-found TTL and not
   * kept past it. Returns at once: an answer never waits for the store, nor for the serialising.
   * `readSince` is when the value's read began: when the entity was written since, it is not
   * stored, or dropped again once stored (see Invalidation), so that a read never puts back
   * what a write replaced.
   */
  setBehind<T>(key: string, value: T | null, ttlSeconds?: number, now = Date.now(), readSince?: number): void {
    if (readSince !== undefined && this.invalidation?.changedSince([key], readSince)) return;
    // Serialising and storing wait for the next turn of the event loop, after the answer has
    // gone out. A write that fails (a value that cannot be serialised included) is skipped.
    this.writes.track(
      new Promise((resolve) => setImmediate(resolve)).then(async () => {
        await this.set(key, value, ttlSeconds, now);
        if (readSince !== undefined && (await this.invalidation?.changedInStore([key], readSince))) await this.store.delete(key);
      }),
    );
  }

  /** Drops these entries, stale copies included: what a write changed is read afresh. Rejects when the store did not. */
  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => removeFrom(this.store, key)));
  }

  /** Resolves once every write started so far has ended: shutdown waits for it before the store closes. */
  settled(): Promise<void> {
    return this.writes.settled();
  }

  private async set<T>(key: string, value: T | null, ttlSeconds: number | undefined, now: number): Promise<void> {
    const freshSeconds = value === null ? this.ttl.notFoundSeconds : (ttlSeconds ?? this.ttl.foundSeconds);
    const keptSeconds = value === null ? freshSeconds : freshSeconds + this.ttl.staleSeconds;
    const entry: Entry<T> = { value, fetchedAt: now, freshUntil: now + freshSeconds * 1000 };
    await this.store.set(key, JSON.stringify(entry), { ttl: keptSeconds });
  }
}

/**
 * An entry as stored, or undefined for text that is not one: another writer's, a deploy's
 * older shape, or damage. Such an entry is a miss, never the failure of a whole batch.
 */
function entryOf<T>(text: string): Entry<T> | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null || !('value' in entry)) return undefined;
  const { value, fetchedAt, freshUntil } = entry as Record<string, unknown>;
  if (typeof fetchedAt !== 'number' || typeof freshUntil !== 'number') return undefined;
  return { value: (value ?? null) as T | null, fetchedAt, freshUntil };
}
