import { createHash } from 'node:crypto';
import type { RedisClientType } from '@keyv/redis';
import { LRUCache } from 'lru-cache';
import { withTimeout } from './withTimeout';

/**
 * What the first write sent with an Idempotency-Key left: running (`pending`), answered
 * (`done`, with its result), or sent with no answer saying whether it was applied (`unknown`).
 * `ask` is what that write asked for: a key is for one write only.
 */
export type IdempotencyRecord = { ask: string } & ({ state: 'pending' } | { state: 'done'; result: unknown } | { state: 'unknown' });

/** How long a running write holds its key: past any write's deadline, so that a replica that died never holds it for good. */
const PENDING_SECONDS = 120;

/** Memory's records when there is no Redis: one replica, so its memory is every replica's. */
const MEMORY_RECORDS = 100_000;

/**
 * The records of the writes sent with an Idempotency-Key, in Redis for every replica (or in
 * memory when there is none), for `ttlSeconds` after the first result. Claiming a key is
 * atomic (`SET … NX`): of two requests with one key, one writes and the other hears that the
 * key is in use. A record's key holds the tenant's scope, so one tenant's key is never another's.
 * A Redis that fails or is slow rejects: a write must not go out when its key cannot be kept.
 */
export class IdempotencyRecords {
  private readonly memory = new LRUCache<string, string>({ max: MEMORY_RECORDS, ttlAutopurge: false });

  constructor(
    private readonly redis: RedisClientType | undefined,
    private readonly options: { ttlSeconds: number; timeoutMs: number },
  ) {}

  /** Takes the key for a first write; or, when it was taken before, what its record says. */
  async claim(key: string, ask: string): Promise<IdempotencyRecord | 'claimed'> {
    const stored = storedKey(key);
    const pending = JSON.stringify({ ask, state: 'pending' } satisfies IdempotencyRecord);
    if (this.redis) {
      const set = await this.timed(this.redis.set(stored, pending, { NX: true, EX: PENDING_SECONDS }));
      if (set === 'OK') return 'claimed';
    } else if (!this.memory.has(stored)) {
      this.memory.set(stored, pending, { ttl: PENDING_SECONDS * 1000 });
      return 'claimed';
    }
    const text = this.redis ? await this.timed(this.redis.get(stored)) : this.memory.get(stored);
    // Expired between the two calls: claim it again.
    return text ? recordOf(text) : this.claim(key, ask);
  }

  /** Takes a key whose write's outcome is unknown, to send it again; false when another request took it first. */
  async retake(key: string, ask: string): Promise<boolean> {
    const stored = storedKey(key);
    const unknown = JSON.stringify({ ask, state: 'unknown' } satisfies IdempotencyRecord);
    const pending = JSON.stringify({ ask, state: 'pending' } satisfies IdempotencyRecord);
    if (!this.redis) {
      if (this.memory.get(stored) !== unknown) return false;
      this.memory.set(stored, pending, { ttl: PENDING_SECONDS * 1000 });
      return true;
    }
    const swapped = await this.timed(
      this.redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) else return false end",
        { keys: [stored], arguments: [unknown, pending, String(PENDING_SECONDS)] },
      ),
    );
    return swapped === 'OK';
  }

  /** Keeps the first write's result, or that its outcome is unknown, for the records' time. */
  async settle(key: string, record: IdempotencyRecord): Promise<void> {
    await this.put(storedKey(key), JSON.stringify(record), this.options.ttlSeconds);
  }

  /** Frees a key whose write was never applied (refused before it was sent): the same key may try again. */
  async release(key: string): Promise<void> {
    const stored = storedKey(key);
    if (this.redis) await this.timed(this.redis.del(stored));
    else this.memory.delete(stored);
  }

  private async put(stored: string, text: string, ttlSeconds: number): Promise<void> {
    if (this.redis) await this.timed(this.redis.set(stored, text, { EX: ttlSeconds }));
    else this.memory.set(stored, text, { ttl: ttlSeconds * 1000 });
  }

  private timed<T>(work: Promise<T>): Promise<T> {
    return withTimeout(work, this.options.timeoutMs, 'Redis (idempotency records)');
  }
}

/** The store's key: bounded in length, and holding no client's text. */
function storedKey(key: string): string {
  return `contact-graph:idempotency:${createHash('sha256').update(key).digest('base64url')}`;
}

function recordOf(text: string): IdempotencyRecord {
  return JSON.parse(text) as IdempotencyRecord;
}
