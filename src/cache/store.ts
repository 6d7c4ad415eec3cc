import KeyvRedis, { createClient, type RedisClientType } from '@keyv/redis';
import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { CacheLayer, Metrics } from '../metrics';
import { FailSafeCache } from './failSafeCache';
import { withTimeout } from './withTimeout';

/** The one keyv store behind the entity cache, the response cache and the APQ registrations. */
export interface CacheStore {
  kind: 'memory' | 'redis';
  /** The store as one cache layer sees it. Never throws: failures are misses, counted by layer. */
  layer(layer: CacheLayer): FailSafeCache;
  /** The Redis connection behind the cache, for others that share state through it. */
  redis: RedisClientType | undefined;
  /** Resolves when the store answers; rejects when it does not (within the cache timeout). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const NAMESPACE = 'contact-graph';
/** How long start-up waits for Redis before serving with the cache failing (as misses). */
const REDIS_CONNECT_WAIT_MS = 2_000;

export async function createCacheStore(config: Config['cache'], logger: Logger, metrics: Metrics): Promise<CacheStore> {
  const log = logger.child({ component: 'cache' });
  const { keyv, kind, redis, close } = config.url ? await redisKeyv(config.url, log) : memoryKeyv(config.maxEntries);
  const adapter = untilClosed(new KeyvAdapter<string>(keyv));
  log.info({ kind }, 'cache store ready');
  return {
    kind,
    redis,
    layer: (layer) => new FailSafeCache(adapter, { layer, timeoutMs: config.timeoutMs, logger: log, metrics }),
    async ping() {
      if (redis) await withTimeout(redis.ping(), config.timeoutMs, 'Redis PING');
    },
    async close() {
      adapter.close();
      await close();
    },
  };
}

/**
 * After close, every lookup is a miss and every write is dropped. Writes behind an answer
 * (the response cache, APQ registrations) may come after shutdown, and @keyv/redis would
 * open a new connection for them, which nothing then closes.
 */
function untilClosed(cache: KeyValueCache<string>): KeyValueCache<string> & { close(): void } {
  let closed = false;
  return {
    get: async (key) => (closed ? undefined : cache.get(key)),
    set: async (key, value, options) => (closed ? undefined : cache.set(key, value, options)),
    delete: async (key) => (closed ? false : cache.delete(key)),
    close: () => {
      closed = true;
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
  return {
    kind: 'memory' as const,
    redis: undefined,
    keyv: new Keyv<string>({ store, namespace: NAMESPACE, throwOnErrors: true }),
    close: async () => lru.clear(),
  };
}

async function redisKeyv(url: string, log: Logger) {
  const client = createClient({
    url,
    // Fail commands at once while disconnected instead of queueing them behind a dead socket.
    disableOfflineQueue: true,
    socket: { connectTimeout: REDIS_CONNECT_WAIT_MS, reconnectStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 2_000) },
  });
  // Failed operations are logged by the fail-safe layer; the event would only repeat them.
  client.on('error', () => undefined);
  // The client keeps trying after the wait; until it connects, operations fail fast as misses.
  const connected = await withTimeout(client.connect(), REDIS_CONNECT_WAIT_MS, 'Redis connect').then(
    () => true,
    () => false,
  );
  if (!connected) log.warn('Redis is not reachable yet; the cache counts as a miss until it is');

  const store = new KeyvRedis<string>(client, { keyPrefixSeparator: ':', throwOnErrors: true });
  store.on('error', () => undefined);
  return {
    kind: 'redis' as const,
    redis: client as RedisClientType,
    keyv: new Keyv<string>({ store, namespace: NAMESPACE, useKeyPrefix: false, throwOnErrors: true }),
    close: async () => {
      // destroy(), not quit(): quit waits for a connection that may never come back.
      if (client.isOpen) client.destroy();
    },
  };
}
