import { answerReport, checkReport, REPORTS, type Refusal } from './sandboxReportMethods';
import { SANDBOX_TIME_ZONE } from './sandboxReports';
import type { CoMagicDataset } from './sandboxData';
import { FakeHttpServer, type FakeReply, type RecordedCall } from '../../sandbox/fakeHttpServer';

/**
 * A CoMagic / UIS Data API v2.0 that runs in-process. It speaks JSON-RPC 2.0 as documented:
 * one call per POST (batches and notifications refused with -32099), `params.access_token`,
 * errors as HTTP 200 with `error.data.mnemonic`, and a points budget per minute and per day
 * reported in `result.metadata.limits` of every answer. Its reports (`get.calls_report`,
 * `get.chats_report`, `get.offline_messages_report`) follow sandboxReportMethods.ts.
 */
export interface CoMagicSandboxOptions {
  /** Access token → that account's data. */
  accounts: Record<string, CoMagicDataset>;
  /** Points a minute and a day per account. Defaults: 120 and 10 000. */
  minuteLimit?: number;
  dayLimit?: number;
  /** Calls its fake remembers (it counts them all); default KEPT_CALLS. */
  keptCalls?: number;
}

export interface CoMagicSandbox {
  /** The endpoint, as COMAGIC_API_URL expects. */
  url: string;
  fake: FakeHttpServer;
  close(): Promise<void>;
}

interface Budget {
  minuteStart: number;
  minuteUsed: number;
  dayStart: number;
  dayUsed: number;
}

const METHOD_PARAMS: Record<string, string[]> = {
  'get.person_visitors': ['person_id'],
  'getobj.person_for_visitor': ['visitor_id'],
  'get.visitors': ['ids'],
  'get.account': [],
};

export async function startCoMagicSandbox(options: CoMagicSandboxOptions): Promise<CoMagicSandbox> {
  const minuteLimit = options.minuteLimit ?? 120;
  const dayLimit = options.dayLimit ?? 10_000;
  const budgets = new Map<string, Budget>();

  function limitsOf(token: string) {
    const now = Date.now();
    const budget = budgets.get(token) ?? { minuteStart: now, minuteUsed: 0, dayStart: now, dayUsed: 0 };
    if (now - budget.minuteStart >= 60_000) Object.assign(budget, { minuteStart: now, minuteUsed: 0 });
    if (now - budget.dayStart >= 86_400_000) Object.assign(budget, { dayStart: now, dayUsed: 0 });
    budgets.set(token, budget);
    return {
      budget,
      limits: () => ({
        day_limit: dayLimit,
        day_remaining: Math.max(0, dayLimit - budget.dayUsed),
        day_reset: Math.ceil((budget.dayStart + 86_400_000 - Date.now()) / 1000),
        minute_limit: minuteLimit,
        minute_remaining: Math.max(0, minuteLimit - budget.minuteUsed),
        minute_reset: Math.ceil((budget.minuteStart + 60_000 - Date.now()) / 1000),
      }),
    };
  }

  const fake = new FakeHttpServer((call: RecordedCall): FakeReply => {
    const request = call.body;
    if (typeof request === 'string' || request === undefined) return rpcError(null, -32700, 'parse_error', 'Parse error');
    if (Array.isArray(request)) {
      return rpcError(null, -32099, 'batch_opreations_not_supported', 'Batch operations are not supported');
    }
    const { jsonrpc, id, method, params } = request as Record<string, unknown>;
    if (jsonrpc !== '2.0' || typeof method !== 'string' || typeof params !== 'object' || params === null) {
      if (id === undefined && typeof method === 'string') {
        return rpcError(null, -32099, 'notifications_not_supported', 'Notifications are not supported');
      }
      return rpcError(id ?? null, -32600, 'invalid_request', 'Invalid request');
    }
    if (id === undefined) return rpcError(null, -32099, 'notifications_not_supported', 'Notifications are not supported');

    const p = params as Record<string, unknown>;
    const token = p.access_token;
    const dataset = typeof token === 'string' ? options.accounts[token] : undefined;
    if (typeof token !== 'string' || dataset === undefined) {
      return rpcError(id, -32001, 'access_token_invalid', 'Access token is invalid');
    }
    const report = REPORTS[method];
    const expected = METHOD_PARAMS[method];
    if (!expected && !report) return rpcError(id, -32601, 'method_not_found', `Method ${method} not found`);
    const { budget, limits } = limitsOf(token);
    const refused = report ? checkReport(report, p) : checkParams(expected!, p);
    if (refused) {
      const { mnemonic, message, ...where } = refused;
      return rpcError(id, -32602, mnemonic, message, { ...where, metadata: { limits: limits() } });
    }

    if (budget.minuteUsed >= minuteLimit || budget.dayUsed >= dayLimit) {
      const per = budget.dayUsed >= dayLimit ? 'day' : 'minute';
      return rpcError(id, -32029, 'limit_exceeded', `Limit per ${per} has been exceeded`, { metadata: { limits: limits() } });
    }
    budget.minuteUsed += 1;
    budget.dayUsed += 1;

    if (report) {
      const { data, total } = answerReport(report, p, dataset);
      return { body: { jsonrpc: '2.0', id, result: { metadata: { total_items: total, limits: limits() }, data } } };
    }
    const data = answer(method, p, dataset);
    return { body: { jsonrpc: '2.0', id, result: { metadata: { limits: limits() }, data } } };
  }, options.keptCalls);
  const origin = await fake.listen();
  return { url: `${origin}/v2.0`, fake, close: () => fake.close() };
}

