/**
 * The sandbox's report methods, as the Data API documents them (data_api/report/*): required
 * `date_from` and `date_till` (`YYYY-MM-DD hh:mm:ss`, at most 90 days apart, else
 * `date_interval_limit_reached`), `filter` (one condition or a tree of them), `fields`,
 * `limit` (at most 10,000), `offset` (at most 100,000), and `metadata.total_items`. A field
 * that does not exist is `unexpected_parameters`; one that cannot be filtered on, `filter_prohibited`.
 */
import type { CoMagicDataset } from './sandboxData';
import type { ReportRow } from './sandboxReports';

interface ReportField {
  type: 'number' | 'string' | 'boolean' | 'time' | 'array';
  /** Can be filtered on. */
  filter?: boolean;
  /** Can be sorted on. */
  sort?: boolean;
  /** Left out of the answer unless `fields` names it. */
  notByDefault?: boolean;
}

export interface ReportMethod {
  rows: (dataset: CoMagicDataset) => ReportRow[];
  /** The field holding the row's time. */
  time: string;
  fields: Record<string, ReportField>;
  /** The parameters of this method besides the common ones. */
  extra: string[];
}

const F = { filter: true } as const;
const number = (extra: Partial<ReportField> = {}): ReportField => ({ type: 'number', ...extra });
const string = (extra: Partial<ReportField> = {}): ReportField => ({ type: 'string', ...extra });

export const REPORTS: Record<string, ReportMethod> = {
  'get.calls_report': {
    rows: (dataset) => dataset.calls,
    time: 'start_time',
    extra: ['include_ongoing_calls'],
    fields: {
      id: number(F),
      communication_id: number(F),
      start_time: { type: 'time', sort: true },
      finish_time: { type: 'time' },
      direction: string(F),
      is_lost: { type: 'boolean', ...F },
      contact_phone_number: string(F),
      virtual_phone_number: string(F),
      wait_duration: number(F),
      talk_duration: number(F),
      total_duration: number(F),
      visitor_id: number({ ...F, notByDefault: true }),
      person_id: number({ ...F, notByDefault: true }),
      site_domain_name: string(F),
      employees: { type: 'array', ...F },
    },
  },
  'get.chats_report': {
    rows: (dataset) => dataset.chats,
    time: 'date_time',
    extra: [],
    fields: {
      id: number(F),
      communication_id: number(F),
      date_time: { type: 'time', sort: true },
      status: string(F),
      initiator: string(F),
      duration: string(F),
      answer_time: number(F),
      chat_channel_type: string({ ...F, notByDefault: true }),
      messages_count: number({ notByDefault: true }),
      employee_id: number(F),
      employee_full_name: string({ ...F, notByDefault: true }),
      visitor_phone_number: number(F),
      visitor_id: number(F),
      person_id: number({ ...F, notByDefault: true }),
      site_domain_name: string({ ...F, notByDefault: true }),
    },
  },
  'get.offline_messages_report': {
    rows: (dataset) => dataset.offlineMessages,
    time: 'date_time',
    extra: ['include_tech_offline_messages'],
    fields: {
      id: number(F),
      communication_id: number(F),
      date_time: { type: 'time', notByDefault: true },
      text: string(),
      status: string(F),
      form_name: string({ ...F, notByDefault: true }),
      visitor_name: string(F),
      visitor_email: string(F),
      visitor_phone_number: number(F),
      employee_id: number(F),
      employee_full_name: string(F),
      visitor_id: number(F),
      person_id: number({ ...F, notByDefault: true }),
      site_domain_name: string({ ...F, notByDefault: true }),
    },
  },
};

const COMMON = ['access_token', 'user_id', 'date_from', 'date_till', 'limit', 'offset', 'filter', 'fields', 'sort'];
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const MAX_DAYS = 90;
const OPERATORS = ['=', '!=', '<', '>', '<=', '>=', 'in'];

export interface Refusal {
  mnemonic: string;
  message: string;
  field?: string;
  /** The value refused, where the answer names it. */
  value?: unknown;
}

