/**
 * The Data API writes every date and time as `YYYY-MM-DD hh:mm:ss` with no zone; an account's
 * times are in its own time zone (`get.account` names it), which COMAGIC_TIMEZONE configures.
 * The platform's Intl does the conversion, with the zone's daylight-saving rules.
 */

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** True when the platform knows `timeZone` (an IANA name such as `Europe/Moscow`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatIn(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of `ms` in `timeZone`. */
function wallClock(ms: number, timeZone: string): number[] {
  const parts = Object.fromEntries(formatIn(timeZone).formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return ['year', 'month', 'day', 'hour', 'minute', 'second'].map((type) => Number(parts[type]));
}

/**
 * A zone's offset changes a few times a year, on a quarter of an hour: it is asked of Intl for
 * each day's start and end, and used for the whole day when they agree; on a day of a change,
 * for each quarter of an hour. A report of a thousand rows costs a few lookups, not a thousand.
 */
const DAY_MS = 24 * 60 * 60 * 1000;
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const MAX_KEPT_OFFSETS = 10_000;
const offsets = new Map<string, number | 'changes'>();

function intlOffset(ms: number, timeZone: string): number {
  const [year, month, day, hour, minute, second] = wallClock(ms, timeZone) as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second) - ms;
}

function kept(key: string, compute: () => number | 'changes'): number | 'changes' {
  let value = offsets.get(key);
  if (value === undefined) {
    value = compute();
    if (offsets.size >= MAX_KEPT_OFFSETS) offsets.clear();
    offsets.set(key, value);
  }
  return value;
}

/** How far the zone's wall clock is ahead of UTC at `ms`, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const daily = kept(`day ${timeZone} ${day}`, () => {
    const start = intlOffset(day, timeZone);
    return start === intlOffset(day + DAY_MS - QUARTER_HOUR_MS, timeZone) ? start : 'changes';
  });
  if (daily !== 'changes') return daily;
  const quarter = Math.floor(ms / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  return kept(`quarter ${timeZone} ${quarter}`, () => intlOffset(quarter, timeZone)) as number;
}

/** An instant as the Data API writes it in `timeZone`: `2026-12-07 10:15:00` (whole seconds, rounded down). */
export function localTimeOf(ms: number, timeZone: string): string {
  const seconds = Math.floor(ms / 1000) * 1000;
  return new Date(seconds + offsetAt(seconds, timeZone)).toISOString().slice(0, 19).replace('T', ' ');
}

/** The instant (ms) of a Data API time in `timeZone`; undefined for text that is not one. */
export function instantOf(local: string, timeZone: string): number | undefined {
  const match = LOCAL_TIME.exec(local.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(asUtc)) return undefined;
  // The zone's offset at that moment, found from the wall clock there, twice: once more across a change of offset.
  let instant = asUtc;
  for (let pass = 0; pass < 2; pass += 1) instant = asUtc - offsetAt(instant, timeZone);
  return instant;
}
