import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { postGraphQL, testServerEnv, type GraphQLResponse, type Upstreams } from './harness';
import { freePort } from './ports';

const ROOT = join(__dirname, '..', '..');

/** The server in a process of its own, as it runs in production: `src/main.ts`, configured by its environment alone. */
export interface ServerProcess {
  url: string;
  /** Everything it wrote to stdout and stderr, line by line. */
  output: string[];
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** SIGTERM, and its exit: a graceful stop. */
  close(): Promise<void>;
}

/**
 * Starts the server against these upstreams, with the test server's settings plus `env`.
 * For what only a real process does, such as the OpenTelemetry exporter, which loads
 * `node:http` with a dynamic `import()` that Jest's module runtime does not run.
 */
export async function startServerProcess(upstreams: Upstreams, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...testServerEnv(upstreams), PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output.join('\n')}`);
    const healthy = await fetch(`${url}/health`).then((response) => response.ok, () => false);
    if (healthy) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the server did not start:\n${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    output,
    query: (query, variables, headers) => postGraphQL(url, query, variables, headers),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