/** Why the Data API would refuse these parameters, or undefined when it would answer. */
export function checkReport(report: ReportMethod, params: Record<string, unknown>): Refusal | undefined {
  for (const name of Object.keys(params)) {
    if (!COMMON.includes(name) && !report.extra.includes(name)) return { mnemonic: 'unexpected_parameters', message: `Unexpected method parameter(s): ${name}`, field: name };
  }
  for (const name of ['date_from', 'date_till']) {
    if (params[name] === undefined) return { mnemonic: 'required_parameter_missed', message: 'The required parameter has been missed', field: name };
    if (typeof params[name] !== 'string') return { mnemonic: 'data_type_error', message: 'Data supplied is of wrong type', field: name };
    if (!LOCAL_TIME.test(params[name] as string)) return { mnemonic: 'invalid_parameter_value', message: 'Invalid parameter value', field: name };
  }
  const from = Date.parse(`${(params.date_from as string).replace(' ', 'T')}Z`);
  const till = Date.parse(`${(params.date_till as string).replace(' ', 'T')}Z`);
  if (from > till) return { mnemonic: 'invalid_parameter_value', message: 'Invalid parameter value', field: 'date_from' };
  if (till - from > MAX_DAYS * 86_400_000) return { mnemonic: 'date_interval_limit_reached', message: 'Max value of requested date interval is 3 months' };
  const limit = params.limit ?? 1000;
  const offset = params.offset ?? 0;
  if (typeof limit !== 'number' || typeof offset !== 'number') return { mnemonic: 'data_type_error', message: 'Data supplied is of wrong type', field: typeof limit !== 'number' ? 'limit' : 'offset' };
  if (limit < 1 || limit > 10_000) return { mnemonic: 'invalid_parameter_value', message: 'Invalid parameter value', field: 'limit' };
  if (offset < 0 || offset > 100_000) return { mnemonic: 'invalid_parameter_value', message: 'Invalid parameter value', field: 'offset' };
  if (params.fields !== undefined) {
    if (!Array.isArray(params.fields)) return { mnemonic: 'data_type_error', message: 'Data supplied is of wrong type', field: 'fields' };
    const unknown = params.fields.find((field) => typeof field !== 'string' || !(field in report.fields));
    if (unknown !== undefined) return { mnemonic: 'unexpected_parameters', message: `Unexpected method parameter(s): ${String(unknown)}`, field: 'fields' };
  }
  if (params.sort !== undefined) {
    const sorts = params.sort as Array<{ field?: unknown; order?: unknown }>;
    if (!Array.isArray(sorts)) return { mnemonic: 'data_type_error', message: 'Data supplied is of wrong type', field: 'sort' };
    for (const sort of sorts) {
      const field = report.fields[String(sort?.field)];
      if (!field) return { mnemonic: 'unexpected_parameters', message: `Unexpected method parameter(s): ${String(sort?.field)}`, field: 'sort' };
      if (!field.sort) return { mnemonic: 'sort_prohibited', message: 'Sort by parameter is prohibited', field: String(sort.field) };
      if (sort.order !== undefined && sort.order !== 'asc' && sort.order !== 'desc') return { mnemonic: 'invalid_parameter_value', message: 'Invalid parameter value', field: 'sort' };
    }
  }
  return params.filter === undefined ? undefined : checkFilter(report, params.filter, 1);
}

function checkFilter(report: ReportMethod, filter: unknown, depth: number): Refusal | undefined {
  if (typeof filter !== 'object' || filter === null) return { mnemonic: 'data_type_error', message: 'Data supplied is of wrong type', field: 'filter' };
  const node = filter as Record<string, unknown>;
  if ('filters' in node) {
    if (depth > 3 || !Array.isArray(node.filters) || (node.condition !== 'and' && node.condition !== 'or')) {
      return { mnemonic: 'invalid_parameter_value', message: 'Invalid parameter value', field: 'filter' };
    }
    for (const child of node.filters) {
      const refused = checkFilter(report, child, depth + 1);
      if (refused) return refused;
    }
    return undefined;
  }
  const field = report.fields[String(node.field)];
  if (!field) return { mnemonic: 'unexpected_parameters', message: `Unexpected method parameter(s): ${String(node.field)}`, field: 'filter' };
  if (!field.filter) return { mnemonic: 'filter_prohibited', message: 'Filter by parameter is prohibited', field: String(node.field) };
  if (!OPERATORS.includes(String(node.operator))) return { mnemonic: 'invalid_parameter_value', message: 'Invalid parameter value', field: 'filter' };
  const values = node.operator === 'in' ? node.value : [node.value];
  if (!Array.isArray(values) || !values.every((value) => value === null || typeof value === field.type)) {
    return { mnemonic: 'data_type_error', message: 'Data supplied is of wrong type', field: String(node.field) };
  }
  return undefined;
}

