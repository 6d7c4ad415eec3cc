import type { UpstreamService } from '../errors';

/** What an upstream call carries from the GraphQL request that caused it. */
export interface CallOptions {
  /** Sent upstream as `X-Request-Id`, so one request can be followed across services. */
  requestId: string;
  /** Counts the HTTP requests sent upstream for the GraphQL request, retries included. */
  upstreamCalls: Record<UpstreamService, number>;
}
