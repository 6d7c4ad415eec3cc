import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_MISSING, startRedisServer } from './support/redis';

// The tests that need Redis start a real redis-server; when it cannot run, they say why at once.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-redis-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('no redis-server on the PATH: one line saying how to install it', async () => {
  const refusal = startRedisServer(join(dir, 'no-such-redis-server'));
  await expect(refusal).rejects.toThrow(REDIS_MISSING);
  await expect(refusal).rejects.toThrow(/^redis-server is not on the PATH\. .*apt-get install redis-server/);
});

test('a redis-server that exits at once: its exit code and what it said', async () => {
  const script = join(dir, 'redis-server');
  writeFileSync(script, '#!/bin/sh\necho "FATAL CONFIG FILE ERROR: bad directive" >&2\nexit 1\n');
  chmodSync(script, 0o755);
  await expect(startRedisServer(script)).rejects.toThrow(
    'redis-server exited (code 1) before it was ready; it said:\nFATAL CONFIG FILE ERROR: bad directive',
  );
});
