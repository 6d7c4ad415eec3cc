import type { Config } from '../../config';
import { MAX_CONCURRENCY } from '../../envValues';
import { CallPolicy } from '../../transport/callPolicy';
import type { AccountDependencies } from '../upstream';
import { PointsBudget } from './budget';
import { CoMagicClient } from './client';
import type { CoMagicConfig } from './config';

/**
 * Calls one account may have in flight: as configured, or else only the bound on sockets,
 * since the points budget lets through at most the points it knows (or assumes) are left.
 */
export function comagicConcurrency(settings: CoMagicConfig): number {
  return settings.concurrency ?? MAX_CONCURRENCY;
}

/**
 * What builds one CoMagic account's client from its access token: the points budget its
 * answers report, which is also the throttle of its call policy.
 */
export function comagicAccounts(settings: CoMagicConfig, config: Config, { connection, logger, metrics, tracer }: AccountDependencies) {
  const concurrency = comagicConcurrency(settings);
  const pointsRemaining = metrics.accountGauge('comagic', {
    name: 'contact_graph_comagic_points_remaining',
    help: 'CoMagic Data API points left per account, as its last answer reported, by window (minute, day).',
    labelNames: ['window'],
  });
  return (accessToken: string, fingerprint: string): CoMagicClient => {
    const budget = new PointsBudget({
      replicas: config.replicas,
      report: (window, remaining) => pointsRemaining.set({ account: fingerprint, window }, remaining),
    });
    return new CoMagicClient({
      accessToken,
      // The configured user id belongs to the configured token; a tenant's permanent token needs none.
      userId: accessToken === settings.accessToken ? settings.userId : undefined,
      connection,
      budget,
      // The configured zone is the configured account's; a tenant's account tells its own.
      timeZone: accessToken === settings.accessToken ? settings.timeZone : undefined,
      warn: (message) => logger.warn({ service: 'comagic', account: fingerprint }, message),
      reportsKeptDays: settings.reportsKeptDays,
      policy: new CallPolicy({ ...config.upstream, service: 'comagic', account: fingerprint, concurrency, throttle: budget, logger, metrics, tracer }),
    });
  };
}
