/**
 * `npm run bench`: measures this server against a bare HTTP ceiling and a naive Apollo
 * Server, all in one run on one machine, with the sandbox upstreams answering after a set
 * latency. Writes bench/RESULTS.md and bench/results.json. Figures, not a pass/fail test.
 *
 *   npm run bench -- [--latency 20] [--duration 10] [--connections 10] [--entity-requests 30]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startCoMagicSandbox } from '../src/sandbox/comagic';
import {
  createCoMagicDataset,
  createHelpCrunchDataset,
  FIRST_GENERATED_CUSTOMER_ID,
  FIRST_GENERATED_PERSON_ID,
  SEED_CUSTOMER,
  SEED_PERSON_ID,
} from '../src/sandbox/data';
import type { FakeHttpServer } from '../src/sandbox/fakeHttpServer';
import { startHelpCrunchSandbox } from '../src/sandbox/helpcrunch';

const { values: args } = parseArgs({
  options: {
    latency: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    'entity-requests': { type: 'string', default: '30' },
  },
});
const LATENCY_MS = Number(args.latency);
const DURATION_S = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const ENTITY_REQUESTS = Number(args['entity-requests']);

const API_KEY = 'bench-helpcrunch-key';
const ACCESS_TOKEN = 'bench-comagic-token';
const GENERATED_CUSTOMERS = 60_000;
const GENERATED_PERSONS = 2 * 20 * ENTITY_REQUESTS + 100;

const HOT_QUERY = `{
  customer(id: "${SEED_CUSTOMER.id}") { id name email company phone lastSeen location { city countryCode } tags { name } }
  person(id: "${SEED_PERSON_ID}") { id visitors { id name emails phones } }
}`;
const COLD_QUERY = 'query ($id: ID!) { customer(id: $id) { id name email company phone lastSeen location { city countryCode } tags { name } } }';
const ENTITIES_QUERY = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { id name email company }
    ... on Person { id visitors { id name emails phones } }
  }
}`;

interface LoadFigures {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Upstream calls per GraphQL request, counted in the fakes. */
  upstreamCallsPerQuery?: number;
}

