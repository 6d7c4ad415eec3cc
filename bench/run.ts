/**
 * `npm run bench`: measures this server against a bare HTTP ceiling and a naive Apollo
 * Server, all in one run on one machine, with the sandbox upstreams answering after a set
 * latency. Writes bench/RESULTS.md and bench/results.json. Figures, not a pass/fail test.
 *
 *   npm run bench -- [--latency 20] [--duration 10] [--connections 10] [--hot-connections 50] [--hot-rounds 3]
 *                    [--entity-requests 30] [--rss-seconds 60] [--compare <checkout>]
 *
 * `--compare` runs another build beside this one, in every run of this server, taking turns
 * with it: a checkout of this repository (an earlier commit, say) with `npm run build` done.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startCoMagicSandbox } from '../src/upstreams/comagic/sandbox';
import { createCoMagicDataset, FIRST_GENERATED_PERSON_ID, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { createHelpCrunchDataset, FIRST_GENERATED_CUSTOMER_ID, SEED_CUSTOMER, type HelpCrunchDataset } from '../src/upstreams/helpcrunch/sandboxData';
import { random } from '../src/sandbox/random';
import type { RecordedCall } from '../src/sandbox/fakeHttpServer';
import { startHelpCrunchSandbox } from '../src/upstreams/helpcrunch/sandbox';

const { values: args } = parseArgs({
  options: {
    latency: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    'hot-connections': { type: 'string', default: '50' },
    'hot-rounds': { type: 'string', default: '3' },
    'entity-requests': { type: 'string', default: '30' },
    'rss-seconds': { type: 'string', default: '60' },
    compare: { type: 'string' },
  },
});
const LATENCY_MS = Number(args.latency);
const DURATION_S = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const HOT_CONNECTIONS = Number(args['hot-connections']);
const HOT_ROUNDS = Number(args['hot-rounds']);
const ENTITY_REQUESTS = Number(args['entity-requests']);
const RSS_SECONDS = Number(args['rss-seconds']);
const COMPARED_CHECKOUT = args.compare;
/** How long the mixed run warms up before its first RSS reading. */
const RSS_WARM_UP_S = 10;
/** Cold requests sent, unmeasured, before the cold runs. */
const COLD_WARM_UP_REQUESTS = 1_000;
/** _entities requests of each kind sent, unmeasured, before they are measured. */
const ENTITY_WARM_UP_REQUESTS = 20;

/** What /proc counts CPU time in (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The account of many phones the link's cost is read over, and how many queries are sent to it. */
const LARGE_ACCOUNT_CUSTOMERS = 100_000;
const LARGE_ACCOUNT_REQUESTS = 10;

const API_KEY = 'bench-helpcrunch-key';
const ACCESS_TOKEN = 'bench-comagic-token';
const GENERATED_CUSTOMERS = 150_000;
// Fresh persons for every server's _entities runs (this one, the naive one, a compared build), new accounts' (this build's and a compared one's), and the link's two.
const GENERATED_PERSONS = (COMPARED_CHECKOUT === undefined ? 5 : 7) * 20 * (ENTITY_REQUESTS + ENTITY_WARM_UP_REQUESTS) + 20 * (LARGE_ACCOUNT_REQUESTS + 2) + 100;
/** CoMagic credentials of the same sandbox account, each used for one request only: each request is its account's first (for each build run). */
const NEW_ACCOUNTS = Array.from({ length: 2 * ENTITY_REQUESTS }, (_, index) => `bench-new-account-${index}`);

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
  /** The throughput of each round, when the run took turns with others. */
  rounds?: number[];
}

/** Requests timed one by one by the client, to the tenth of a millisecond. */
interface Timed {
  requests: number;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The server's CPU time (user and system) per request, where it was read. */
  serverCpuMsPerRequest?: number;
}

interface EntityFigures {
  requests: number;
  entitiesPerRequest: number;
  upstreamCallsPerQuery: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** Persons' timelines: their CoMagic communications and their HelpCrunch customers' chats, merged. */
const TIMELINE_QUERY = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Person { id timeline { totalCount missingSources edges { at source node { __typename } } } } }
}`;

/** Persons' HelpCrunch customers, through the contacts link. */
const PERSONS_CUSTOMERS_QUERY = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Person { id customers { id name email } } }
}`;

interface Target {
  name: string;
  met: boolean;
  figure: string;
}

