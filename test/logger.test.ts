import { Batched, type LineSink } from '../src/logger';

/** A sink that records each write it is handed. */
function recordingSink(): LineSink & { writes: string[]; flushes: number } {
  const sink = {
    writes: [] as string[],
    flushes: 0,
    write: (text: string) => sink.writes.push(text),
    flush: (callback?: (error?: Error) => void) => {
      sink.flushes += 1;
      callback?.();
    },
    flushSync: () => undefined,
  };
  return sink;
}

afterEach(() => jest.useRealTimers());

test('lines are handed on together, in order, once per interval', () => {
  jest.useFakeTimers();
  const sink = recordingSink();
  const batched = new Batched(sink);
  for (let i = 0; i < 50; i += 1) batched.write(`{"n":${i}}\n`);
  expect(sink.writes).toEqual([]);
  jest.advanceTimersByTime(100);
  expect(sink.writes).toHaveLength(1);
  expect(sink.writes[0]!.split('\n').slice(0, -1).map((line) => JSON.parse(line).n)).toEqual([...Array(50).keys()]);
  jest.advanceTimersByTime(100);
  expect(sink.writes).toHaveLength(1); // nothing new: no empty write
});

test('a large batch is handed on at once, without waiting for the interval', () => {
  jest.useFakeTimers();
  const sink = recordingSink();
  const batched = new Batched(sink);
  const line = `${JSON.stringify({ msg: 'x'.repeat(1000) })}\n`;
  for (let i = 0; i < 70; i += 1) batched.write(line);
  expect(sink.writes.length).toBe(1);
  expect(sink.writes[0]!.length).toBeGreaterThanOrEqual(64 * 1024);
});

test('flush hands on what is pending before the sink flushes', () => {
  const sink = recordingSink();
  const batched = new Batched(sink);
  batched.write('a\n');
  batched.write('b\n');
  const done = jest.fn();
  batched.flush(done);
  expect(sink.writes).toEqual(['a\nb\n']);
  expect(sink.flushes).toBe(1);
  expect(done).toHaveBeenCalled();
});
