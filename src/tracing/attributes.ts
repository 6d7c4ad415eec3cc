/**
 * Every attribute a span of this server may carry. The exporter sends these and nothing
 * else (see `allowListed`), so that no header, variable, message or credential reaches a
 * tracing backend, whatever code or library set it.
 */
export const ATTRIBUTES = {
  // The operation: the OpenTelemetry GraphQL conventions, and what it answered.
  operationName: 'graphql.operation.name',
  operationType: 'graphql.operation.type',
  errorCodes: 'graphql.error.codes',
  requestId: 'contact_graph.request_id',
  statusCode: 'http.response.status_code',
  // A failed span's code (OpenTelemetry's `error.type`), never its message.
  errorType: 'error.type',
  // An upstream call, each attempt, and the wait for the account's budget.
  service: 'upstream.service',
  method: 'upstream.method',
  attempt: 'upstream.attempt',
  attempts: 'upstream.attempts',
  outcome: 'upstream.outcome',
  heldBack: 'upstream.held_back',
  waitMs: 'rate_limit.wait_ms',
  // Cache lookups and loader batches.
  cacheLayer: 'cache.layer',
  cacheResult: 'cache.result',
  cacheHits: 'cache.hits',
  cacheStale: 'cache.stale',
  cacheMisses: 'cache.misses',
  loader: 'loader.name',
  batchSize: 'loader.batch_size',
  fetched: 'loader.fetched',
} as const;

export const ALLOWED_ATTRIBUTES: ReadonlySet<string> = new Set(Object.values(ATTRIBUTES));
