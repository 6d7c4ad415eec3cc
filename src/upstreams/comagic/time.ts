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

/** An instant as the Data API writes it in `timeZone`: `2026-12-07 10:15:00` (whole seconds, rounded down). */
export function localTimeOf(ms: number, timeZone: string): string {
  const [year, month, day, hour, minute, second] = wallClock(Math.floor(ms / 1000) * 1000, timeZone).map((n) => String(n).padStart(2, '0'));
  return `${year}-${month}-${day} ${hour}:${minute}:${second}`;
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
  for (let pass = 0; pass < 2; pass += 1) {
    const [y, mo, d, h, mi, s] = wallClock(instant, timeZone) as [number, number, number, number, number, number];
    instant = asUtc - (Date.UTC(y, mo - 1, d, h, mi, s) - instant);
  }
  return instant;
}
