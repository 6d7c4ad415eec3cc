import { createHash } from 'node:crypto';
import type { RedisClientType } from '@keyv/redis';
import { LRUCache } from 'lru-cache';
import { withTimeout } from './withTimeout';

/**
 * What the first write sent with an Idempotency-Key left: running (`pending`, until
 * `leaseUntil`), answered (`done`, with its result), or sent with no answer saying whether
 * it was applied (`unknown`, with the code it failed with). `ask` is what that write asked
 * for: a key is for one write only.
 */
export type IdempotencyRecord = { ask: string } & (
  | { state: 'pending'; leaseUntil: number }
  | { state: 'done'; result: unknown }
  | { state: 'unknown'; code: string }
);

/** A record as read: what it says, and its text, to swap it only if no one else has. */
export interface ReadRecord {
  record: IdempotencyRecord;
  text: string;
}

/** Memory's records when there is no Redis: one replica, so its memory is every replica's. */
const MEMORY_RECORDS = 100_000;

export interface IdempotencyOptions {
  /** How long a record is kept: a running write's included, so that one whose replica died is never taken for new. */
  ttlSeconds: number;
  /** How long a write may run before its record is taken for one whose outcome is unknown. */
  leaseMs: number;
  /** A Redis operation slower than this fails. */
  timeoutMs: number;
}

/**
 * The records of the writes sent with an Idempotency-Key, in Redis for every replica (or in
 * memory when there is none), for `ttlSeconds`. Claiming a key is atomic (`SET … NX`): of
 * two requests with one key, one writes and the other hears that the key is in use. Taking
 * over a record (sending again a write whose outcome is unknown) swaps it only if it is still
 * the one read. A record's key holds the tenant's scope, so one tenant's key is never another's.
 * A Redis that fails or is slow rejects: a write must not go out when its key cannot be kept.
 */
export class IdempotencyRecords {
  private readonly memory = new LRUCache<string, string>({ max: MEMORY_RECORDS });

  constructor(
    private readonly redis: RedisClientType | undefined,
    private readonly options: IdempotencyOptions,
  ) {}

  /** Takes the key for a first write (`claimed`); or, when it was taken before, its record. */
  async claim(key: string, ask: string): Promise<ReadRecord | 'claimed'> {
    const stored = storedKey(key);
    if (await this.putIfAbsent(stored, this.pending(ask))) return 'claimed';
    const text = await this.get(stored);
    // Expired between the two calls: claim it again.
    return text === undefined ? this.claim(key, ask) : { record: JSON.parse(text) as IdempotencyRecord, text };
  }

  /** Takes over a record read before (`seen`), to send its write again; false when another request changed it first. */
  async retake(key: string, seen: string, ask: string): Promise<boolean> {
    const stored = storedKey(key);
    const pending = this.pending(ask);
    if (!this.redis) {
      if (this.memory.get(stored) !== seen) return false;
      this.memory.set(stored, pending, { ttl: this.options.ttlSeconds * 1000 });
      return true;
    }
    const swapped = await this.timed(
      this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) else return false end", {
        keys: [stored],
        arguments: [seen, pending, String(this.options.ttlSeconds)],
      }),
    );
    return swapped === 'OK';
  }

  /** Keeps the write's result, or that its outcome is unknown. */
  async settle(key: string, record: IdempotencyRecord): Promise<void> {
    const stored = storedKey(key);
    const text = JSON.stringify(record);
    if (this.redis) await this.timed(this.redis.set(stored, text, { EX: this.options.ttlSeconds }));
    else this.memory.set(stored, text, { ttl: this.options.ttlSeconds * 1000 });
  }

  /** Frees a key whose write was never applied (refused before it was sent, or by the upstream): the same key may try again. */
  async release(key: string): Promise<void> {
    const stored = storedKey(key);
    if (this.redis) await this.timed(this.redis.del(stored));
    else this.memory.delete(stored);
  }

  private pending(ask: string): string {
    return JSON.stringify({ ask, state: 'pending', leaseUntil: Date.now() + this.options.leaseMs } satisfies IdempotencyRecord);
  }

  private async putIfAbsent(stored: string, text: string): Promise<boolean> {
    if (this.redis) return (await this.timed(this.redis.set(stored, text, { NX: true, EX: this.options.ttlSeconds }))) === 'OK';
    if (this.memory.has(stored)) return false;
    this.memory.set(stored, text, { ttl: this.options.ttlSeconds * 1000 });
    return true;
  }

  private async get(stored: string): Promise<string | undefined> {
    if (this.redis) return (await this.timed(this.redis.get(stored))) ?? undefined;
    return this.memory.get(stored);
  }

  private timed<T>(work: Promise<T>): Promise<T> {
    return withTimeout(work, this.options.timeoutMs, 'Redis (idempotency records)');
  }
}

/** The store's key: bounded in length, and holding no client's text. */
function storedKey(key: string): string {
  return `contact-graph:idempotency:${createHash('sha256').update(key).digest('base64url')}`;
}