async function main(): Promise<void> {
  console.log(`bench: upstream latency ${LATENCY_MS} ms, ${DURATION_S} s per run, ${HOT_CONNECTIONS} connections hot, ${CONNECTIONS} otherwise`);
  const helpcrunch = await startHelpCrunchSandbox({
    accounts: { [API_KEY]: createHelpCrunchDataset(GENERATED_CUSTOMERS) },
    rateLimitPerMinute: 0,
    keptCalls: 0,
  });
  const comagicDataset = createCoMagicDataset(GENERATED_PERSONS);
  const comagic = await startCoMagicSandbox({
    accounts: { [ACCESS_TOKEN]: comagicDataset, ...Object.fromEntries(NEW_ACCOUNTS.map((token) => [token, comagicDataset])) },
    minuteLimit: 1e9,
    dayLimit: 1e9,
    keptCalls: 0,
  });
  for (const fake of [helpcrunch.fake, comagic.fake]) fake.latencyMs = LATENCY_MS;
  const upstreamCalls = () => helpcrunch.fake.callCount + comagic.fake.callCount;
  // The fakes remember the latest calls; the benchmark needs only their count.
  const forgetCalls = () => {
    for (const fake of [helpcrunch.fake, comagic.fake]) fake.resetCalls();
  };
  const children: ChildProcess[] = [];
  /** Sandboxes started along the way, stopped with the rest. */
  const closers: Array<() => Promise<void>> = [];
  let nextCustomer = FIRST_GENERATED_CUSTOMER_ID;
  const newCustomer = () => {
    if (nextCustomer >= FIRST_GENERATED_CUSTOMER_ID + GENERATED_CUSTOMERS - 1) throw new Error('out of customer ids');
    return String(nextCustomer++);
  };

  try {
    // This server, built and started as in production, with request logs, metrics, query
    // limits, CSRF prevention and credential scoping all on (the limiter is opened wide: the
    // benchmark is about the data path, not about waiting for budget). Its log goes to a
    // file, as a container runtime would take it.
    const serverEnv = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HELPCRUNCH_API_URL: helpcrunch.url,
      HELPCRUNCH_API_KEY: API_KEY,
      HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '100000',
      COMAGIC_API_URL: comagic.url,
      COMAGIC_ACCESS_TOKEN: ACCESS_TOKEN,
    };
    const ours = await startServerProcess(children, serverEnv, 'server');
    const quiet = await startServerProcess(children, { ...serverEnv, LOG_LEVEL: 'silent', METRICS_ENABLED: 'false' }, 'server-quiet');
    const compared = COMPARED_CHECKOUT === undefined ? undefined : await startServerProcess(children, serverEnv, 'compared', COMPARED_CHECKOUT);
    const { url: naive, process: naiveProcess } = await startChild(children, ['bench/naive.ts', helpcrunch.url, API_KEY, comagic.url, ACCESS_TOKEN]);
    const { url: proxy, process: proxyProcess } = await startChild(children, ['bench/proxy.ts', helpcrunch.url, API_KEY]);

    // What one upstream call costs as seen from here: the latency to subtract.
    const directGet = () => fetchText(`${helpcrunch.url}/customers/${SEED_CUSTOMER.id}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    console.log('run: upstream alone, 1 and 10 connections');
    const upstreamSerial = await timed(1, ENTITY_REQUESTS * 5, directGet);
    const upstreamLoaded = await timed(CONNECTIONS, ENTITY_REQUESTS * 30, directGet);

    // The hot query, again and again: the ceiling sends the same bytes.
    const hotBody = await postGraphQL(ours.url, HOT_QUERY);
    await postGraphQL(quiet.url, HOT_QUERY);
    if (compared && (await postGraphQL(compared.url, HOT_QUERY)) !== hotBody) throw new Error('the compared build answers the hot query otherwise');
    const { url: ceilingUrl } = await startChild(children, ['bench/ceiling.ts', Buffer.from(hotBody).toString('base64')]);
    const naiveBody = await postGraphQL(naive, HOT_QUERY);
    if (JSON.parse(naiveBody).data === undefined) throw new Error(`the naive server failed: ${naiveBody}`);
    console.log('run: hot — ceiling, this server, this server without logs and metrics, naive');
    const hotLoad = (url: string) => load({ ...graphqlLoad(url, HOT_QUERY), connections: HOT_CONNECTIONS });
    // The four take turns, round after round, so that a machine that speeds up or slows down
    // during the runs weighs on each alike; each keeps its median round.
    const hotRounds: Record<'ceiling' | 'hot' | 'hotQuiet' | 'naiveHot' | 'compared', LoadFigures[]> = { ceiling: [], hot: [], hotQuiet: [], naiveHot: [], compared: [] };
    for (let round = 0; round < HOT_ROUNDS; round += 1) {
      hotRounds.ceiling.push(await hotLoad(ceilingUrl));
      hotRounds.hot.push(await measured(upstreamCalls, () => hotLoad(ours.url)));
      if (compared) hotRounds.compared.push(await measured(upstreamCalls, () => hotLoad(compared.url)));
      hotRounds.hotQuiet.push(await measured(upstreamCalls, () => hotLoad(quiet.url)));
      hotRounds.naiveHot.push(await measured(upstreamCalls, () => hotLoad(naive)));
    }
    const ceiling = medianRound(hotRounds.ceiling);
    const hot = medianRound(hotRounds.hot);
    const hotQuiet = medianRound(hotRounds.hotQuiet);
    const naiveHot = medianRound(hotRounds.naiveHot);
    forgetCalls();

    // Cold: a customer this server has never seen on every request, timed by the same client.
    console.log('run: cold, 1 and 10 connections');
    // "Cold" is about the cache, not the JIT: a server in production has run this path before.
    // Each server's CPU time per request in the loaded run: what its overhead is made of.
    const coldRuns = async (url: string, server: ChildProcess) => {
      const request = () => postGraphQL(url, COLD_QUERY, { id: newCustomer() });
      await timed(CONNECTIONS, COLD_WARM_UP_REQUESTS, request);
      const serial = await timed(1, ENTITY_REQUESTS * 5, request);
      const cpuBefore = cpuMsOf(server);
      const loaded = await timed(CONNECTIONS, ENTITY_REQUESTS * 30, request);
      return { serial, loaded: { ...loaded, serverCpuMsPerRequest: round((cpuMsOf(server) - cpuBefore) / loaded.requests, 3) } };
    };
    const { serial: coldSerial, loaded: coldLoaded } = await coldRuns(ours.url, ours.process);
    const comparedCold = compared && (await coldRuns(compared.url, compared.process));
    // What any extra hop costs (a bare proxy making the same call), and the naive server.
    const coldReferences = { proxy: await coldRuns(proxy, proxyProcess), naive: await coldRuns(naive, naiveProcess) };
    forgetCalls();

    // Federated _entities requests, every one for entities not fetched before, against the
    // upstream call each stands for: one search for 100 ids, one JSON-RPC call.
    let nextPerson = FIRST_GENERATED_PERSON_ID;
    const customersBatch = () => Array.from({ length: 100 }, () => ({ __typename: 'Customer', id: newCustomer() }));
    const personsBatch = () => Array.from({ length: 20 }, () => ({ __typename: 'Person', id: String(nextPerson++) }));
    console.log('run: _entities, and the upstream calls they stand for');
    const searchCall = await timed(1, ENTITY_REQUESTS, () =>
      fetchText(`${helpcrunch.url}/customers/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ comparison: 'OR', filter: customersBatch().map(({ id }) => ({ field: 'customers.id', operator: '=', value: Number(id) })), limit: 100 }),
      }),
    );
    // A fan-out's round trip: 20 calls sent at once, until the last one has answered.
    const fanOut = () =>
      Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          fetchText(comagic.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id: index, method: 'get.person_visitors', params: { access_token: ACCESS_TOKEN, person_id: SEED_PERSON_ID } }),
          }),
        ),
      );
    const rpcFanOut = await timed(1, ENTITY_REQUESTS, fanOut);
    const entities: Record<string, Record<string, EntityFigures>> = { customers100: {}, persons20: {}, persons20NewAccount: {} };
    const entityServers = [['thisServer', ours.url], ['naive', naive], ...(compared ? [['compared', compared.url]] : [])] as const;
    for (const [name, url] of entityServers) {
      // Unmeasured first, as for the cold runs.
      await entityRuns(url, customersBatch, () => helpcrunch.fake.callCount, ENTITY_WARM_UP_REQUESTS);
      await entityRuns(url, personsBatch, () => comagic.fake.callCount, ENTITY_WARM_UP_REQUESTS);
      entities.customers100![name] = await entityRuns(url, customersBatch, () => helpcrunch.fake.callCount);
      entities.persons20![name] = await entityRuns(url, personsBatch, () => comagic.fake.callCount);
    }
    // A new account's first fan-out: 20 persons never seen, each request with a CoMagic
    // credential never used before, so that its points budget is as new as a fresh server's.
    console.log("run: 20 persons, each request an account's first");
    const accounts = NEW_ACCOUNTS.values();
    const newAccountRuns = async (name: string, checkout?: string) => {
      const tenants = await startServerProcess(children, { ...serverEnv, ALLOW_CREDENTIAL_HEADERS: 'true' }, name, checkout);
      await entityRuns(tenants.url, personsBatch, () => comagic.fake.callCount, ENTITY_WARM_UP_REQUESTS);
      return entityRuns(tenants.url, personsBatch, () => comagic.fake.callCount, ENTITY_REQUESTS, ENTITIES_QUERY, () => ({ 'x-comagic-access-token': accounts.next().value! }));
    };
    entities.persons20NewAccount!.thisServer = await newAccountRuns('server-tenants');
    if (compared) entities.persons20NewAccount!.compared = await newAccountRuns('compared-tenants', COMPARED_CHECKOUT);
    forgetCalls();

    // The contacts link: 20 persons never seen, and their HelpCrunch customers by email and
    // phone. Its searches scan the account, so it runs against an account of the sandbox's
    // own size (341 customers), with a server of its own, rather than the 150,000 above.
    console.log('run: the contacts link for 20 persons');
    const linkRun = async (name: string, dataset: HelpCrunchDataset, requests: number, warmUp: number, env: Record<string, string> = {}) => {
      const sandbox = await startHelpCrunchSandbox({ accounts: { [API_KEY]: dataset }, rateLimitPerMinute: 0 });
      sandbox.fake.latencyMs = LATENCY_MS;
      closers.push(sandbox.close);
      const server = await startServerProcess(children, { ...serverEnv, HELPCRUNCH_API_URL: sandbox.url, ...env }, name);
      await entityRuns(server.url, personsBatch, () => sandbox.fake.callCount, warmUp, PERSONS_CUSTOMERS_QUERY);
      sandbox.fake.resetCalls();
      const before = await linkCandidates(server.url);
      const figures = await entityRuns(server.url, personsBatch, () => sandbox.fake.callCount, requests, PERSONS_CUSTOMERS_QUERY);
      const after = await linkCandidates(server.url);
      const searches = sandbox.fake.calls.filter((call) => call.path.endsWith('/customers/search')).map((call) => call.body as { filter: unknown[] });
      const cost: LinkCost = {
        customers: dataset.customers.size,
        phones: [...dataset.customers.values()].filter((customer) => typeof customer.phone === 'string').length,
        filtersPerSearch: round(searches.reduce((sum, search) => sum + search.filter.length, 0) / Math.max(1, searches.length), 1),
        linkedPerQuery: round((after.linked - before.linked) / requests, 2),
        leftOutPerQuery: round((after.leftOut - before.leftOut) / requests, 2),
      };
      return { figures, cost, searches, sandbox };
    };
    const link = await linkRun('server-link', createHelpCrunchDataset(), ENTITY_REQUESTS, ENTITY_WARM_UP_REQUESTS);
    // The round trips the link stands for, timed right after it: the persons' fan-out, then
    // each search it sent, sent again alone.
    const linkFanOut = await timed(1, ENTITY_REQUESTS, fanOut);
    const linkSearches = link.searches.values();
    const contactSearch = await timed(1, link.searches.length, () =>
      fetchText(`${link.sandbox.url}/customers/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(linkSearches.next().value),
      }),
    );
    // What the phone search form costs where it may cost most: an account of 100,000 customers,
    // each with a phone written in one of the ways people write them, none of them a person's.
    console.log('run: the contacts link over 100,000 phones');
    // The sandbox scans 100,000 customers for each of a search's filters: seconds, which the server is told to wait for.
    const slowSearches = { UPSTREAM_TIMEOUT_MS: '60000', UPSTREAM_DEADLINE_MS: '120000' };
    const large = await linkRun('server-link-large', withWrittenPhones(createHelpCrunchDataset(LARGE_ACCOUNT_CUSTOMERS)), LARGE_ACCOUNT_REQUESTS, 2, slowSearches);
    forgetCalls();

    // Timelines: 20 persons never seen, each with a HelpCrunch customer of two chats (by an
    // email added to the person), merged with their calls, chats and offline messages.
    console.log("run: 20 persons' timelines");
    const timelineBatches = Array.from({ length: ENTITY_REQUESTS + ENTITY_WARM_UP_REQUESTS }, personsBatch);
    const timelineDataset = createHelpCrunchDataset();
    let timelineCustomer = 5_000_001;
    for (const { id } of timelineBatches.flat()) {
      const email = `timeline${id}@example.com`;
      const visitor = comagicDataset.persons.get(Number(id))![0]!;
      visitor.emails = [...(visitor.emails ?? []), email];
      const customerId = timelineCustomer++;
      timelineDataset.customers.set(customerId, { id: customerId, name: `Timeline ${id}`, email, phone: null, lastSeen: 1_700_000_000, tags: [] });
      for (const hoursAgo of [3, 30]) {
        const chatId = customerId * 10 + hoursAgo;
        timelineDataset.chats.set(chatId, { id: chatId, status: 'closed', createdAt: Math.floor(Date.now() / 1000) - hoursAgo * 3600, customer: { id: customerId, email } });
      }
    }
    const timelineSandbox = await startHelpCrunchSandbox({ accounts: { [API_KEY]: timelineDataset }, rateLimitPerMinute: 0 });
    timelineSandbox.fake.latencyMs = LATENCY_MS;
    closers.push(timelineSandbox.close);
    const timelineServer = await startServerProcess(children, { ...serverEnv, HELPCRUNCH_API_URL: timelineSandbox.url }, 'server-timeline');
    const batches = timelineBatches.values();
    const bothFakes = () => comagic.fake.callCount + timelineSandbox.fake.callCount;
    await entityRuns(timelineServer.url, () => batches.next().value!, bothFakes, ENTITY_WARM_UP_REQUESTS, TIMELINE_QUERY);
    timelineSandbox.fake.resetCalls();
    // The CoMagic sandbox remembers no calls here: its methods are counted as they come, and its reports kept to send again.
    const methods: string[] = [];
    const reportsSent: RecordedCall[] = [];
    comagic.fake.intercept = (call) => {
      const method = String((call.body as { method?: unknown }).method);
      methods.push(method);
      if (method.endsWith('_report')) reportsSent.push(call);
      return undefined;
    };
    const timelineFigures = await entityRuns(timelineServer.url, () => batches.next().value!, bothFakes, ENTITY_REQUESTS, TIMELINE_QUERY);
    comagic.fake.intercept = undefined;
    const helpcrunchPaths = timelineSandbox.fake.calls.map((call) => call.path);
    const perQuery = (count: number) => round(count / ENTITY_REQUESTS, 2);
    const timelineCalls: TimelineCalls = {
      personVisitors: perQuery(methods.filter((method) => method === 'get.person_visitors').length),
      callsReports: perQuery(methods.filter((method) => method === 'get.calls_report').length),
      chatsReports: perQuery(methods.filter((method) => method === 'get.chats_report').length),
      offlineMessagesReports: perQuery(methods.filter((method) => method === 'get.offline_messages_report').length),
      contactSearches: perQuery(helpcrunchPaths.filter((path) => path.endsWith('/customers/search')).length),
      chatSearches: perQuery(helpcrunchPaths.filter((path) => path.endsWith('/chats/search')).length),
    };
    // The round trips a timeline needs, timed alone right after its run, with the calls each of
    // its queries sent: the persons (20 CoMagic calls at once); then at once its three reports and
    // its customers' contact search, and when that answers, its chats' search; until the last answer.
    const byRequest = new Map<string, { reports: RecordedCall[]; contacts: RecordedCall[]; chats: RecordedCall[] }>();
    const requestOf = (call: RecordedCall) => {
      const id = String(call.headers['x-request-id']);
      const calls = byRequest.get(id) ?? { reports: [], contacts: [], chats: [] };
      byRequest.set(id, calls);
      return calls;
    };
    for (const call of reportsSent) requestOf(call).reports.push(call);
    for (const call of timelineSandbox.fake.calls) {
      if (call.path.endsWith('/customers/search')) requestOf(call).contacts.push(call);
      if (call.path.endsWith('/chats/search')) requestOf(call).chats.push(call);
    }
    const resend = (url: string, call: RecordedCall) =>
      fetchText(url, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(call.body) });
    const requests = byRequest.values();
    const timelineRoundTrips = {
      fanOut: await timed(1, ENTITY_REQUESTS, fanOut),
      afterPersons: await timed(1, byRequest.size, async () => {
        const { reports, contacts, chats } = requests.next().value!;
        await Promise.all([
          ...reports.map((call) => resend(comagic.url, call)),
          (async () => {
            await Promise.all(contacts.map((call) => resend(`${timelineSandbox.url}/customers/search`, call)));
            await Promise.all(chats.map((call) => resend(`${timelineSandbox.url}/chats/search`, call)));
          })(),
        ]);
      }),
    };
    forgetCalls();

    // Memory over a long mixed run: three hot requests to one cold, RSS after warm-up and at the end.
    console.log(`run: mixed hot and cold for ${RSS_WARM_UP_S} + ${RSS_SECONDS} s, reading RSS`);
    let turn = 0;
    const mixed = (url: string, duration: number) =>
      load({
        ...graphqlLoad(url, COLD_QUERY, () => ({ id: newCustomer() })),
        requests: [
          {
            setupRequest: (request: autocannon.Request) =>
              (turn++ % 4 === 3 ? { ...request, body: JSON.stringify({ query: COLD_QUERY, variables: { id: newCustomer() } }) } : { ...request, body: JSON.stringify({ query: HOT_QUERY }) }),
          },
        ],
        duration,
      });
    const memoryOf = async (server: { url: string; process: ChildProcess }): Promise<Memory> => {
      await mixed(server.url, RSS_WARM_UP_S);
      forgetCalls();
      const rssAfterWarmUpMiB = rssOf(server.process);
      const mixedRun = await mixed(server.url, RSS_SECONDS);
      return { rssAfterWarmUpMiB, rssAtEndMiB: rssOf(server.process), mixedRun };
    };
    const memory = await memoryOf(ours);
    const comparedMemory = compared && (await memoryOf(compared));

    const results: Results = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      settings: {
        upstreamLatencyMs: LATENCY_MS,
        durationSeconds: DURATION_S,
        connections: CONNECTIONS,
        hotConnections: HOT_CONNECTIONS,
        hotRounds: HOT_ROUNDS,
        entityRequests: ENTITY_REQUESTS,
        largeAccountRequests: LARGE_ACCOUNT_REQUESTS,
        rssSeconds: RSS_SECONDS,
      },
      ceiling,
      hot,
      hotQuiet,
      naive: naiveHot,
      upstreamSerial,
      upstreamLoaded,
      coldSerial,
      coldLoaded,
      coldReferences,
      searchCall,
      rpcFanOut,
      entities,
      link: { personsCustomers: link.figures, cost: link.cost, fanOut: linkFanOut, contactSearch, largeAccount: { personsCustomers: large.figures, cost: large.cost } },
      timeline: { figures: timelineFigures, calls: timelineCalls, roundTrips: timelineRoundTrips },
      memory,
      ...(compared &&
        comparedCold &&
        comparedMemory && {
          compared: {
            checkout: COMPARED_CHECKOUT!,
            commit: commitOf(COMPARED_CHECKOUT!),
            hot: medianRound(hotRounds.compared),
            coldSerial: comparedCold.serial,
            coldLoaded: comparedCold.loaded,
            entities: {
              customers100: entities.customers100!.compared!,
              persons20: entities.persons20!.compared!,
              persons20NewAccount: entities.persons20NewAccount!.compared!,
            },
            memory: comparedMemory,
          },
        }),
      targets: [],
    };
    results.targets = targets(results);
    writeFileSync(join('bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join('bench', 'RESULTS.md'), report(results));
    console.log(report(results));
    for (const target of results.targets) console.log(`target ${target.met ? 'MET    ' : 'NOT MET'} ${target.name}: ${target.figure}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all([helpcrunch.close(), comagic.close(), ...closers.map((close) => close())]);
  }
}

