import type { Config } from '../../config';
import { MAX_CONCURRENCY } from '../../envValues';
import type { Logger } from '../../logger';
import type { Metrics } from '../../metrics';
import { CallPolicy } from '../../transport/callPolicy';
import type { UpstreamConnection } from '../../transport/http';
import { PointsBudget } from './budget';
import { CoMagicClient } from './client';

export interface CoMagicAccountDependencies {
  connection: UpstreamConnection;
  /** The configured token, whose account the configured user id belongs to. */
  configuredToken: string | undefined;
  configuredUserId: number | undefined;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Calls one account may have in flight: as configured, or else only the bound on sockets,
 * since the points budget lets through at most the points it knows are left (one call while
 * it knows none).
 */
export function comagicConcurrency(config: Config): number {
  return config.comagic.concurrency ?? MAX_CONCURRENCY;
}

/**
 * What builds one CoMagic account's client from its access token: the points budget its
 * answers report, which is also the throttle of its call policy.
 */
export function comagicAccounts(config: Config, { connection, configuredToken, configuredUserId, logger, metrics }: CoMagicAccountDependencies) {
  const concurrency = comagicConcurrency(config);
  return (accessToken: string, fingerprint: string): CoMagicClient => {
    const budget = new PointsBudget((window, remaining) => metrics.comagicPointsRemaining.set({ account: fingerprint, window }, remaining));
    return new CoMagicClient({
      accessToken,
      // The configured user id belongs to the configured token; a tenant's permanent token needs none.
      userId: accessToken === configuredToken ? configuredUserId : undefined,
      connection,
      budget,
      policy: new CallPolicy({ ...config.upstream, service: 'comagic', account: fingerprint, concurrency, throttle: budget, logger, metrics }),
    });
  };
}
