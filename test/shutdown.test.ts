import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import {
  COMAGIC_TOKEN,
  HELPCRUNCH_KEY,
  postGraphQL,
  startTestServer,
  startUpstreams,
  type Upstreams,
} from './support/harness';
import { freePort } from './support/ports';
import { lazyRedisServer } from './support/redis';

let upstreams: Upstreams;
const redis = lazyRedisServer();
beforeAll(async () => {
  upstreams = await startUpstreams();
});
beforeEach(() => upstreams.reset());
afterAll(() => upstreams.close());

// Each test asks for a customer of its own, so that none is answered from the Redis cache an earlier one filled.
let nextCustomer = FIRST_GENERATED_CUSTOMER_ID;
let QUERY = '';
let CUSTOMER = '';
beforeEach(() => {
  nextCustomer += 1;
  CUSTOMER = String(nextCustomer);
  QUERY = `{ customer(id: "${CUSTOMER}") { id } }`;
});

/** Resolves once the fake upstream has received a call: the request is then in flight. */
async function upstreamCalled(): Promise<void> {
  while (upstreams.helpcrunch.fake.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function redisClients(): Promise<number> {
  const client = createClient({ url: (await redis()).url });
  await client.connect();
  const list = await client.clientList();
  await client.quit();
  return list.length - 1; // less this one
}

test('close() stops accepting, lets the request in flight finish, then closes Redis', async () => {
  const server = await startTestServer(upstreams, { CACHE_URL: (await redis()).url, SHUTDOWN_TIMEOUT_MS: '5000' });
  expect(await redisClients()).toBeGreaterThan(0);
  upstreams.helpcrunch.fake.latencyMs = 300;

  const inFlight = server.query(QUERY);
  await upstreamCalled();
  const closed = server.close();

  // A new connection is refused at once, while the first request is still being served.
  await expect(postGraphQL(server.url, QUERY)).rejects.toThrow();
  const response = await inFlight;
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ data: { customer: { id: CUSTOMER } } });
  await closed;
  expect(await redisClients()).toBe(0);
});

test('a request still running at SHUTDOWN_TIMEOUT_MS is cut, so that shutdown ends', async () => {
  const server = await startTestServer(upstreams, { SHUTDOWN_TIMEOUT_MS: '200', UPSTREAM_TIMEOUT_MS: '20000', UPSTREAM_DEADLINE_MS: '20000' });
  upstreams.helpcrunch.fake.intercept = () => ({ hang: true });

  const inFlight = server.query(QUERY);
  await upstreamCalled();
  await server.close();
  await expect(inFlight).rejects.toThrow();
});

test('SIGTERM to the server process: the request in flight is answered, Redis is closed, exit code 0', async () => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    NODE_ENV: 'test',
    HELPCRUNCH_API_URL: upstreams.helpcrunch.url,
    HELPCRUNCH_API_KEY: HELPCRUNCH_KEY,
    COMAGIC_API_URL: upstreams.comagic.url,
    COMAGIC_ACCESS_TOKEN: COMAGIC_TOKEN,
    CACHE_URL: (await redis()).url,
  };
  // The entry point itself (through tsx, so the test needs no build): signals reach it directly.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: join(__dirname, '..'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = `http://127.0.0.1:${port}`;
    while (!output.includes('contact graph ready')) {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const clientsWhileUp = await redisClients();
    upstreams.helpcrunch.fake.latencyMs = 300;
    const inFlight = postGraphQL(url, QUERY);
    await upstreamCalled();
    child.kill('SIGTERM');

    expect((await inFlight).body).toEqual({ data: { customer: { id: CUSTOMER } } });
    expect(await exited).toBe(0);
    expect(output).toContain('shutting down: finishing requests in flight');
    expect(output).toContain('"msg":"stopped"');
    expect(await redisClients()).toBeLessThan(clientsWhileUp);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}, 60_000);
