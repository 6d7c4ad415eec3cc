/**
 * The soak: what the server promises under faults, all at once, under load, for minutes.
 *
 *   npm run soak -- [--minutes 5] [--concurrency 8] [--fault-rate 0.15] [--seed 1]
 *
 * Two replicas (dist/main.js, production settings) share one real Redis, behind a
 * round-robin of the client's; the sandbox upstreams answer with faults at random (5xx,
 * hangs past the timeout, connection resets, 429 with and without Retry-After,
 * `limit_exceeded`, malformed bodies); Redis is stopped and started twice; and a mixed load
 * of hot, cold, batched, `_entities`, link and malformed requests runs throughout. Spans go
 * to an OTLP/HTTP receiver of this script. It reports, and exits with 1 when one of these
 * does not hold:
 * - no replica crashed, and none logged an unhandled rejection or exception;
 * - every answer is data or typed errors (each error with a code), never anything else;
 * - the HelpCrunch budget was never exceeded at the fake, across both replicas, in any sliding minute;
 * - no credential in any log line, response, metric or span;
 * - each replica's RSS grew less than 20% from the end of the warm-up to the end (judged on runs of 5 minutes or more);
 * - every request, each with its own request id, was answered within the deadline, with its id.
 * The p99 latency of good answers while faults run is reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FakeReply, RecordedCall } from '../src/sandbox/fakeHttpServer';
import { startCoMagicSandbox } from '../src/upstreams/comagic/sandbox';
import { createCoMagicDataset, FIRST_GENERATED_PERSON_ID, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { startHelpCrunchSandbox } from '../src/upstreams/helpcrunch/sandbox';
import { createHelpCrunchDataset, FIRST_GENERATED_CUSTOMER_ID, SEED_CUSTOMER } from '../src/upstreams/helpcrunch/sandboxData';
import { freePort } from '../test/support/ports';
import { startRedisServer } from '../test/support/redis';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    'fault-rate': { type: 'string', default: '0.15' },
    seed: { type: 'string', default: '1' },
  },
});
const MINUTES = Number(args.minutes);
const CONCURRENCY = Number(args.concurrency);
const FAULT_RATE = Number(args['fault-rate']);
if (!(MINUTES > 0 && MINUTES <= 120) || !(CONCURRENCY >= 1 && CONCURRENCY <= 64) || !(FAULT_RATE >= 0 && FAULT_RATE <= 1)) {
  console.error('usage: npm run soak -- [--minutes 0.1..120] [--concurrency 1..64] [--fault-rate 0..1] [--seed N]');
  process.exit(2);
}

const API_KEY = 'soak-helpcrunch-key-5f2c9e';
const ACCESS_TOKEN = 'soak-comagic-token-1d8b7a';
const BUDGET_PER_MINUTE = 120;
const ATTEMPT_TIMEOUT_MS = 1_000;
const DEADLINE_MS = 3_000;
/** A request not answered this long after it was sent counts as unanswered: a link query may take two deadlines, one after the other. */
const ANSWER_WITHIN_MS = 2 * DEADLINE_MS + 2_000;
const SECRETS = [API_KEY, ACCESS_TOKEN];
/** What a search for credentials found, and in how much. Everything is searched as it comes, and not kept. */
const searched = { leaks: 0, logLines: 0, responses: 0, scrapes: 0, exports: 0 };
const leaks = (text: string) => (SECRETS.some((secret) => text.includes(secret)) ? 1 : 0);
const RUN_MS = MINUTES * 60_000;
/** RSS is compared from here (a fifth of the run, at least 10 s) to the end: caches fill first. */
const WARM_UP_MS = Math.max(10_000, RUN_MS / 5);
const REDIS_DOWN_MS = Math.min(10_000, RUN_MS / 10);
/**
 * RSS growth is judged on runs this long or longer: in a shorter one the readings after the
 * warm-up are too few, and too early, to tell a heap that grows from one that breathes.
 */
const RSS_JUDGED_FROM_MS = 5 * 60_000;
const rssJudged = RUN_MS >= RSS_JUDGED_FROM_MS;

