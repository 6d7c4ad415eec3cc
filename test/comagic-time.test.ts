import { GraphQLError } from 'graphql';
import { reportRange, REPORT_WINDOW_DAYS, windowsOf } from '../src/upstreams/comagic/history';
import { instantOf, localTimeOf } from '../src/upstreams/comagic/time';

const DAY = 86_400_000;

test("the Data API's times are the account's wall clock, daylight saving included", () => {
  expect(localTimeOf(Date.parse('2026-12-07T02:30:15.900Z'), 'Europe/Moscow')).toBe('2026-12-07 05:30:15');
  expect(instantOf('2026-12-07 05:30:15', 'Europe/Moscow')).toBe(Date.parse('2026-12-07T02:30:15Z'));
  expect(instantOf('2026-07-01 12:00:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-01T10:00:00Z'));
  expect(instantOf('2026-01-01 12:00:00', 'Europe/Berlin')).toBe(Date.parse('2026-01-01T11:00:00Z'));
  // The hour the clocks skip is read after the change; the hour they repeat, in winter time (its second pass).
  expect(instantOf('2026-03-29 02:30:00', 'Europe/Berlin')).toBe(Date.parse('2026-03-29T01:30:00Z'));
  expect(instantOf('2026-10-25 02:30:00', 'Europe/Berlin')).toBe(Date.parse('2026-10-25T01:30:00Z'));
  expect(instantOf('07.12.2026 05:30', 'Europe/Moscow')).toBeUndefined();
});

test('by default a range is the 90 days up to now, rounded up to the minute: one report call', () => {
  const now = Date.parse('2026-12-07T02:30:15.900Z');
  const range = reportRange({}, { keptDays: 366 }, now);
  expect(range).toEqual({ from: Date.parse('2026-09-08T02:31:00Z'), to: Date.parse('2026-12-07T02:31:00Z') });
  expect(windowsOf(range, 'Europe/Moscow')).toEqual([range]);
});

test('a wider range is read in windows of 90 days of the account clock, newest first', () => {
  const range = { from: Date.parse('2026-01-01T00:00:00Z'), to: Date.parse('2026-12-01T00:00:00Z') };
  const windows = windowsOf(range, 'Europe/Berlin');
  expect(windows).toHaveLength(4);
  expect(windows[0]!.to).toBe(range.to);
  expect(windows.at(-1)!.from).toBe(range.from);
  for (const [index, window] of windows.entries()) {
    // Each is at most 90 days as the account's clock reads them, and they meet end to start.
    const days = (Date.parse(`${localTimeOf(window.to, 'Europe/Berlin').replace(' ', 'T')}Z`) - Date.parse(`${localTimeOf(window.from, 'Europe/Berlin').replace(' ', 'T')}Z`)) / DAY;
    expect(days).toBeLessThanOrEqual(REPORT_WINDOW_DAYS);
    if (index > 0) expect(window.to).toBe(windows[index - 1]!.from);
  }
  // Across the change to summer time, 90 days of the clock are an hour shorter.
  expect(windows[2]!.to - windows[2]!.from).toBe(REPORT_WINDOW_DAYS * DAY - 3_600_000);
});

test.each([
  [{ from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 'from must be before to'],
  [{ from: '2025-06-01T00:00:00Z' }, "CoMagic's reports reach back 366 days: from must be on or after 2025-12-06T"],
])('%j is refused as the client\'s mistake', (args, message) => {
  const now = Date.parse('2026-12-07T00:00:00Z');
  let thrown: unknown;
  try {
    reportRange(args, { keptDays: 366 }, now);
  } catch (error) {
    thrown = error;
  }
  expect((thrown as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
  expect((thrown as GraphQLError).message).toContain(message);
});

test("on a day the clocks change, the first quarter of an hour of the day is read as any other", () => {
  // 2026-03-29 00:05 UTC is 01:05 in Berlin, before the change at 02:00.
  expect(localTimeOf(Date.parse('2026-03-29T00:05:00Z'), 'Europe/Berlin')).toBe('2026-03-29 01:05:00');
  expect(instantOf('2026-03-29 01:05:00', 'Europe/Berlin')).toBe(Date.parse('2026-03-29T00:05:00Z'));
  expect(localTimeOf(Date.parse('2026-10-25T00:10:00Z'), 'Europe/Berlin')).toBe('2026-10-25 02:10:00');
});

test('a to in the future reads up to now; a default from never reaches past what the reports keep', () => {
  const now = Date.parse('2026-12-07T02:30:15Z');
  const range = reportRange({ from: '2026-11-01T00:00:00Z', to: '9999-12-31T00:00:00Z' }, { keptDays: 366 }, now);
  expect(range).toEqual({ from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-12-07T02:31:00Z') });
  expect(windowsOf(range, 'Europe/Moscow')).toHaveLength(1);
  expect(reportRange({}, { keptDays: 30 }, now)).toEqual({ from: Date.parse('2026-11-07T02:30:15Z'), to: Date.parse('2026-12-07T02:31:00Z') });
});
