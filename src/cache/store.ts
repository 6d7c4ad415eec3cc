import KeyvRedis from '@keyv/redis';
import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { FailSafeCache } from './failSafeCache';

/** The one keyv store behind both the entity cache and the response cache. */
export interface CacheStore {
  kind: 'memory' | 'redis';
  /** Never throws: failures are misses. */
  cache: FailSafeCache;
  close(): Promise<void>;
}

const NAMESPACE = 'contact-graph';

export function createCacheStore(config: Config['cache'], logger: Logger): CacheStore {
  const log = logger.child({ component: 'cache' });
  const { keyv, kind } = config.url ? redisKeyv(config.url) : memoryKeyv(config.maxEntries);
  // Errors are thrown to the fail-safe layer, which logs them; the event would only repeat them.
  keyv.on('error', () => undefined);
  const cache = new FailSafeCache(new KeyvAdapter<string>(keyv), config.timeoutMs, log);
  log.info({ kind }, 'cache store ready');
  return {
    kind,
    cache,
    async close() {
      await keyv.disconnect().catch(() => undefined);
    },
  };
}

function memoryKeyv(maxEntries: number) {
  // lru-cache bounds the number of entries; its set() takes options where keyv passes a TTL.
  const lru = new LRUCache<string, NonNullable<unknown>>({ max: maxEntries });
  const store = {
    get: (key: string) => lru.get(key),
    set: (key: string, value: NonNullable<unknown>, ttl?: number) => lru.set(key, value, { ttl }),
    delete: (key: string) => lru.delete(key),
    clear: () => lru.clear(),
    has: (key: string) => lru.has(key),
  };
  return { kind: 'memory' as const, keyv: new Keyv<string>({ store, namespace: NAMESPACE, throwOnErrors: true }) };
}

function redisKeyv(url: string) {
  const store = new KeyvRedis<string>(
    {
      url,
      // Fail commands at once while disconnected instead of queueing them behind a dead socket.
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 2_000) },
    },
    { throwOnErrors: true, throwOnConnectError: true, connectionTimeout: 2_000 },
  );
  store.on('error', () => undefined);
  return {
    kind: 'redis' as const,
    keyv: new Keyv<string>({ store, namespace: NAMESPACE, throwOnErrors: true }),
  };
}