/** A small deterministic random source, so that a run can be repeated with its seed. */
let state = Number(args.seed) >>> 0 || 1;
function random(): number {
  state = (state * 1_664_525 + 1_013_904_223) >>> 0;
  return state / 2 ** 32;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

interface Sent {
  kind: string;
  status: number | 'unanswered';
  ms: number;
  /** Data, or typed errors, or a 4xx with typed errors: what a client can act on. */
  typed: boolean;
  good: boolean;
  /** Whether the answer carried the request's own id. */
  ownId: boolean;
  /** The start of an answer that was not typed, to show. */
  sample?: string;
}

/** Everything started, stopped whatever happens. */
const cleanUp: Array<() => Promise<unknown>> = [];

async function main(): Promise<boolean> {
  const redis = await startRedisServer();
  cleanUp.push(() => redis.stop());
  const helpcrunch = await startHelpCrunchSandbox({ accounts: { [API_KEY]: createHelpCrunchDataset() }, rateLimitPerMinute: BUDGET_PER_MINUTE, keptCalls: 100_000 });
  const comagic = await startCoMagicSandbox({ accounts: { [ACCESS_TOKEN]: createCoMagicDataset() }, minuteLimit: 100_000, dayLimit: 10_000_000, keptCalls: 0 });
  const receiver = await startReceiver();
  cleanUp.push(() => helpcrunch.close(), () => comagic.close(), () => receiver.close());
  helpcrunch.fake.intercept = faultsOf(helpcrunchFaults);
  comagic.fake.intercept = faultsOf(comagicFaults);

  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    HELPCRUNCH_API_URL: helpcrunch.url,
    HELPCRUNCH_API_KEY: API_KEY,
    HELPCRUNCH_RATE_LIMIT_PER_MINUTE: String(BUDGET_PER_MINUTE),
    COMAGIC_API_URL: comagic.url,
    COMAGIC_ACCESS_TOKEN: ACCESS_TOKEN,
    CACHE_URL: redis.url,
    REPLICAS: '2',
    CACHE_TTL_SECONDS: '20',
    CACHE_NOT_FOUND_TTL_SECONDS: '5',
    UPSTREAM_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS),
    UPSTREAM_DEADLINE_MS: String(DEADLINE_MS),
    UPSTREAM_MAX_WAIT_MS: '1000',
    UPSTREAM_BREAKER_HALF_OPEN_MS: '2000',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '500',
  };
  const replicas: Replica[] = [];
  for (const name of ['a', 'b']) {
    const replica = await startReplica(name, env);
    replicas.push(replica);
    cleanUp.push(() => replica.stop());
  }
  console.log(`soak: ${MINUTES} min, 2 replicas on one Redis, ${CONCURRENCY} requests in flight, faults on ${Math.round(FAULT_RATE * 100)}% of upstream calls`);

  const started = Date.now();
  const sent: Sent[] = [];
  const redisOutages: string[] = [];
  let next = 0;
  // RSS every 2 s: one reading is wherever the collector's sawtooth is, the median of several is not.
  const rss: number[][] = replicas.map(() => []);
  // The heap in use too, from each replica's metrics: RSS that grows while it does not is the allocator's, not a leak.
  const heap: number[][] = replicas.map(() => []);
  const sampling = setInterval(() => {
    if (Date.now() - started < WARM_UP_MS) return;
    replicas.forEach((replica, index) => {
      rss[index]!.push(rssOf(replica.child));
      void heapUsedOf(replica.url).then((mib) => mib !== undefined && heap[index]!.push(mib));
    });
  }, 2_000);
  const outages = [0.35, 0.7].map((at) =>
    setTimeout(() => {
      void (async () => {
        await redis.stop();
        const down = Date.now();
        await new Promise((resolve) => setTimeout(resolve, REDIS_DOWN_MS));
        await redis.start();
        redisOutages.push(`${Math.round((down - started) / 1000)} s for ${Math.round((Date.now() - down) / 1000)} s`);
      })().catch((error: unknown) => redisOutages.push(`a failed restart (${String(error)})`));
    }, RUN_MS * at),
  );

  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() - started < RUN_MS) {
        const replica = replicas[next++ % replicas.length]!;
        sent.push(await request(replica.url, next));
      }
    }),
  );
  clearInterval(sampling);
  outages.forEach(clearTimeout);
  // The first and the last fifth of the readings after the warm-up, each as its median.
  const fifth = (list: number[]) => Math.max(1, Math.floor(list.length / 5));
  const rssAtWarmUp = rss.map((list) => median(list.slice(0, fifth(list))));
  const rssAtEnd = rss.map((list) => median(list.slice(-fifth(list))));
  const heapTrend = heap.map((list) => `${median(list.slice(0, fifth(list)))} → ${median(list.slice(-fifth(list)))} MiB`);
  for (const replica of replicas) {
    const text = await fetch(`${replica.url}/metrics`).then((response) => response.text(), () => '');
    searched.scrapes += 1;
    searched.leaks += leaks(text);
  }
  const alive = replicas.map((replica) => replica.child.exitCode === null && replica.child.signalCode === null);
  await Promise.all(replicas.map((replica) => replica.stop()));
  // A graceful stop exits with 0: anything else is a crash on the way out.
  const stoppedCleanly = replicas.every((replica) => replica.child.exitCode === 0);
  await receiver.waitForQuiet();

  const crashLines = replicas.reduce((count, replica) => count + replica.crashLines, 0);
  const untyped = sent.filter((one) => one.status !== 'unanswered' && !one.typed);
  const unanswered = sent.filter((one) => one.status === 'unanswered');
  const strangers = sent.filter((one) => one.status !== 'unanswered' && !one.ownId);
  const busiestMinute = busiestSlidingMinute(helpcrunch.fake.calls);
  const rssGrowth = rssAtEnd.map((end, index) => (rssAtWarmUp[index] ? end / rssAtWarmUp[index]! - 1 : NaN));
  const good = sent.filter((one) => one.good).map((one) => one.ms).sort((a, b) => a - b);

  const checks: Array<[string, boolean, string]> = [
    [
      'no replica crashed, none logged an unhandled rejection or exception',
      alive.every(Boolean) && stoppedCleanly && crashLines === 0,
      `${alive.filter(Boolean).length}/2 alive at the end, exits on SIGTERM ${replicas.map((replica) => replica.child.exitCode).join(' and ')}, ${crashLines} such lines`,
    ],
    ['every answer is data or typed errors', untyped.length === 0, `${untyped.length} of ${sent.length - unanswered.length} not${untyped[0] ? `; first: ${untyped[0].kind} ${untyped[0].status} ${untyped[0].sample}` : ''}`],
    [`HelpCrunch budget (${BUDGET_PER_MINUTE} a minute) never exceeded at the fake, both replicas together`, busiestMinute <= BUDGET_PER_MINUTE, `busiest sliding minute: ${busiestMinute} calls`],
    [
      'no credential in any log line, response, metric or span',
      searched.leaks === 0 && receiver.spans > 0,
      `${searched.leaks} found; searched ${searched.logLines} log lines, ${searched.responses} responses, ${searched.scrapes} scrapes, ${receiver.spans} spans in ${searched.exports} exports`,
    ],
    [
      `RSS grew less than 20% after the warm-up, each replica (median of the first and of the last fifth of readings every 2 s${rssJudged ? '' : '; reported, judged on runs of 5 minutes or more'})`,
      !rssJudged || rssGrowth.every((growth) => growth < 0.2), replicas.map((replica, index) => `${replica.name}: ${rssAtWarmUp[index]} → ${rssAtEnd[index]} MiB (${percent(rssGrowth[index]!)})`).join(', ')],
    [`every request answered within ${ANSWER_WITHIN_MS} ms, with its own request id`, unanswered.length === 0 && strangers.length === 0, `${unanswered.length} of ${sent.length} not answered, ${strangers.length} with another id`],
  ];

  const byKind = new Map<string, Sent[]>();
  for (const one of sent) byKind.set(one.kind, [...(byKind.get(one.kind) ?? []), one]);
  console.log('');
  console.log(`| check | held | figure |\n|---|---|---|`);
  for (const [name, held, figure] of checks) console.log(`| ${name} | ${held ? (name.endsWith('or more)') ? 'not judged' : 'yes') : '**NO**'} | ${figure} |`);
  console.log('');
  console.log(`| requests | sent | good | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|`);
  for (const [kind, list] of [...byKind].sort()) {
    const ms = list.filter((one) => one.good).map((one) => one.ms).sort((a, b) => a - b);
    console.log(`| ${kind} | ${list.length} | ${ms.length} | ${percentile(ms, 0.5)} | ${percentile(ms, 0.99)} |`);
  }
  console.log(`| all | ${sent.length} | ${good.length} | ${percentile(good, 0.5)} | ${percentile(good, 0.99)} |`);
  console.log('');
  console.log(`Upstream calls: HelpCrunch ${helpcrunch.fake.callCount}, CoMagic ${comagic.fake.callCount}; faults injected: ${faults.injected} (${[...faults.byKind].map(([kind, n]) => `${kind} ${n}`).join(', ')}).`);
  console.log(`Redis stopped and started at ${redisOutages.join(' and ')}.`);
  console.log(`Heap in use after the warm-up, as the RSS above: ${replicas.map((replica, index) => `${replica.name} ${heapTrend[index]}`).join(', ')}.`);

  return checks.every(([, held]) => held);
}

