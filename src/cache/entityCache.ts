import { createHash } from 'node:crypto';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { UpstreamService } from '../errors';

/** A cached lookup: `value` is null when the upstream said the entity does not exist. */
export interface Cached<T> {
  value: T | null;
}

export interface EntityCacheTtl {
  foundSeconds: number;
  notFoundSeconds: number;
}

/**
 * Upstream results, one entry per entity, in the shared store. Errors are never stored.
 * Every key carries the upstream and a fingerprint of the credential that fetched it, so
 * two credentials (two accounts) never read each other's entries.
 */
export class EntityCache {
  constructor(
    private readonly store: KeyValueCache<string>,
    readonly ttl: EntityCacheTtl,
  ) {}

  async getMany<T>(keys: readonly string[]): Promise<Array<Cached<T> | undefined>> {
    const raw = await Promise.all(keys.map((key) => this.store.get(key)));
    return raw.map((entry) => (entry === undefined ? undefined : (JSON.parse(entry) as Cached<T>)));
  }

  /** Stores a found entity for `ttlSeconds` (default: the found TTL), a null for the shorter not-found TTL. */
  async set<T>(key: string, value: T | null, ttlSeconds?: number): Promise<void> {
    const ttl = value === null ? this.ttl.notFoundSeconds : (ttlSeconds ?? this.ttl.foundSeconds);
    await this.store.set(key, JSON.stringify({ value } satisfies Cached<T>), { ttl });
  }
}

/** The key prefix for one upstream account: `helpcrunch:3f2a…`. */
export function cacheScope(service: UpstreamService, credential: string): string {
  return `${service}:${credentialFingerprint(credential)}`;
}

/** A one-way, short fingerprint of a credential: safe to put in keys and logs. */
export function credentialFingerprint(credential: string): string {
  return createHash('sha256').update(credential).digest('hex').slice(0, 16);
}
