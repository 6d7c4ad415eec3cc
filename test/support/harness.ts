import { Writable } from 'node:stream';
import { startCoMagicSandbox, type CoMagicSandbox } from '../../src/upstreams/comagic/sandbox';
import { createCoMagicDataset, type CoMagicDataset } from '../../src/upstreams/comagic/sandboxData';
import { createHelpCrunchDataset, type HelpCrunchDataset } from '../../src/upstreams/helpcrunch/sandboxData';
import { startHelpCrunchSandbox, type HelpCrunchSandbox } from '../../src/upstreams/helpcrunch/sandbox';
import { createServerLogger, loadServerConfig, startServer, type RunningServer } from '../../src/server';

export const HELPCRUNCH_KEY = 'hc-test-key-3b1f9a7e5c';
export const COMAGIC_TOKEN = 'cm-test-token-8d2e4c6a0f';

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  };
  text: string;
}

/** Real fake upstreams on loopback, shared by the servers a test starts against them. */
export interface Upstreams {
  helpcrunch: HelpCrunchSandbox;
  comagic: CoMagicSandbox;
  /** Forgets every recorded call and removes every injected fault. */
  reset(): void;
  close(): Promise<void>;
}

export async function startUpstreams(
  options: {
    helpcrunchAccounts?: Record<string, HelpCrunchDataset>;
    comagicAccounts?: Record<string, CoMagicDataset>;
    /** The fakes' own limits; by default off, so that tests counting calls do not depend on each other. */
    helpcrunchRateLimitPerMinute?: number;
    comagicMinuteLimit?: number;
  } = {},
): Promise<Upstreams> {
  const helpcrunch = await startHelpCrunchSandbox({
    accounts: options.helpcrunchAccounts ?? { [HELPCRUNCH_KEY]: createHelpCrunchDataset() },
    rateLimitPerMinute: options.helpcrunchRateLimitPerMinute ?? 0,
  });
  const comagic = await startCoMagicSandbox({
    accounts: options.comagicAccounts ?? { [COMAGIC_TOKEN]: createCoMagicDataset() },
    minuteLimit: options.comagicMinuteLimit ?? 100_000,
  });
  return {
    helpcrunch,
    comagic,
    reset() {
      for (const fake of [helpcrunch.fake, comagic.fake]) {
        fake.resetCalls();
        fake.intercept = undefined;
        fake.latencyMs = 0;
      }
    },
    async close() {
      await Promise.all([helpcrunch.close(), comagic.close()]);
    },
  };
}

export interface TestServer extends RunningServer {
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** Everything the server logged, one JSON line each. */
  logs: string[];
}

/** The test settings: these upstreams, their credentials, and no client-side budget to speak of. */
export function testServerEnv(upstreams: Upstreams): Record<string, string> {
  return {
    PORT: '0',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HELPCRUNCH_API_URL: upstreams.helpcrunch.url,
    HELPCRUNCH_API_KEY: HELPCRUNCH_KEY,
    COMAGIC_API_URL: upstreams.comagic.url,
    COMAGIC_ACCESS_TOKEN: COMAGIC_TOKEN,
    UPSTREAM_TIMEOUT_MS: '2000',
    // The fakes' limits are off too; the tests of the limiter set their own budget.
    HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '100000',
  };
}

/** Starts the real server (HTTP included) against the given upstreams with test settings. */
export async function startTestServer(upstreams: Upstreams, env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadServerConfig({ ...testServerEnv(upstreams), ...env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const server = await startServer(config, createServerLogger(config.logLevel, sink));
  return {
    ...server,
    logs,
    query: (query, variables, headers) => postGraphQL(server.url, query, variables, headers),
  };
}

/** Runs `run` against a server of its own (breakers and budgets start closed and full), then stops it. */
export async function withTestServer(
  upstreams: Upstreams,
  env: Record<string, string>,
  run: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startTestServer(upstreams, env);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

export async function postGraphQL(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
}

/** The upstream calls a fake saw, by path (HelpCrunch) or JSON-RPC method (CoMagic). */
export function helpcrunchCalls(upstreams: Upstreams) {
  return upstreams.helpcrunch.fake.calls.map((call) => `${call.method} ${call.path}`);
}

export function comagicCalls(upstreams: Upstreams): string[] {
  return upstreams.comagic.fake.calls.map((call) => String((call.body as { method?: unknown })?.method));
}

/**
 * Starts fake upstreams and a server for one test file, forgets the fakes' calls and faults
 * before each test, and stops everything after the file.
 */
export function useTestServer(env: Record<string, string> = {}): { upstreams: Upstreams; server: TestServer } {
  const handle = {} as { upstreams: Upstreams; server: TestServer };
  beforeAll(async () => {
    handle.upstreams = await startUpstreams();
    handle.server = await startTestServer(handle.upstreams, env);
  });
  beforeEach(() => handle.upstreams.reset());
  afterAll(async () => {
    await handle.server?.close();
    await handle.upstreams?.close();
  });
  return handle;
}

/** `GET /metrics`, as `series → value` (`name{label="value",...}` exactly as exported). */
export async function scrape(server: RunningServer): Promise<Map<string, number>> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const series = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^(contact_graph_\w+(?:\{.*\})?) (\S+)$/.exec(line);
    if (match) series.set(match[1]!, Number(match[2]));
  }
  return series;
}

/**
 * The log lines of one request, by its request id, once its own line ("request completed")
 * is written: that happens when the response has been sent, which may be just after the
 * client has read it.
 */
export async function requestLines(server: TestServer, requestId: string): Promise<Array<Record<string, any>>> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const lines = server.logs.map((line) => JSON.parse(line) as Record<string, any>).filter((line) => line.requestId === requestId);
    if (lines.some((line) => line.msg === 'request completed') || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
