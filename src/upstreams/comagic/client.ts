import type { z } from 'zod';
import { UpstreamError } from '../../errors';
import type { CallPolicy } from '../../transport/callPolicy';
import type { CallOptions, UpstreamConnection } from '../../transport/http';
import type { PointsBudget } from './budget';
import { comagicError } from './errors';
import { personVisitorsSchema, visitorsSchema, type Visitor } from './person';
import { callOf, offlineMessageOf, visitorChatOf, type Communication, type CommunicationKind } from './communication';
import { isTimeZone } from './time';
import {
  accountResultSchema,
  CALL_FIELDS,
  CHAT_FIELDS,
  limitsIn,
  OFFLINE_MESSAGE_FIELDS,
  personForVisitorResultSchema,
  reportResultSchema,
  rpcResponseSchema,
  wireCallSchema,
  wireChatRowSchema,
  wireOfflineMessageSchema,
  type ReportParams,
} from './wire';

export interface CoMagicClientOptions {
  accessToken: string;
  userId: number | undefined;
  connection: UpstreamConnection;
  /** This account's limits, retries and circuit breaker; its throttle is `budget`. */
  policy: CallPolicy;
  /** Learns the points left from every answer. */
  budget: PointsBudget;
  /** The account's time zone, when configured: the reports' times are in it. Undefined: `get.account` tells it. */
  timeZone: string | undefined;
  /** Says what an operator should know of this account (a time zone it could not learn). */
  warn?: (message: string) => void;
  /** How far back the reports reach, in days. */
  reportsKeptDays: number;
}

/** The zone an account's times are read in when neither the configuration nor the account tells: CoMagic's home zone. */
export const FALLBACK_TIME_ZONE = 'Europe/Moscow';

/** One page of a report, as communications, and how many rows match in all when CoMagic says. */
export interface ReportPage {
  communications: Communication[];
  total: number | undefined;
}

/** Each report: its method, the fields it is asked for, and its rows as communications. */
const REPORTS = {
  CALL: { method: 'get.calls_report', fields: CALL_FIELDS, schema: reportResultSchema(wireCallSchema), of: callOf },
  CHAT: { method: 'get.chats_report', fields: CHAT_FIELDS, schema: reportResultSchema(wireChatRowSchema), of: visitorChatOf },
  OFFLINE_MESSAGE: {
    method: 'get.offline_messages_report',
    fields: OFFLINE_MESSAGE_FIELDS,
    schema: reportResultSchema(wireOfflineMessageSchema),
    of: offlineMessageOf,
  },
} as const;

/** A typed client for the CoMagic / UIS Data API v2.0 methods this graph uses, for one account. */
export class CoMagicClient {
  private nextRequestId = 1;
  /** Each report's result schema for a time zone, made once: a schema is costly to build, and a report's is the same every call. */
  private readonly reportSchemas = new Map<string, z.ZodType<ReportPage, unknown>>();
  /** The account's time zone, once `get.account` has told it (or is telling it). */
  private accountZone: Promise<string> | undefined;

  constructor(private readonly options: CoMagicClientOptions) {}

  /** `get.person_visitors`: every visitor merged into the person; empty when there is no such person. */
  async personVisitors(personId: number, call: CallOptions): Promise<Visitor[]> {
    return this.call(call, 'get.person_visitors', { person_id: personId }, personVisitorsSchema);
  }

  /** `getobj.person_for_visitor`: the person a visitor was merged into, or null. */
  async personForVisitor(visitorId: number, call: CallOptions): Promise<number | null> {
    const result = await this.call(
      call,
      'getobj.person_for_visitor',
      { visitor_id: visitorId },
      personForVisitorResultSchema,
    );
    return result.data?.person_id ?? null;
  }

  /** `get.visitors`: the one method that takes many ids. */
  async visitors(ids: readonly number[], call: CallOptions): Promise<Visitor[]> {
    if (ids.length === 0) return [];
    return this.call(call, 'get.visitors', { ids: [...ids] }, visitorsSchema);
  }