interface EntityFigures {
  requests: number;
  entitiesPerRequest: number;
  upstreamCallsPerQuery: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

async function main(): Promise<void> {
  console.log(`bench: upstream latency ${LATENCY_MS} ms, ${DURATION_S} s per run, ${CONNECTIONS} connections`);
  const helpcrunch = await startHelpCrunchSandbox({
    accounts: { [API_KEY]: createHelpCrunchDataset(GENERATED_CUSTOMERS) },
    rateLimitPerMinute: 0,
  });
  const comagic = await startCoMagicSandbox({
    accounts: { [ACCESS_TOKEN]: createCoMagicDataset(GENERATED_PERSONS) },
    minuteLimit: 1e9,
    dayLimit: 1e9,
  });
  for (const fake of [helpcrunch.fake, comagic.fake]) fake.latencyMs = LATENCY_MS;
  const upstreamCalls = () => helpcrunch.fake.calls.length + comagic.fake.calls.length;
  const children: ChildProcess[] = [];

  try {
    // This server, built and started as in production (with the limiter opened wide: the
    // benchmark is about the data path, not about waiting for budget).
    const ours = spawn(process.execPath, [join('dist', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        PORT: '0',
        HELPCRUNCH_API_URL: helpcrunch.url,
        HELPCRUNCH_API_KEY: API_KEY,
        HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '100000',
        COMAGIC_API_URL: comagic.url,
        COMAGIC_ACCESS_TOKEN: ACCESS_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(ours);
    const oursUrl = await readyUrl(ours, /"url":"(http:\/\/[^"]+)\/graphql"/);

    const naive = await startChild(children, ['bench/naive.ts', helpcrunch.url, API_KEY, comagic.url, ACCESS_TOKEN]);

    // 0. What one upstream call costs as seen from here: the latency to subtract.
    console.log('run: upstream alone');
    const upstream = await load({
      url: `${helpcrunch.url}/customers/${SEED_CUSTOMER.id}`,
      method: 'GET',
      headers: { authorization: `Bearer ${API_KEY}` },
      connections: 1,
    });

    // 2. This server, hot: the same query again and again.
    const hotBody = await postGraphQL(oursUrl, HOT_QUERY);
    console.log('run: this server, cache hot');
    const hot = await measured(upstreamCalls, () => load(graphqlLoad(oursUrl, HOT_QUERY)));

    // 1. The ceiling: a bare node:http server sending the same bytes.
    const ceilingUrl = await startChild(children, ['bench/ceiling.ts', Buffer.from(hotBody).toString('base64')]);
    console.log('run: ceiling (bare node:http)');
    const ceiling = await load(graphqlLoad(ceilingUrl, HOT_QUERY));

    // 4. The naive baseline, same query.
    const naiveBody = await postGraphQL(naive, HOT_QUERY);
    if (JSON.parse(naiveBody).data === undefined) throw new Error(`the naive server failed: ${naiveBody}`);
    console.log('run: naive Apollo Server, same query');
    const naiveHot = await measured(upstreamCalls, () => load(graphqlLoad(naive, HOT_QUERY)));

    // 3. This server, cold: a customer it has never seen on every request.
    let nextCustomer = FIRST_GENERATED_CUSTOMER_ID;
    const newCustomer = () => {
      if (nextCustomer >= FIRST_GENERATED_CUSTOMER_ID + GENERATED_CUSTOMERS - 1) throw new Error('out of customer ids');
      return String(nextCustomer++);
    };
    console.log('run: this server, cache cold, one connection');
    const coldSerial = await measured(upstreamCalls, () =>
      load({ ...graphqlLoad(oursUrl, COLD_QUERY, () => ({ id: newCustomer() })), connections: 1 }),
    );
    console.log(`run: this server, cache cold, ${CONNECTIONS} connections`);
    const coldLoaded = await measured(upstreamCalls, () => load(graphqlLoad(oursUrl, COLD_QUERY, () => ({ id: newCustomer() }))));

    // The cold overhead, one request at a time and timed here to the tenth of a millisecond:
    // the same client calls the upstream directly, then this server for a new customer.
    console.log('run: cold overhead, one request at a time');
    const direct = await timedSerial(ENTITY_REQUESTS * 5, async () => {
      await (await fetch(`${helpcrunch.url}/customers/${SEED_CUSTOMER.id}`, { headers: { authorization: `Bearer ${API_KEY}` } })).text();
    });
    const throughServer = await timedSerial(ENTITY_REQUESTS * 5, async () => {
      await postGraphQL(oursUrl, COLD_QUERY, { id: newCustomer() });
    });

    // 5. Federated _entities requests, every one for entities not fetched before.
    let nextPerson = FIRST_GENERATED_PERSON_ID;
    const customersBatch = () =>
      Array.from({ length: 100 }, () => ({ __typename: 'Customer', id: newCustomer() }));
    const personsBatch = () => Array.from({ length: 20 }, () => ({ __typename: 'Person', id: String(nextPerson++) }));
    const entities: Record<string, Record<string, EntityFigures>> = { customers100: {}, persons20: {} };
    for (const [name, url] of [['thisServer', oursUrl], ['naive', naive]] as const) {
      console.log(`run: _entities, ${name}`);
      entities.customers100![name] = await entityRuns(url, customersBatch, helpcrunch.fake);
      entities.persons20![name] = await entityRuns(url, personsBatch, comagic.fake);
    }

    const results: Results = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      settings: { upstreamLatencyMs: LATENCY_MS, durationSeconds: DURATION_S, connections: CONNECTIONS, entityRequests: ENTITY_REQUESTS },
      upstreamAlone: upstream,
      ceiling,
      hot,
      naive: naiveHot,
      coldOneConnection: coldSerial,
      coldLoaded,
      coldSerial: { requests: ENTITY_REQUESTS * 5, upstreamP50Ms: direct.p50, thisServerP50Ms: throughServer.p50, upstreamP99Ms: direct.p99, thisServerP99Ms: throughServer.p99 },
      entities,
      ratios: {
        hotOverCeiling: round(hot.requestsPerSecond / ceiling.requestsPerSecond, 3),
        hotOverNaive: round(hot.requestsPerSecond / naiveHot.requestsPerSecond, 1),
        coldP50OverheadMs: round(throughServer.p50 - direct.p50, 1),
      },
    };
    writeFileSync(join('bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join('bench', 'RESULTS.md'), report(results));
    console.log(report(results));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all([helpcrunch.close(), comagic.close()]);
  }
}

function graphqlLoad(url: string, query: string, variables?: () => Record<string, unknown>): autocannon.Options {
  const body = JSON.stringify({ query });
  return {
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(variables
      ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify({ query, variables: variables() }) }) }] }
      : { body }),
  };
}

