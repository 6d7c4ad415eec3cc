import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamService } from './errors';

/** Past this many distinct operation names, new ones are counted as `other`. */
const MAX_OPERATION_NAMES = 200;

/** How a circuit breaker stands, as the `contact_graph_upstream_circuit_state` gauge reports it. */
export const CIRCUIT_STATE = { closed: 0, open: 1, halfOpen: 2 } as const;

/** What a cache entry holds: whole responses, entities, or automatic persisted queries (APQ). */
export type CacheLayer = 'response' | 'entity' | 'apq';

/**
 * Every Prometheus metric the server exports, in a registry of its own (so that several
 * servers in one process, as in the tests, never share counts). Label values are kept to
 * small, known sets; an account is named by its credential fingerprint, never the credential.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly graphqlRequests = new Counter({
    name: 'contact_graph_graphql_requests_total',
    help: 'GraphQL operations answered, by operation name and outcome: success, client_error (the request was wrong), error (this server or an upstream failed).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly graphqlErrors = new Counter({
    name: 'contact_graph_graphql_errors_total',
    help: 'GraphQL errors returned, by operation name, error code and origin (client, upstream, server). An unknown APQ hash is not counted.',
    labelNames: ['operation', 'code', 'origin'] as const,
    registers: [this.registry],
  });

  readonly upstreamRequests = new Counter({
    name: 'contact_graph_upstream_requests_total',
    help: 'HTTP requests sent upstream (each retry counts), by service, method and outcome (ok or an error code).',
    labelNames: ['service', 'method', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'contact_graph_upstream_request_duration_seconds',
    help: 'Time from sending an upstream request to its answer (or failure), by service, method and outcome.',
    labelNames: ['service', 'method', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly upstreamHeldBack = new Counter({
    name: 'contact_graph_upstream_held_back_total',
    help: 'Upstream calls this server did not send, by service and reason (rate_limited; upstream_failing: the budget held it back while the upstream fails; circuit_open; deadline).',
    labelNames: ['service', 'reason'] as const,
    registers: [this.registry],
  });

  readonly rateLimitWait = new Histogram({
    name: 'contact_graph_rate_limit_wait_seconds',
    help: 'Time upstream calls waited for rate-limit budget (requests or points, as each upstream counts it), by service.',
    labelNames: ['service'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: 'contact_graph_upstream_circuit_state',
    help: 'Circuit breaker state per upstream account: 0 closed, 1 open, 2 half-open.',
    labelNames: ['service', 'account'] as const,
    registers: [this.registry],
  });

  readonly cacheLookups = new Counter({
    name: 'contact_graph_cache_lookups_total',
    help: 'Cache lookups by layer (response, entity) and result (hit, miss; stale for an entity past its TTL).',
    labelNames: ['layer', 'result'] as const,
    registers: [this.registry],
  });

  readonly cacheErrors = new Counter({
    name: 'contact_graph_cache_errors_total',
    help: 'Cache operations that failed or timed out (and counted as misses), by layer and operation.',
    labelNames: ['layer', 'operation'] as const,
    registers: [this.registry],
  });

  readonly linkCandidates = new Counter({
    name: 'contact_graph_link_candidates_total',
    help: 'Records a link read to join two upstreams, by link and result: linked (it has a contact searched for) or left_out (read, and dropped on this side).',
    labelNames: ['link', 'result'] as const,
    registers: [this.registry],
  });

  readonly loaderBatchSize = new Histogram({
    name: 'contact_graph_loader_batch_size',
    help: 'Ids per DataLoader batch, by loader.',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'contact_graph_' });
  }

  private readonly operationNames = new Set<string>();

  /**
   * The `operation` label of an operation name: `anonymous` without one, `other` for a name
   * that is not a GraphQL name or comes after the first 200, so a client cannot grow the
   * series without bound.
   */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(name)) return 'other';
    if (!this.operationNames.has(name)) {
      if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
      this.operationNames.add(name);
    }
    return name;
  }

  /** The metrics with a series per upstream account, and the upstream of those that are one's alone. */
  private readonly perAccount: Array<{ gauge: Gauge<string>; of?: UpstreamService }> = [{ gauge: this.circuitState }];

  /**
   * A gauge of one upstream's own, with a series per account (the `account` label, a
   * credential fingerprint) that is dropped with the account. Asked again, the same gauge;
   * a name another metric has already is refused by prom-client.
   */
  accountGauge<Label extends string>(
    service: UpstreamService,
    { name, help, labelNames }: { name: string; help: string; labelNames: Label[] },
  ): Gauge<Label | 'account'> {
    const known = this.perAccount.find(({ gauge }) => gauge === this.registry.getSingleMetric(name));
    if (known) return known.gauge as Gauge<Label | 'account'>;
    const gauge = new Gauge({ name, help, labelNames: ['account', ...labelNames], registers: [this.registry] });
    this.perAccount.push({ gauge, of: service });
    return gauge;
  }

  /** Drops the series of one upstream's account no longer kept in memory. */
  async forgetAccount(service: UpstreamService, account: string): Promise<void> {
    for (const { gauge, of } of this.perAccount) {
      if (of !== undefined && of !== service) continue;
      const { values } = await gauge.get();
      for (const { labels } of values) {
        if (labels.account === account && (labels.service === undefined || labels.service === service)) gauge.remove(labels);
      }
    }
  }
}
