import type { RedisClientType } from '@keyv/redis';
import type { Config } from '../../config';
import { MAX_CONCURRENCY } from '../../envValues';
import type { Logger } from '../../logger';
import type { Metrics } from '../../metrics';
import { CallPolicy } from '../../transport/callPolicy';
import type { UpstreamConnection } from '../../transport/http';
import { limiterWindow, RequestRateLimiter } from '../../transport/rateLimiter';
import { HelpCrunchClient } from './client';

export interface HelpCrunchAccountDependencies {
  connection: UpstreamConnection;
  /** The cache's Redis, when there is one: the budget is then shared by every replica. */
  redis: RedisClientType | undefined;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Calls one account may have in flight: as configured, or else one limiter window's worth,
 * since the limiter lets that many through at once and a call past them would only wait.
 */
export function helpcrunchConcurrency(config: Config): number {
  return config.helpcrunch.concurrency ?? Math.min(MAX_CONCURRENCY, limiterWindow(config.helpcrunch.rateLimitPerMinute).points);
}

/**
 * What builds one HelpCrunch account's client from its API key: the requests-a-minute
 * limiter (one for every account, keyed by fingerprint, in Redis when there is one) and
 * the account's own call policy.
 */
export function helpcrunchAccounts(config: Config, { connection, redis, logger, metrics }: HelpCrunchAccountDependencies) {
  const limiter = new RequestRateLimiter({
    service: 'helpcrunch',
    perMinute: config.helpcrunch.rateLimitPerMinute,
    redis,
    redisTimeoutMs: config.cache.timeoutMs,
    logger,
  });
  const concurrency = helpcrunchConcurrency(config);
  return (apiKey: string, fingerprint: string): HelpCrunchClient =>
    new HelpCrunchClient({
      apiKey,
      connection,
      policy: new CallPolicy({ ...config.upstream, service: 'helpcrunch', account: fingerprint, concurrency, throttle: limiter.forAccount(fingerprint), logger, metrics }),
    });
}
