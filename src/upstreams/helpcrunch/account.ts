import type { Config } from '../../config';
import { MAX_CONCURRENCY } from '../../envValues';
import { CallPolicy } from '../../transport/callPolicy';
import { limiterWindow, RequestRateLimiter } from '../../transport/rateLimiter';
import type { AccountDependencies } from '../upstream';
import { HelpCrunchClient } from './client';
import type { HelpCrunchConfig } from './config';

/**
 * Calls one account may have in flight: as configured, or else one limiter window's worth,
 * since the limiter lets that many through at once and a call past them would only wait.
 */
export function helpcrunchConcurrency(settings: HelpCrunchConfig): number {
  return settings.concurrency ?? Math.min(MAX_CONCURRENCY, limiterWindow(settings.rateLimitPerMinute).points);
}

/**
 * What builds one HelpCrunch account's client from its API key: the requests-a-minute
 * limiter (one for every account, keyed by fingerprint, in Redis when there is one) and
 * the account's own call policy.
 */
export function helpcrunchAccounts(settings: HelpCrunchConfig, config: Config, { connection, redis, logger, metrics, tracer }: AccountDependencies) {
  const limiter = new RequestRateLimiter({
    service: 'helpcrunch',
    perMinute: settings.rateLimitPerMinute,
    redis,
    redisTimeoutMs: config.cache.timeoutMs,
    replicas: config.replicas,
    logger,
  });
  const concurrency = helpcrunchConcurrency(settings);
  return (apiKey: string, fingerprint: string): HelpCrunchClient =>
    new HelpCrunchClient({
      apiKey,
      connection,
      policy: new CallPolicy({ ...config.upstream, service: 'helpcrunch', account: fingerprint, concurrency, throttle: limiter.forAccount(fingerprint), logger, metrics, tracer }),
    });
}
