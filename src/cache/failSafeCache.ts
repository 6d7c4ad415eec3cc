import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Logger } from '../logger';
import type { CacheLayer, Metrics } from '../metrics';
import { withTimeout } from './withTimeout';

/** A store that may say when a delete failed (FailSafeCache's `remove`), as a write dropping what it changed must know. */
export type RemovingStore = KeyValueCache<string> & { remove?(key: string): Promise<void> };

/** Deletes `key`, rejecting when the store says the delete failed (one that cannot say is taken at its word). */
export async function removeFrom(store: RemovingStore, key: string): Promise<void> {
  await (store.remove ? store.remove(key) : store.delete(key));
}

/**
 * A cache that can never fail a query: an operation that throws or takes longer than the
 * timeout counts as a miss (or a skipped write). Failures are logged when the cache starts
 * failing and when it recovers, not once per operation, so a Redis outage does not flood the log.
 */
export class FailSafeCache implements KeyValueCache<string> {
  private failing = false;

  constructor(
    private readonly inner: KeyValueCache<string>,
    private readonly options: { layer: CacheLayer; timeoutMs: number; logger: Logger; metrics: Metrics },
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.guard('get', () => this.inner.get(key), undefined);
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    await this.guard('set', () => this.inner.set(key, value, options), undefined);
  }

  async delete(key: string): Promise<boolean | void> {
    return this.guard('delete', () => this.inner.delete(key), false);
  }

  /** `delete` for a caller that must know it failed (a write dropping what it changed): counted and logged alike, then thrown. */
  async remove(key: string): Promise<void> {
    await this.guard('delete', () => this.inner.delete(key), false, true);
  }

  private async guard<T>(operation: string, run: () => Promise<T>, fallback: T, rethrow = false): Promise<T> {
    const { layer, timeoutMs, logger, metrics } = this.options;
    try {
      const result = await withTimeout(run(), timeoutMs, `cache ${operation} took longer than ${timeoutMs} ms`);
      if (this.failing) {
        this.failing = false;
        logger.info({ layer }, 'cache recovered');
      }
      return result;
    } catch (error) {
      metrics.cacheErrors.inc({ layer, operation });
      if (!this.failing) {
        this.failing = true;
        logger.warn(
          { layer, err: { message: error instanceof Error ? error.message : String(error) } },
          'cache is failing; treating it as a miss until it recovers',
        );
      }
      if (rethrow) throw error;
      return fallback;
    }
  }
}