/** The five targets of the speed work, each with the figure that decides it. */
function targets(r: Results): Target[] {
  const e = r.entities as Record<'customers100' | 'persons20' | 'persons20NewAccount', Record<'thisServer' | 'naive', EntityFigures>>;
  const hotRatio = r.hot.requestsPerSecond / r.ceiling.requestsPerSecond;
  const coldSerialOverhead = r.coldSerial.p50Ms - r.upstreamSerial.p50Ms;
  const coldLoadedOverhead = r.coldLoaded.p50Ms - r.upstreamLoaded.p50Ms;
  const personsOver = e.persons20.thisServer.latencyP50Ms - r.rpcFanOut.p50Ms;
  const newAccountOver = e.persons20NewAccount.thisServer.latencyP50Ms - r.rpcFanOut.p50Ms;
  const customersOver = e.customers100.thisServer.latencyP50Ms - r.searchCall.p50Ms;
  const observabilityCost = 1 - r.hot.requestsPerSecond / r.hotQuiet.requestsPerSecond;
  const rssGrowth = r.memory.rssAtEndMiB / r.memory.rssAfterWarmUpMiB - 1;
  const timelineOver = r.timeline.figures.latencyP50Ms - timelineRoundTrips(r);
  const ms = (value: number) => `${value >= 0 ? '+' : ''}${round(value, 1)} ms`;
  return [
    {
      name: '1. hot ≥ 0.5× the bare ceiling',
      met: hotRatio >= 0.5,
      figure: `${round(hotRatio, 2)}× (${r.hot.requestsPerSecond} vs ${r.ceiling.requestsPerSecond} req/s)`,
    },
    {
      name: '2. cold overhead ≤ 2 ms at p50, 1 and 10 connections',
      met: coldSerialOverhead <= 2 && coldLoadedOverhead <= 2,
      figure:
        `${ms(coldSerialOverhead)} at 1 (${r.coldSerial.p50Ms} vs ${r.upstreamSerial.p50Ms}), ${ms(coldLoadedOverhead)} at ${r.coldLoaded.connections} (${r.coldLoaded.p50Ms} vs ${r.upstreamLoaded.p50Ms}); ` +
        `a bare proxy: ${ms(r.coldReferences.proxy.serial.p50Ms - r.upstreamSerial.p50Ms)} at 1, ${ms(r.coldReferences.proxy.loaded.p50Ms - r.upstreamLoaded.p50Ms)} at ${r.coldLoaded.connections}`,
    },
    {
      name: "3. 20 persons p50 ≤ one round trip + 5 ms, an account's first request too; 100 customers one call, ≤ + 10 ms",
      met: personsOver <= 5 && newAccountOver <= 5 && customersOver <= 10 && e.customers100.thisServer.upstreamCallsPerQuery === 1,
      figure: `persons ${e.persons20.thisServer.latencyP50Ms} ms (${ms(personsOver)} over ${r.rpcFanOut.p50Ms}), an account's first ${e.persons20NewAccount.thisServer.latencyP50Ms} ms (${ms(newAccountOver)}), customers ${e.customers100.thisServer.latencyP50Ms} ms (${ms(customersOver)} over ${r.searchCall.p50Ms}), ${e.customers100.thisServer.upstreamCallsPerQuery} call`,
    },
    {
      name: '4. observability costs ≤ 10% of hot throughput',
      met: observabilityCost <= 0.1,
      figure: `${round(observabilityCost * 100, 1)}% (${r.hot.requestsPerSecond} req/s with logs and metrics, ${r.hotQuiet.requestsPerSecond} without)`,
    },
    {
      name: `5. RSS after ${r.settings.rssSeconds} s mixed within 20% of RSS after warm-up`,
      met: Math.abs(rssGrowth) <= 0.2,
      figure: `${r.memory.rssAfterWarmUpMiB} → ${r.memory.rssAtEndMiB} MiB (${rssGrowth >= 0 ? '+' : ''}${round(rssGrowth * 100, 1)}%)`,
    },
    {
      name: "6. 20 persons' timelines p50 ≤ the round trips they need + 5 ms, one call of each report kind",
      met:
        timelineOver <= 5 &&
        [r.timeline.calls.callsReports, r.timeline.calls.chatsReports, r.timeline.calls.offlineMessagesReports].every((calls) => calls === 1),
      figure: `${r.timeline.figures.latencyP50Ms} ms (${ms(timelineOver)} over ${timelineRoundTrips(r)}), reports a query: ${r.timeline.calls.callsReports} calls, ${r.timeline.calls.chatsReports} chats, ${r.timeline.calls.offlineMessagesReports} offline messages`,
    },
  ];
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

/** The round with the median throughput. */
function medianRound(rounds: LoadFigures[]): LoadFigures {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return { ...sorted[Math.floor(sorted.length / 2)]!, rounds: rounds.map((r) => r.requestsPerSecond) };
}

/** Waits until no upstream call has arrived for 300 ms. */
async function settled(upstreamCalls: () => number): Promise<void> {
  let last = -1;
  while (upstreamCalls() !== last) {
    last = upstreamCalls();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * Sends `count` requests over `connections` connections, each connection one request at a
 * time, and times each one here.
 */
async function timed(connections: number, count: number, request: () => Promise<unknown>): Promise<Timed> {
  const latencies: number[] = [];
  let left = count;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (left > 0) {
        left -= 1;
        const sent = performance.now();
        await request();
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  return {
    requests: count,
    connections,
    requestsPerSecond: round(count / seconds, 0),
    p50Ms: round(percentile(latencies, 0.5), 1),
    p99Ms: round(percentile(latencies, 0.99), 1),
  };
}

async function entityRuns(
  url: string,
  batch: () => Array<Record<string, string>>,
  /** The calls the upstreams have answered so far. */
  upstreamCalls: () => number,
  count = ENTITY_REQUESTS,
  query = ENTITIES_QUERY,
  headers: () => Record<string, string> = () => ({}),
): Promise<EntityFigures> {
  const latencies: number[] = [];
  const before = upstreamCalls();
  let entitiesPerRequest = 0;
  for (let i = 0; i < count; i += 1) {
    const representations = batch();
    entitiesPerRequest = representations.length;
    const started = performance.now();
    const text = await postGraphQL(url, query, { representations }, headers());
    latencies.push(performance.now() - started);
    const body = JSON.parse(text) as { data?: { _entities: unknown[] }; errors?: unknown[] };
    if (body.errors || body.data?._entities.some((entity) => entity === null)) throw new Error(`_entities failed: ${text.slice(0, 500)}`);
  }
  latencies.sort((a, b) => a - b);
  return {
    requests: count,
    entitiesPerRequest,
    upstreamCallsPerQuery: round((upstreamCalls() - before) / count, 2),
    latencyP50Ms: round(percentile(latencies, 0.5), 1),
    latencyP99Ms: round(percentile(latencies, 0.99), 1),
  };
}

interface Results {
  date: string;
  machine: { cpus: number; cpu: string; memoryGiB: number; node: string };
  settings: {
    upstreamLatencyMs: number;
    durationSeconds: number;
    connections: number;
    hotConnections: number;
    hotRounds: number;
    entityRequests: number;
    largeAccountRequests: number;
    rssSeconds: number;
  };
  ceiling: LoadFigures;
  hot: LoadFigures;
  hotQuiet: LoadFigures;
  naive: LoadFigures;
  upstreamSerial: Timed;
  upstreamLoaded: Timed;
  coldSerial: Timed;
  coldLoaded: Timed;
  coldReferences: Record<'proxy' | 'naive', { serial: Timed; loaded: Timed }>;
  searchCall: Timed;
  rpcFanOut: Timed;
  entities: Record<string, Record<string, EntityFigures>>;
  /** 20 persons' customers through the contacts link, and each of its searches alone; the same over 100,000 phones. */
  link: { personsCustomers: EntityFigures; cost: LinkCost; fanOut: Timed; contactSearch: Timed; largeAccount: { personsCustomers: EntityFigures; cost: LinkCost } };
  /** 20 persons' timelines, the calls each query made, and the round trips it needs timed alone. */
  timeline: { figures: EntityFigures; calls: TimelineCalls; roundTrips: Record<'fanOut' | 'afterPersons', Timed> };
  memory: Memory;
  /** The same runs of another build, when `--compare` named one. */
  compared?: Compared;
  targets: Target[];
}

/** What the contacts link read: HelpCrunch's filters a search, and customers a query it linked or read and left out. */
interface LinkCost {
  customers: number;
  phones: number;
  filtersPerSearch: number;
  linkedPerQuery: number;
  leftOutPerQuery: number;
}

/** Upstream calls a timeline query made, by kind. */
interface TimelineCalls {
  personVisitors: number;
  callsReports: number;
  chatsReports: number;
  offlineMessagesReports: number;
  contactSearches: number;
  chatSearches: number;
}

interface Memory {
  rssAfterWarmUpMiB: number;
  rssAtEndMiB: number;
  mixedRun: LoadFigures;
}

interface Compared {
  checkout: string;
  commit: string;
  hot: LoadFigures;
  coldSerial: Timed;
  coldLoaded: Timed;
  entities: Record<'customers100' | 'persons20' | 'persons20NewAccount', EntityFigures>;
  memory: Memory;
}

const timelineCallKeys = ['personVisitors', 'callsReports', 'chatsReports', 'offlineMessagesReports', 'contactSearches', 'chatSearches'] as const;
const timelineCallNames = ['get.person_visitors', 'get.calls_report', 'get.chats_report', 'get.offline_messages_report', 'customers/search', 'chats/search'];

/** The p50s of the round trips a timeline needs, one after the other. */
function timelineRoundTrips(r: Results): number {
  const { fanOut, afterPersons } = r.timeline.roundTrips;
  return round(fanOut.p50Ms + afterPersons.p50Ms, 1);
}

function report(r: Results): string {
  const e = r.entities as Record<'customers100' | 'persons20' | 'persons20NewAccount', Record<'thisServer' | 'naive', EntityFigures>>;
  const row = (name: string, f: LoadFigures) =>
    `| ${name} | ${f.requestsPerSecond} | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.upstreamCallsPerQuery ?? '–'} | ${f.non2xx + f.errors} | ${f.rounds?.join(', ') ?? ''} |`;
  const timedRow = (name: string, f: Timed) =>
    `| ${name} | ${f.connections} | ${f.requests} | ${f.requestsPerSecond} | ${f.p50Ms} | ${f.p99Ms} | ${f.serverCpuMsPerRequest ?? '–'} |`;
  const linkRow = (account: string, f: EntityFigures, cost: LinkCost) =>
    `| ${account} (${cost.customers.toLocaleString('en')} customers, ${cost.phones.toLocaleString('en')} phones) | ${f.upstreamCallsPerQuery} | ${cost.filtersPerSearch} | ${cost.linkedPerQuery} | ${cost.leftOutPerQuery} | ${f.latencyP50Ms} | ${f.latencyP99Ms} |`;
  const entityRow = (name: string, kind: string, f: EntityFigures) =>
    `| ${kind} | ${name} | ${f.upstreamCallsPerQuery} | ${f.latencyP50Ms} | ${f.latencyP99Ms} |`;
  return `# Benchmark results

Produced by \`npm run bench\` on ${r.date.slice(0, 10)}: ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}.
Sandbox upstreams answer after ${r.settings.upstreamLatencyMs} ms. The client (autocannon, or timed requests) runs in the
same process as the sandbox upstreams; each server runs in a process of its own, \`NODE_ENV=production\`.
Everything below was measured in this one run. Raw figures: \`bench/results.json\`.

## Targets

${r.targets.map((t) => `- ${t.met ? '**met**' : '**not met**'}: ${t.name} — ${t.figure}`).join('\n')}

## Hot: the same cached query, ${r.settings.hotConnections} connections, ${r.settings.hotRounds} rounds of ${r.settings.durationSeconds} s each

The four runs take turns, round after round; each row is its median round, and the last column lists every round.

| run | req/s | p50 ms | p99 ms | upstream calls / query | failed | rounds, req/s |
|---|---:|---:|---:|---:|---:|---|
${row('ceiling: bare node:http, same bytes', r.ceiling)}
${row('this server (request logs at info, metrics)', r.hot)}
${row('this server, logs and metrics off', r.hotQuiet)}
${row('naive Apollo Server, same query', r.naive)}

The hot query asks for one customer and one person with its visitors. Query limits, CSRF prevention and
credential scoping are on in every run of this server; "off" is \`LOG_LEVEL=silent METRICS_ENABLED=false\`.

## Cold: a customer never asked before, one upstream call each, timed by the client

| run | connections | requests | req/s | p50 ms | p99 ms | server CPU ms / request |
|---|---:|---:|---:|---:|---:|---:|
${timedRow('upstream alone (GET /customers/{id})', r.upstreamSerial)}
${timedRow('bare proxy: node:http + fetch, the same one call', r.coldReferences.proxy.serial)}
${timedRow('this server, cold', r.coldSerial)}
${timedRow('naive Apollo Server, same query', r.coldReferences.naive.serial)}
${timedRow('upstream alone (GET /customers/{id})', r.upstreamLoaded)}
${timedRow('bare proxy: node:http + fetch, the same one call', r.coldReferences.proxy.loaded)}
${timedRow('this server, cold', r.coldLoaded)}
${timedRow('naive Apollo Server, same query', r.coldReferences.naive.loaded)}

The bare proxy is the floor of any server between the client and the upstream on this machine:
one more process, two more loopback hops, and the client, the upstream and both servers sharing two cores.
A server's CPU time per request (read from /proc over the loaded run) is what its overhead over the
proxy's is made of: at ${r.coldLoaded.connections} connections the requests come in waves, and each waits for the CPU the
others ahead of it take.

## Federated \`_entities\`, entities never fetched before (${r.settings.entityRequests} requests each, one at a time)

| entities | server | upstream calls / query | p50 ms | p99 ms |
|---|---|---:|---:|---:|
${entityRow('this server', '100 customers', e.customers100.thisServer)}
${entityRow('naive', '100 customers', e.customers100.naive)}
${entityRow('this server', '20 persons', e.persons20.thisServer)}
${entityRow('naive', '20 persons', e.persons20.naive)}
${entityRow('this server', "20 persons, each request an account's first", e.persons20NewAccount.thisServer)}

The upstream calls they stand for, alone: one search for 100 ids p50 ${r.searchCall.p50Ms} ms (p99 ${r.searchCall.p99Ms});
20 \`get.person_visitors\` sent at once, until the last answer, p50 ${r.rpcFanOut.p50Ms} ms (p99 ${r.rpcFanOut.p99Ms}).
The Data API takes no batches, so 20 persons are 20 calls for both servers. "An account's first" sends each request
with a CoMagic credential never used before (\`ALLOW_CREDENTIAL_HEADERS=true\`): its points budget is as unknown as a
fresh server's, and its 20 calls go at once all the same.

## The contacts link: 20 persons never seen, with their HelpCrunch customers (${r.settings.entityRequests} requests, one at a time)

| HelpCrunch account | HelpCrunch searches / query | filters / search | customers linked / query | read and left out / query | p50 ms | p99 ms |
|---|---:|---:|---:|---:|---:|---:|
${linkRow('the sandbox', r.link.personsCustomers, r.link.cost)}
${linkRow('every customer a phone, none a person\'s', r.link.largeAccount.personsCustomers, r.link.largeAccount.cost)}

Two round trips one after the other, each timed alone right after the link's run: the persons first (20 CoMagic calls at
once, p50 ${r.link.fanOut.p50Ms} ms), then their contacts in one search per 100 contacts or 1,000 filters (sent together): each search
the link sent over the sandbox, sent again alone, p50 ${r.link.contactSearch.p50Ms} ms (p99 ${r.link.contactSearch.p99Ms}). The sandbox's generated persons have from one to about ten
contacts each; a phone is 22 filters (its last six digits in each way they are written), an email one. The persons these runs
ask for are past the 40 that share a contact with a customer, so none is linked: every customer read is left out. The second account
(${r.link.largeAccount.cost.customers.toLocaleString('en')} customers, ${r.settings.largeAccountRequests} queries) shows what reading costs where
phones are many: every customer read and left out has a phone with a person's last six digits in one of the forms searched,
and is dropped on this side. Its searches scan the whole account in the sandbox, so its times are the sandbox's, not the link's.

## Timelines: 20 persons never seen, each with a customer of two chats (${r.settings.entityRequests} requests, one at a time)

| upstream calls / query | ${timelineCallNames.join(' | ')} | all | p50 ms | p99 ms |
|---|${timelineCallNames.map(() => '---:').join('|')}|---:|---:|---:|
| this server | ${timelineCallKeys.map((key) => r.timeline.calls[key]).join(' | ')} | ${r.timeline.figures.upstreamCallsPerQuery} | ${r.timeline.figures.latencyP50Ms} | ${r.timeline.figures.latencyP99Ms} |

The round trips a timeline needs, timed alone right after its run with the very calls each query sent: the persons (20
CoMagic calls at once, p50 ${r.timeline.roundTrips.fanOut.p50Ms} ms); then its three reports (one call each for the 20 persons) and its
customers' contact search at once, and when that answers, their chats' search, until the last answer (p50 ${r.timeline.roundTrips.afterPersons.p50Ms} ms):
${timelineRoundTrips(r)} ms in all. Both sandboxes answer from the bench's one process, as the server's calls find them.

## Memory

Three hot requests to one cold, ${r.settings.connections} connections: RSS ${r.memory.rssAfterWarmUpMiB} MiB after ${RSS_WARM_UP_S} s of warm-up,
${r.memory.rssAtEndMiB} MiB after ${r.settings.rssSeconds} s more (${r.memory.mixedRun.requests} requests, ${r.memory.mixedRun.non2xx + r.memory.mixedRun.errors} failed).
${r.compared ? comparedReport(r, r.compared) : ''}`;
}

/** This build beside the one `--compare` named, run for run. */
function comparedReport(r: Results, c: Compared): string {
  const e = r.entities as Record<'customers100' | 'persons20' | 'persons20NewAccount', Record<'thisServer', EntityFigures>>;
  const growth = (m: Memory) => `${m.rssAfterWarmUpMiB} → ${m.rssAtEndMiB} MiB (${round((m.rssAtEndMiB / m.rssAfterWarmUpMiB - 1) * 100, 1)}%)`;
  const row = (name: string, ours: number | string, theirs: number | string) => `| ${name} | ${ours} | ${theirs} |`;
  return `
## Compared with another build

The build of ${c.commit} ran beside this one, with the same settings, in every run above but the references: in
the hot rounds it took its turn after this server; the cold, \`_entities\` and memory runs came after this server's.

| run | this build | compared build |
|---|---:|---:|
${row('hot, req/s (median round)', r.hot.requestsPerSecond, c.hot.requestsPerSecond)}
${row('hot rounds, req/s', r.hot.rounds?.join(', ') ?? '', c.hot.rounds?.join(', ') ?? '')}
${row('cold p50 ms, 1 connection', r.coldSerial.p50Ms, c.coldSerial.p50Ms)}
${row(`cold p50 ms, ${r.coldLoaded.connections} connections`, r.coldLoaded.p50Ms, c.coldLoaded.p50Ms)}
${row('100 customers p50 ms (calls)', `${e.customers100.thisServer.latencyP50Ms} (${e.customers100.thisServer.upstreamCallsPerQuery})`, `${c.entities.customers100.latencyP50Ms} (${c.entities.customers100.upstreamCallsPerQuery})`)}
${row('20 persons p50 ms (calls)', `${e.persons20.thisServer.latencyP50Ms} (${e.persons20.thisServer.upstreamCallsPerQuery})`, `${c.entities.persons20.latencyP50Ms} (${c.entities.persons20.upstreamCallsPerQuery})`)}
${row("20 persons, each request an account's first, p50 ms (calls)", `${e.persons20NewAccount.thisServer.latencyP50Ms} (${e.persons20NewAccount.thisServer.upstreamCallsPerQuery})`, `${c.entities.persons20NewAccount.latencyP50Ms} (${c.entities.persons20NewAccount.upstreamCallsPerQuery})`)}
${row(`RSS over ${r.settings.rssSeconds} s mixed`, growth(r.memory), growth(c.memory))}
`;
}

/** The commit a checkout is at, as `git` names it. */
function commitOf(checkout: string): string {
  try {
    return execFileSync('git', ['-C', checkout, 'log', '-1', '--format=%h (%cs)'], { encoding: 'utf8' }).trim();
  } catch {
    return checkout;
  }
}

async function startChild(children: ChildProcess[], args: string[]): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return { url: await readyUrl(child, /READY (\S+)/), process: child };
}

/** Starts dist/main.js (of this checkout, or of `checkout`) with `env`, its log written to a file; resolves once it listens. */
async function startServerProcess(
  children: ChildProcess[],
  env: Record<string, string>,
  name: string,
  checkout = '.',
): Promise<{ url: string; process: ChildProcess }> {
  const logPath = join(tmpdir(), `contact-graph-bench-${name}.log`);
  const port = await freePort();
  const child = spawn(process.execPath, [join(checkout, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH, ...env, PORT: String(port) },
    stdio: ['ignore', openSync(logPath, 'w'), 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready: see ${logPath}`))),
  );
  const healthy = (async () => {
    for (;;) {
      const ok = await fetch(`${url}/health`).then((response) => response.ok, () => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await Promise.race([healthy, exited]);
  return { url, process: child };
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The records the server's contacts link has read, linked and left out, from its /metrics. */
async function linkCandidates(url: string): Promise<{ linked: number; leftOut: number }> {
  const text = await fetchText(`${url}/metrics`);
  const count = (result: string) => Number(new RegExp(`^contact_graph_link_candidates_total\\{link="contacts",result="${result}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { linked: count('linked'), leftOut: count('left_out') };
}

/**
 * The dataset with every customer's phone replaced by a random number (seeded), written in one
 * of the ways people write them: the numbers of an account where many customers left one.
 */
function withWrittenPhones(dataset: HelpCrunchDataset): HelpCrunchDataset {
  const next = random(4242);
  const digits = (count: number) => Array.from({ length: count }, () => Math.floor(next() * 10)).join('');
  const forms: Array<(d: string) => string> = [
    (d) => `+${d}`,
    (d) => d,
    (d) => `+${d[0]} ${d.slice(1, 4)} ${d.slice(4, 7)}-${d.slice(7, 9)}-${d.slice(9)}`,
    (d) => `8 (${d.slice(1, 4)}) ${d.slice(4, 7)} ${d.slice(7, 9)} ${d.slice(9)}`,
    (d) => `+${d[0]} (${d.slice(1, 4)}) ${d.slice(4, 7)}-${d.slice(7)}`,
    (d) => `+${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4, 8)} ${d.slice(8)}`,
    (d) => `+${d.slice(0, 2)} ${d.slice(2, 5)} ${d.slice(5, 8)} ${d.slice(8)}`,
    (d) => `+${d.slice(0, 2)} ${d[2]}.${d.slice(3, 5)}.${d.slice(5, 7)}.${d.slice(7, 9)}.${d.slice(9)}`,
  ];
  for (const customer of dataset.customers.values()) customer.phone = forms[Math.floor(next() * forms.length)]!(digits(11));
  return dataset;
}

/** CPU time a child process has used (user and system), in ms, as /proc counts it (in 10 ms ticks). */
function cpuMsOf(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS_PER_SECOND);
}

/** Resident memory of a child process, in MiB. */
function rssOf(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return round(kib / 1024, 1);
}

async function fetchText(url: string, init?: RequestInit): Promise<string> {
  return (await fetch(url, init)).text();
}

/** Resolves with the URL a child prints once it listens; stops reading its output then. */
function readyUrl(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = pattern.exec(output);
      if (!ready) return;
      child.stdout!.off('data', read);
      child.stdout!.resume();
      resolve(ready[1]!.replace('localhost', '127.0.0.1'));
    };
    child.stdout!.on('data', read);
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code} before it was ready`)));
  });
}

async function postGraphQL(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
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