  /**
   * The account's time zone: as configured, or else as `get.account` tells it, asked once. An
   * account that cannot say (an agent's token may not call `get.account`) is read in
   * FALLBACK_TIME_ZONE, with a warning; a failure of CoMagic itself is the caller's, and the
   * next call asks again.
   */
  async timeZone(call: CallOptions): Promise<string> {
    if (this.options.timeZone) return this.options.timeZone;
    this.accountZone ??= this.call(call, 'get.account', {}, accountResultSchema).then(
      (result) => {
        const zone = result.data.map((account) => account.timezone).find((name): name is string => typeof name === 'string' && isTimeZone(name));
        if (zone) return zone;
        this.options.warn?.(`CoMagic's get.account named no time zone Node knows: reading this account's times in ${FALLBACK_TIME_ZONE} (set COMAGIC_TIMEZONE)`);
        return FALLBACK_TIME_ZONE;
      },
      (error: unknown) => {
        if (error instanceof UpstreamError && (error.isTransient || error.code === 'RATE_LIMITED' || error.heldBack)) {
          this.accountZone = undefined;
          throw error;
        }
        this.options.warn?.(`CoMagic's get.account failed (${error instanceof Error ? error.message : String(error)}): reading this account's times in ${FALLBACK_TIME_ZONE} (set COMAGIC_TIMEZONE)`);
        return FALLBACK_TIME_ZONE;
      },
    );
    return this.accountZone;
  }

  get reportsKeptDays(): number {
    return this.options.reportsKeptDays;
  }

  /**
   * One page of a report of `kind` (`get.calls_report`, `get.chats_report`,
   * `get.offline_messages_report`): at most 90 days, with the fields this graph reads.
   */
  async report(kind: CommunicationKind, params: Omit<ReportParams, 'fields'>, call: CallOptions): Promise<ReportPage> {
    const report = REPORTS[kind];
    const timeZone = await this.timeZone(call);
    let schema = this.reportSchemas.get(`${kind} ${timeZone}`);
    if (!schema) {
      const rowOf = report.of as (row: unknown, timeZone: string) => Communication;
      schema = (report.schema as z.ZodType<{ data: unknown[]; metadata?: { total_items?: number | null } | null }, unknown>).transform((result) => ({
        communications: result.data.map((row) => rowOf(row, timeZone)),
        total: result.metadata?.total_items ?? undefined,
      }));
      this.reportSchemas.set(`${kind} ${timeZone}`, schema);
    }
    return this.call(call, report.method, { ...params, fields: [...report.fields] }, schema);
  }

  /**
   * One JSON-RPC call through the account's policy. Errors are raised inside the attempt,
   * so that the policy retries `internal_error` and holds off after `limit_exceeded`.
   */
  private async call<T>(
    call: CallOptions,
    method: string,
    params: Record<string, unknown>,
    schema: z.ZodType<T, unknown>,
  ): Promise<T> {
    const { connection, accessToken, userId, policy, budget } = this.options;
    return policy.run(method, async (signal, timeoutMs) => {
      const body = {
        jsonrpc: '2.0',
        id: this.nextRequestId++,
        method,
        params: { access_token: accessToken, ...(userId !== undefined ? { user_id: userId } : {}), ...params },
      };
      const response = await connection.send({
        method: 'POST',
        path: '',
        call,
        body,
        signal,
        timeoutMs,
      });
      if (response.status >= 500) {
        throw new UpstreamError('UPSTREAM_UNAVAILABLE', `CoMagic answered ${response.status}`, {
          service: 'comagic',
          status: response.status,
        });
      }
      const envelope = rpcResponseSchema.safeParse(response.json);
      if (!envelope.success) {
        const what = response.json === undefined ? 'a body that is not JSON' : 'no JSON-RPC 2.0 response';
        throw this.badResponse(method, response.status, what);
      }
      if ('error' in envelope.data) {
        budget.observe(limitsIn(envelope.data.error.data?.metadata));
        throw comagicError(envelope.data.error, [accessToken]);
      }
      budget.observe(limitsIn((envelope.data.result as { metadata?: unknown } | null)?.metadata));
      const result = schema.safeParse(envelope.data.result);
      if (!result.success) {
        const where = result.error.issues[0]?.path.join('.') || 'result';
        throw this.badResponse(method, response.status, `an unexpected shape at result.${where}`);
      }
      return result.data;
    });
  }

  private badResponse(method: string, status: number, what: string): UpstreamError {
    return new UpstreamError('UPSTREAM_BAD_RESPONSE', `CoMagic ${method} sent ${what}`, {
      service: 'comagic',
      status,
    });
  }
}