// Faults ------------------------------------------------------------------------------------------

const faults = { injected: 0, byKind: new Map<string, number>() };

type Fault = [name: string, reply: (call: RecordedCall) => FakeReply];
const hang: Fault = ['hang past the timeout', () => ({ hang: true })];
const reset: Fault = ['connection reset', () => ({ destroy: true })];
const helpcrunchFaults: Fault[] = [
  ['500', () => ({ status: 500, body: { errors: [{ code: 'internal_error', message: 'Internal error' }] } })],
  ['503 html', () => ({ status: 503, body: '<html>Service Unavailable</html>' })],
  hang,
  reset,
  ['429 Retry-After', () => ({ status: 429, headers: { 'retry-after': '1' }, body: { errors: [{ code: 'too_many_requests', message: 'Too many requests' }] } })],
  ['429', () => ({ status: 429, body: { errors: [{ code: 'too_many_requests', message: 'Too many requests' }] } })],
  ['malformed body', () => ({ status: 200, body: '{"data": [{"id": ' })],
];
const comagicFaults: Fault[] = [
  ['500', () => ({ status: 500, body: 'Internal Server Error' })],
  hang,
  reset,
  ['limit_exceeded', (call) => ({ body: { jsonrpc: '2.0', id: (call.body as { id?: unknown })?.id ?? null, error: { code: -32029, message: 'Limit per minute has been exceeded', data: { mnemonic: 'limit_exceeded' } } } })],
  ['malformed body', () => ({ status: 200, body: '{"jsonrpc":"2.0","result":' })],
];