async function load(options: autocannon.Options): Promise<LoadFigures> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
  return {
    requestsPerSecond: round(result.requests.average, 0),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * Runs a load and adds the upstream calls it caused, per request. Calls still queued in the
 * server when the load stops are waited for, so that they are not counted in the next run.
 */
async function measured(upstreamCalls: () => number, run: () => Promise<LoadFigures>): Promise<LoadFigures> {
  const before = upstreamCalls();
  const figures = await run();
  await settled(upstreamCalls);
  return { ...figures, upstreamCallsPerQuery: round((upstreamCalls() - before) / Math.max(1, figures.requests), 2) };
}

/** Waits until no upstream call has arrived for 300 ms. */
async function settled(upstreamCalls: () => number): Promise<void> {
  let last = -1;
  while (upstreamCalls() !== last) {
    last = upstreamCalls();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Runs `request` `count` times one after another and times each. */
async function timedSerial(count: number, request: () => Promise<void>): Promise<{ p50: number; p99: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await request();
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return { p50: round(percentile(latencies, 0.5), 1), p99: round(percentile(latencies, 0.99), 1) };
}

async function entityRuns(url: string, batch: () => Array<Record<string, string>>, fake: FakeHttpServer): Promise<EntityFigures> {
  const latencies: number[] = [];
  const before = fake.calls.length;
  let entitiesPerRequest = 0;
  for (let i = 0; i < ENTITY_REQUESTS; i += 1) {
    const representations = batch();
    entitiesPerRequest = representations.length;
    const started = performance.now();
    const text = await postGraphQL(url, ENTITIES_QUERY, { representations });
    latencies.push(performance.now() - started);
    const body = JSON.parse(text) as { data?: { _entities: unknown[] }; errors?: unknown[] };
    if (body.errors || body.data?._entities.some((entity) => entity === null)) throw new Error(`_entities failed: ${text.slice(0, 500)}`);
  }
  latencies.sort((a, b) => a - b);
  return {
    requests: ENTITY_REQUESTS,
    entitiesPerRequest,
    upstreamCallsPerQuery: round((fake.calls.length - before) / ENTITY_REQUESTS, 2),
    latencyP50Ms: round(percentile(latencies, 0.5), 1),
    latencyP99Ms: round(percentile(latencies, 0.99), 1),
  };
}

interface Results {
  date: string;
  machine: { cpus: number; cpu: string; memoryGiB: number; node: string };
  settings: { upstreamLatencyMs: number; durationSeconds: number; connections: number; entityRequests: number };
  upstreamAlone: LoadFigures;
  ceiling: LoadFigures;
  hot: LoadFigures;
  naive: LoadFigures;
  coldOneConnection: LoadFigures;
  coldLoaded: LoadFigures;
  coldSerial: { requests: number; upstreamP50Ms: number; thisServerP50Ms: number; upstreamP99Ms: number; thisServerP99Ms: number };
  entities: Record<string, Record<string, EntityFigures>>;
  ratios: { hotOverCeiling: number; hotOverNaive: number; coldP50OverheadMs: number };
}

function report(r: Results): string {
  const e = r.entities as Record<'customers100' | 'persons20', Record<'thisServer' | 'naive', EntityFigures>>;
  const row = (name: string, f: LoadFigures) =>
    `| ${name} | ${f.requestsPerSecond} | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.upstreamCallsPerQuery ?? '–'} | ${f.non2xx + f.errors} |`;
  const entityRow = (name: string, kind: string, f: EntityFigures) =>
    `| ${kind} | ${name} | ${f.upstreamCallsPerQuery} | ${f.latencyP50Ms} | ${f.latencyP99Ms} |`;
  return `# Benchmark results

Produced by \`npm run bench\` on ${r.date.slice(0, 10)}: ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}.
Sandbox upstreams answer after ${r.settings.upstreamLatencyMs} ms; each load run lasts ${r.settings.durationSeconds} s with
${r.settings.connections} connections (autocannon, in the same process as the sandbox upstreams; each server in a process of its own).
Everything below was measured in this one run. Raw figures: \`bench/results.json\`.

## Load

| run | req/s | p50 ms | p99 ms | upstream calls / query | failed |
|---|---:|---:|---:|---:|---:|
${row('upstream alone (one connection)', r.upstreamAlone)}
${row('ceiling: bare node:http, same bytes', r.ceiling)}
${row('this server, cache hot', r.hot)}
${row('naive Apollo Server, same query', r.naive)}
${row('this server, cache cold, 1 connection', r.coldOneConnection)}
${row(`this server, cache cold, ${r.settings.connections} connections`, r.coldLoaded)}

The hot query asks for one customer and one person with its visitors; the cold query asks for one customer
never asked before, so every request makes exactly one upstream call. With ${r.settings.connections} connections the cold
run is bound by \`HELPCRUNCH_CONCURRENCY\` (4 calls in flight per account, the default), not by the server.
Upstream calls per query count calls still in flight when a run stops, so they may read a hair above 1.

Cold, one request at a time (${r.coldSerial.requests} each, timed by the client to 0.1 ms): the upstream directly
p50 ${r.coldSerial.upstreamP50Ms} ms / p99 ${r.coldSerial.upstreamP99Ms} ms; through this server p50 ${r.coldSerial.thisServerP50Ms} ms / p99 ${r.coldSerial.thisServerP99Ms} ms.

## Federated \`_entities\`, entities never fetched before (${r.settings.entityRequests} requests each, one at a time)

| entities | server | upstream calls / query | p50 ms | p99 ms |
|---|---|---:|---:|---:|
${entityRow('this server', '100 customers', e.customers100.thisServer)}
${entityRow('naive', '100 customers', e.customers100.naive)}
${entityRow('this server', '20 persons', e.persons20.thisServer)}
${entityRow('naive', '20 persons', e.persons20.naive)}

The Data API takes no batches, so 20 persons are 20 calls for both servers; this server runs at most
\`COMAGIC_CONCURRENCY\` (4) of them at once to stay within the account's points, which is what its
latency shows.

## Ratios

- hot / ceiling: **${r.ratios.hotOverCeiling}** of the bare server's req/s (target: at least 0.5)
- hot / naive: **${r.ratios.hotOverNaive}×** the naive server's req/s
- cold p50 minus upstream p50, one request at a time: **${r.ratios.coldP50OverheadMs} ms** (target: under 2 ms)
- 100 customer entities: **${e.customers100.thisServer.upstreamCallsPerQuery}** upstream call(s) per query (target: 1)
`;
}

async function startChild(children: ChildProcess[], args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return readyUrl(child, /READY (\S+)/);
}

/** Resolves with the URL a child prints once it listens. */
function readyUrl(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = pattern.exec(output);
      if (ready) resolve(ready[1]!.replace('localhost', '127.0.0.1'));
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code} before it was ready`)));
  });
}

async function postGraphQL(url: string, query: string, variables?: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return response.text();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
