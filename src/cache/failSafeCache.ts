import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Logger } from '../logger';
import { withTimeout } from './withTimeout';

/**
 * A cache that can never fail a query: an operation that throws or takes longer than the
 * timeout counts as a miss (or a skipped write). Failures are logged when the cache starts
 * failing and when it recovers, not once per operation, so a Redis outage does not flood the log.
 */
export class FailSafeCache implements KeyValueCache<string> {
  private failing = false;

  constructor(
    private readonly inner: KeyValueCache<string>,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
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

  private async guard<T>(operation: string, run: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const result = await withTimeout(run(), this.timeoutMs, `cache ${operation} took longer than ${this.timeoutMs} ms`);
      if (this.failing) {
        this.failing = false;
        this.logger.info('cache recovered');
      }
      return result;
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn(
          { err: { message: error instanceof Error ? error.message : String(error) } },
          'cache is failing; treating it as a miss until it recovers',
        );
      }
      return fallback;
    }
  }
}