/** The rows within the dates that hold the filter, with the fields asked for (or the default ones), a page of them. */
export function answerReport(report: ReportMethod, params: Record<string, unknown>, dataset: CoMagicDataset): { data: unknown[]; total: number } {
  const from = params.date_from as string;
  const till = params.date_till as string;
  const matching = (ownersLookup(report, params.filter, dataset) ?? report.rows(dataset))
    .filter((row) => {
      const at = String(row[report.time]);
      return at >= from && at <= till && (params.filter === undefined || holds(params.filter as Record<string, unknown>, row));
    })
    .sort(sortingBy(params.sort as Array<{ field: string; order?: 'asc' | 'desc' }> | undefined));
  const fields = (params.fields as string[] | undefined) ?? Object.keys(report.fields).filter((name) => !report.fields[name]!.notByDefault);
  const offset = (params.offset as number | undefined) ?? 0;
  const limit = (params.limit as number | undefined) ?? 1000;
  const data = matching.slice(offset, offset + limit).map((row) => Object.fromEntries(fields.map((name) => [name, row[name] ?? null])));
  return { data, total: matching.length };
}

/** The order asked for (ascending by default, as documented), then by id; by id when none is asked. */
function sortingBy(sorts: Array<{ field: string; order?: 'asc' | 'desc' }> | undefined) {
  return (a: ReportRow, b: ReportRow): number => {
    for (const { field, order } of sorts ?? []) {
      const x = String(a[field] ?? '');
      const y = String(b[field] ?? '');
      if (x !== y) return (x < y ? -1 : 1) * (order === 'desc' ? -1 : 1);
    }
    return a.id - b.id;
  };
}

/** The fields the rows are looked up by, rather than scanned, when a filter is only conditions on them. */
const INDEXED = ['person_id', 'visitor_id'];
const indexes = new WeakMap<ReportRow[], { size: number; byField: Map<string, Map<unknown, ReportRow[]>> }>();

/**
 * The rows a filter of `=` conditions on persons or visitors (OR-ed), the filter this graph
 * sends, can hold for, by lookup: a sandbox with many rows stays fast. Undefined for any other
 * filter, which is scanned; the filter is then checked on these rows as on any.
 */
function ownersLookup(report: ReportMethod, filter: unknown, dataset: CoMagicDataset): ReportRow[] | undefined {
  const node = filter as { field?: unknown; operator?: unknown; value?: unknown; filters?: unknown[]; condition?: unknown } | undefined;
  const conditions = node?.filters === undefined ? [node] : node.condition === 'or' ? node.filters : undefined;
  if (!conditions?.every((c) => typeof c === 'object' && c !== null && INDEXED.includes(String((c as { field?: unknown }).field)) && (c as { operator?: unknown }).operator === '=')) return undefined;
  const rows = report.rows(dataset);
  let index = indexes.get(rows);
  // Rows added since (tests add some) make a new index.
  if (!index || index.size !== rows.length) {
    index = { size: rows.length, byField: new Map(INDEXED.map((field) => [field, new Map()])) };
    for (const row of rows) for (const field of INDEXED) index.byField.get(field)!.set(row[field], [...(index.byField.get(field)!.get(row[field]) ?? []), row]);
    indexes.set(rows, index);
  }
  const found = new Set<ReportRow>();
  for (const condition of conditions as Array<{ field: string; value: unknown }>) for (const row of index.byField.get(condition.field)!.get(condition.value) ?? []) found.add(row);
  return [...found];
}

function holds(filter: Record<string, unknown>, row: ReportRow): boolean {
  if ('filters' in filter) {
    const children = (filter.filters as Array<Record<string, unknown>>).map((child) => holds(child, row));
    return filter.condition === 'or' ? children.some(Boolean) : children.every(Boolean);
  }
  const actual = row[String(filter.field)];
  const expected = filter.value;
  switch (filter.operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case 'in':
      return (expected as unknown[]).includes(actual);
    case '<':
      return Number(actual) < Number(expected);
    case '>':
      return Number(actual) > Number(expected);
    case '<=':
      return Number(actual) <= Number(expected);
    default:
      return Number(actual) >= Number(expected);
  }
}