/** Why the Data API would refuse a get method's parameters (`expected`, each a number, `ids` a list of them), or undefined. */
function checkParams(expected: string[], p: Record<string, unknown>): Refusal | undefined {
  for (const name of Object.keys(p)) {
    if (name !== 'access_token' && name !== 'user_id' && !expected.includes(name)) {
      return { mnemonic: 'unexpected_parameters', message: `Unexpected parameter ${name}`, field: name };
    }
  }
  if (p.user_id !== undefined && typeof p.user_id !== 'number') return { mnemonic: 'data_type_error', message: 'user_id must be a number', field: 'user_id' };
  for (const name of expected) {
    if (p[name] === undefined) return { mnemonic: 'required_parameter_missed', message: `Required parameter ${name} is missed`, field: name };
    const ok = name === 'ids' ? Array.isArray(p.ids) && p.ids.every((v) => typeof v === 'number') : typeof p[name] === 'number';
    if (!ok) return { mnemonic: 'data_type_error', message: `Parameter ${name} has a wrong type`, field: name, value: p[name] };
  }
  return undefined;
}

function answer(method: string, params: Record<string, unknown>, dataset: CoMagicDataset): unknown {
  switch (method) {
    case 'get.person_visitors':
      return dataset.persons.get(params.person_id as number) ?? [];
    case 'get.account':
      // The one account of this token, in the zone its reports' times are written in.
      return [{ app_id: 1, name: 'Sandbox', timezone: dataset.timeZone ?? SANDBOX_TIME_ZONE }];
    case 'getobj.person_for_visitor': {
      const visitor = dataset.visitors.get(params.visitor_id as number);
      return visitor ? { person_id: visitor.person_id } : null;
    }
    default: {
      const ids = params.ids as number[];
      return ids.flatMap((visitorId) => {
        const visitor = dataset.visitors.get(visitorId);
        if (!visitor) return [];
        const { person_id: _, ...row } = visitor;
        return [row];
      });
    }
  }
}

function rpcError(id: unknown, code: number, mnemonic: string, message: string, data: Record<string, unknown> = {}): FakeReply {
  return { body: { jsonrpc: '2.0', id, error: { code, message, data: { mnemonic, ...data } } } };
}