function faultsOf(list: Fault[]): (call: RecordedCall) => FakeReply | undefined {
  return (call) => {
    if (random() >= FAULT_RATE) return undefined;
    const [name, reply] = pick(list);
    faults.injected += 1;
    faults.byKind.set(name, (faults.byKind.get(name) ?? 0) + 1);
    return reply(call);
  };
}

/** The most calls the fake received in any 60 s, the window sliding call by call. */
function busiestSlidingMinute(calls: readonly RecordedCall[]): number {
  const times = calls.map((call) => call.at).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end += 1) {
    while (times[end]! - times[start]! >= 60_000) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

// Load --------------------------------------------------------------------------------------------

const customerId = () => FIRST_GENERATED_CUSTOMER_ID + between(0, 400); // past 300: not found
const personId = () => FIRST_GENERATED_PERSON_ID + between(0, 120); // past 100: not found

const LOAD: Array<[kind: string, weight: number, body: () => string]> = [
  ['hot', 30, () => graphql(`{ customer(id: "${SEED_CUSTOMER.id}") { id name } person(id: "${SEED_PERSON_ID}") { visitors { id name } } }`)],
  ['cold', 20, () => graphql('query Cold($id: ID!) { customer(id: $id) { id name email } }', { id: String(customerId()) })],
  ['batched', 12, () => graphql('query Batch($ids: [ID!]!) { customers(ids: $ids) { id name } }', { ids: Array.from({ length: between(2, 30) }, () => String(customerId())) })],
  [
    '_entities',
    12,
    () =>
      graphql('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } ... on Person { id visitors { id } } } }', {
        r: [
          ...Array.from({ length: between(1, 10) }, () => ({ __typename: 'Customer', id: String(customerId()) })),
          ...Array.from({ length: between(1, 5) }, () => ({ __typename: 'Person', id: String(personId()) })),
        ],
      }),
  ],
  ['link', 6, () => graphql('query Link($id: ID!) { person(id: $id) { id customers { id } } }', { id: String(personId()) })],
  ['malformed', 20, () => pick(MALFORMED)()],
];
const MALFORMED: Array<() => string> = [
  () => '{"query": "{ customer(id: \\"1\\") { id } ',
  () => graphql('{ customer(id: "abc") { id } }'),
  () => graphql('{ customer(id: "1") { nope } }'),
  () => graphql('query ($id: ID!) { customer(id: $id) { id } }', { id: 12 }),
  () => graphql('{ person(id: "1") { visitors { visitors } } }'),
  () => JSON.stringify({ query: 42 }),
];
const TOTAL_WEIGHT = LOAD.reduce((sum, [, weight]) => sum + weight, 0);

function graphql(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

async function request(url: string, n: number): Promise<Sent> {
  let roll = random() * TOTAL_WEIGHT;
  const [kind, , body] = LOAD.find(([, weight]) => (roll -= weight) < 0) ?? LOAD[0]!;
  const requestId = `soak-${n}`;
  const begun = performance.now();
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: body(),
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    const text = await response.text();
    const ms = Math.round(performance.now() - begun);
    searched.responses += 1;
    searched.leaks += leaks(text) + leaks(JSON.stringify([...response.headers]));
    const verdict = judged(kind, response.status, text);
    return { kind, status: response.status, ms, ...verdict, ownId: response.headers.get('x-request-id') === requestId, ...(!verdict.typed && { sample: text.slice(0, 200) }) };
  } catch {
    return { kind, status: 'unanswered', ms: Math.round(performance.now() - begun), typed: false, good: false, ownId: false };
  }
}

/** Typed: JSON with data or with errors that each carry a code. Good: data and no errors, for a request that was not malformed. */
function judged(kind: string, status: number, text: string): { typed: boolean; good: boolean } {
  let body: { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> };
  try {
    body = JSON.parse(text);
  } catch {
    return { typed: false, good: false };
  }
  const errors = body.errors ?? [];
  const codesEach = errors.every((error) => typeof error.extensions?.code === 'string');
  const typed = status < 500 && codesEach && (body.data !== undefined || errors.length > 0);
  return { typed, good: typed && kind !== 'malformed' && status === 200 && errors.length === 0 };
}

// Replicas and the receiver -----------------------------------------------------------------------

interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  /** Lines that speak of an unhandled rejection or an uncaught exception. */
  crashLines: number;
  /** Its last lines, for a start-up that failed. */
  tail: string[];
  stop(): Promise<void>;
}

