import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import type { z } from 'zod';
import { UpstreamError } from '../errors';
import { sendHttpRequest } from '../transport/http';
import { comagicError } from './errors';
import {
  personForVisitorResultSchema,
  personVisitorsResultSchema,
  rpcResponseSchema,
  visitorsResultSchema,
  type WirePersonVisitor,
  type WireVisitor,
} from './wire';

export interface CoMagicClientOptions {
  apiUrl: string;
  accessToken: string;
  userId: number | undefined;
  timeoutMs: number;
  /** The API takes no batches, so loaders fan out into single calls; this caps them. */
  concurrency: number;
}

/** A typed client for the CoMagic / UIS Data API v2.0 methods this graph uses. */
export class CoMagicClient {
  private readonly inFlight: BulkheadPolicy;
  private nextRequestId = 1;

  constructor(private readonly options: CoMagicClientOptions) {
    this.inFlight = bulkhead(options.concurrency, Number.POSITIVE_INFINITY);
  }

  /** `get.person_visitors`: every visitor merged into the person; empty when there is no such person. */
  async personVisitors(personId: number): Promise<WirePersonVisitor[]> {
    const result = await this.call('get.person_visitors', { person_id: personId }, personVisitorsResultSchema);
    return result.data;
  }

  /** `getobj.person_for_visitor`: the person a visitor was merged into, or null. */
  async personForVisitor(visitorId: number): Promise<number | null> {
    const result = await this.call(
      'getobj.person_for_visitor',
      { visitor_id: visitorId },
      personForVisitorResultSchema,
    );
    return result.data?.person_id ?? null;
  }

  /** `get.visitors`: the one method that takes many ids. */
  async visitors(ids: readonly number[]): Promise<WireVisitor[]> {
    if (ids.length === 0) return [];
    const result = await this.call('get.visitors', { ids: [...ids] }, visitorsResultSchema);
    return result.data;
  }

  private async call<T>(method: string, params: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    const body = {
      jsonrpc: '2.0',
      id: this.nextRequestId++,
      method,
      params: {
        access_token: this.options.accessToken,
        ...(this.options.userId !== undefined ? { user_id: this.options.userId } : {}),
        ...params,
      },
    };
    const response = await this.inFlight.execute(() =>
      sendHttpRequest({
        service: 'comagic',
        method: 'POST',
        url: this.options.apiUrl,
        body,
        timeoutMs: this.options.timeoutMs,
      }),
    );

    if (response.status >= 500) {
      throw new UpstreamError('UPSTREAM_UNAVAILABLE', `CoMagic answered ${response.status}`, {
        service: 'comagic',
        status: response.status,
      });
    }
    const envelope = rpcResponseSchema.safeParse(response.json);
    if (!envelope.success) {
      throw this.badResponse(method, response.status, response.json === undefined ? 'a body that is not JSON' : 'no JSON-RPC 2.0 response');
    }
    if ('error' in envelope.data) {
      throw comagicError(envelope.data.error, [this.options.accessToken]);
    }
    const result = schema.safeParse(envelope.data.result);
    if (!result.success) {
      const where = result.error.issues[0]?.path.join('.') || 'result';
      throw this.badResponse(method, response.status, `an unexpected shape at result.${where}`);
    }
    return result.data;
  }

  private badResponse(method: string, status: number, what: string): UpstreamError {
    return new UpstreamError('UPSTREAM_BAD_RESPONSE', `CoMagic ${method} sent ${what}`, {
      service: 'comagic',
      status,
    });
  }
}
