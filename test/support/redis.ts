import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports';

/** A real redis-server on a free loopback port, with persistence off. */
export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
}

/** How long a redis-server may take to say it is ready. */
const START_TIMEOUT_MS = 10_000;

export const REDIS_MISSING =
  'redis-server is not on the PATH. Only the tests that use Redis need it: ' +
  'install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) and run them again.';

export async function startRedisServer(command = 'redis-server'): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start() {
    const proc = spawn(command, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const fail = (message: string) => {
        clearTimeout(timer);
        reject(new Error(message));
      };
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        fail(`redis-server did not say it was ready within ${START_TIMEOUT_MS} ms; it said:\n${output || '(nothing)'}`);
      }, START_TIMEOUT_MS);
      proc.on('error', (error: NodeJS.ErrnoException) => fail(error.code === 'ENOENT' ? REDIS_MISSING : `redis-server could not be run: ${error.message}`));
      // 'close', not 'exit': it comes once what the process said has been read.
      proc.on('close', (code, signal) => fail(`redis-server exited (${signal ?? `code ${code}`}) before it was ready; it said:\n${output.trim() || '(nothing)'}`));
      const listen = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          proc.removeAllListeners('close');
          resolve();
        }
      };
      proc.stdout!.on('data', listen);
      proc.stderr!.on('data', listen);
    });
  }

  async function stop() {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

/**
 * A redis-server for the tests of one file that need it: started when the first of them asks,
 * stopped after the file. The file's other tests run without Redis installed.
 */
export function lazyRedisServer(): () => Promise<RedisServer> {
  let started: Promise<RedisServer> | undefined;
  afterAll(async () => {
    const redis = await started?.catch(() => undefined);
    await redis?.stop();
  });
  return () => (started ??= startRedisServer());
}