async function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const tail: string[] = [];
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'main.js')], {
    env: { PATH: process.env.PATH, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  const collect = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      searched.logLines += 1;
      searched.leaks += leaks(line);
      if (/unhandled|uncaught/i.test(line)) replica.crashLines += 1;
      tail.push(line);
      if (tail.length > 50) tail.shift();
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const replica: Replica = {
    name,
    url,
    child,
    crashLines: 0,
    tail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > until) {
      await replica.stop();
      throw new Error(`replica ${name} did not start (exit ${child.exitCode}):\n${tail.join('\n')}`);
    }
    if (await fetch(`${url}/health`).then((response) => response.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return replica;
}

/** An OTLP/HTTP receiver that searches every export for credentials, and counts its spans (test/support's decodes them all: too many here). */
async function startReceiver() {
  let spans = 0;
  let last = Date.now();
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      searched.exports += 1;
      searched.leaks += leaks(text);
      spans += (text.match(/"spanId"/g) ?? []).length;
      last = Date.now();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get spans() {
      return spans;
    },
    /** Until no export has come for a second. */
    async waitForQuiet() {
      while (Date.now() - last < 1_000) await new Promise((resolve) => setTimeout(resolve, 100));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function rssOf(child: ChildProcess): number {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 102.4) / 10;
  } catch {
    return NaN; // it has exited: the crash check says so
  }
}

async function heapUsedOf(url: string): Promise<number | undefined> {
  const text = await fetch(`${url}/metrics`).then((response) => response.text(), () => '');
  const bytes = Number(/^contact_graph_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]);
  return Number.isFinite(bytes) ? Math.round(bytes / 104_857.6) / 10 : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function percentile(sorted: number[], p: number): number | string {
  return sorted.length === 0 ? '–' : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function percent(ratio: number): string {
  return `${ratio >= 0 ? '+' : ''}${Math.round(ratio * 1000) / 10}%`;
}

main()
  .then(
    (held) => (held ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      return 1;
    },
  )
  .then(async (code) => {
    await Promise.allSettled(cleanUp.reverse().map((stop) => stop()));
    process.exit(code);
  });
