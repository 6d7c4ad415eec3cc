/**
 * The time range of a contact's history in CoMagic's reports: what a client may ask for, and
 * the calls it takes. A report covers at most 90 days a call ("Максимальный период выгрузки
 * отчёта 90 дней"; wider is `date_interval_limit_reached`), so a wider range is read in
 * windows of 90 days. Every mistake is refused before any call.
 */

import { GraphQLError } from 'graphql';
import { instantOf, localTimeOf } from './time';

/** A range of instants (ms since epoch): `from` included, `to` left out. */
export interface TimeRange {
  from: number;
  to: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The most days one report call covers. */
export const REPORT_WINDOW_DAYS = 90;
/** How far back the reports reach when nothing says otherwise: the Data API's newest report is "доступен за 366 дней". */
export const DEFAULT_REPORTS_KEPT_DAYS = 366;

/**
 * The range asked for, in whole seconds, as the reports' times are: `to` by default now,
 * rounded up to the minute (so that the requests of one minute share their cache entries), and
 * `from` by default 90 days before `to` (one report call of each kind, or two where the
 * account's clock changes within them), or as far back as the reports reach, when that is
 * nearer. A `to` later than that minute reads up to it: nothing has happened later, and a range
 * far into the future would be many calls of nothing.
 */
export function reportRange(args: { from?: Date | string | null; to?: Date | string | null }, { keptDays }: { keptDays: number }, now = Date.now()): TimeRange {
  const thisMinute = Math.ceil(now / 60_000) * 60_000;
  const to = args.to == null ? thisMinute : Math.min(thisMinute, Math.ceil(new Date(args.to).getTime() / 1000) * 1000);
  const oldest = now - keptDays * DAY_MS;
  const from = args.from == null ? Math.max(to - REPORT_WINDOW_DAYS * DAY_MS, Math.ceil(oldest / 1000) * 1000) : Math.floor(new Date(args.from).getTime() / 1000) * 1000;
  if (args.from != null && args.to != null && new Date(args.from).getTime() >= new Date(args.to).getTime()) {
    throw badInput(`from must be before to (from ${new Date(args.from).toISOString()}, to ${new Date(args.to).toISOString()})`);
  }
  if (from >= to) throw badInput(`from must be before now (from ${new Date(from).toISOString()})`);
  if (from < oldest) {
    throw badInput(
      `CoMagic's reports reach back ${keptDays} days: from must be on or after ${new Date(oldest).toISOString()}, got ${new Date(from).toISOString()}`,
    );
  }
  return { from, to };
}

/**
 * The range in report calls of at most 90 days, newest first. The days are the account's:
 * CoMagic measures `date_from` to `date_till` on its clock, where a change to summer time
 * makes a day of 23 hours.
 */
export function windowsOf({ from, to }: TimeRange, timeZone: string): TimeRange[] {
  const windows: TimeRange[] = [];
  for (let end = to; end > from; ) {
    const start = Math.max(from, windowStart(end, timeZone));
    windows.push({ from: start, to: end });
    end = start;
  }
  return windows;
}

/** The instant 90 days of the account's clock before `end`. */
function windowStart(end: number, timeZone: string): number {
  const wall = Date.parse(`${localTimeOf(end, timeZone).replace(' ', 'T')}Z`) - REPORT_WINDOW_DAYS * DAY_MS;
  const start = instantOf(new Date(wall).toISOString().slice(0, 19).replace('T', ' '), timeZone) ?? end - REPORT_WINDOW_DAYS * DAY_MS;
  // A wall-clock time that a change of clocks skips is read later: the window never grows past 90 days.
  return Math.min(Math.max(start, end - REPORT_WINDOW_DAYS * DAY_MS - 3_600_000), end);
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
