import { FIRST_GENERATED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import type { FakeHttpServer, FakeReply, RecordedCall } from '../src/sandbox/fakeHttpServer';
import { limiterWindow } from '../src/transport/rateLimiter';
import {
  comagicCalls,
  scrape,
  startTestServer,
  startUpstreams,
  type GraphQLResponse,
  type TestServer,
  type Upstreams,
} from './support/harness';
import { lazyRedisServer, startRedisServer } from './support/redis';

let nextId = 0;
const customerId = () => FIRST_GENERATED_CUSTOMER_ID + nextId++;
const personId = () => FIRST_GENERATED_PERSON_ID + (nextId++ % 100);

/** Servers started by a test, stopped after it. */
const servers: TestServer[] = [];
async function server(upstreams: Upstreams, env: Record<string, string> = {}): Promise<TestServer> {
  const started = await startTestServer(upstreams, env);
  servers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((started) => started.close()));
});

/** `count` single-customer queries at once, spread over the given servers in turn; each a customer never asked before. */
function burst(targets: TestServer[], count: number, id: () => number = customerId): Promise<GraphQLResponse[]> {
  return Promise.all(
    Array.from({ length: count }, (_, index) => targets[index % targets.length]!.query(`{ customer(id: "${id()}") { id } }`)),
  );
}

const rateLimited = (responses: GraphQLResponse[]) =>
  responses.filter((response) => response.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED');

/**
 * Counts the calls a fake is answering at once, with every answer `latencyMs` late.
 * `alreadyInFlight[i]` is how many were in flight when call i arrived.
 */
function watchInFlight(fake: FakeHttpServer, latencyMs: number) {
  const seen = { most: 0, alreadyInFlight: [] as number[] };
  let inFlight = 0;
  fake.latencyMs = latencyMs;
  fake.intercept = (_call: RecordedCall) => {
    seen.alreadyInFlight.push(inFlight);
    inFlight += 1;
    seen.most = Math.max(seen.most, inFlight);
    // Scheduled before the fake's own delay, so it runs before the answer is sent.
    setTimeout(() => (inFlight -= 1), latencyMs);
    return undefined;
  };
  return seen;
}

/** `count` persons never seen before, as one `_entities` request (one loader batch). */
function personEntities(target: TestServer, count: number): Promise<GraphQLResponse> {
  const representations = Array.from({ length: count }, () => ({ __typename: 'Person', id: String(personId()) }));
  return target.query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id } } }', { r: representations });
}

test('the limiter window keeps every sliding minute within the budget', () => {
  expect(limiterWindow(120)).toEqual({ points: 9, seconds: 5 });
  for (let perMinute = 2; perMinute <= 2_000; perMinute += 1) {
    const { points, seconds } = limiterWindow(perMinute);
    expect(points).toBeGreaterThanOrEqual(1);
    // A minute overlaps at most 60/seconds + 1 windows.
    expect(points * (60 / seconds + 1)).toBeLessThanOrEqual(perMinute);
  }
});

describe('HelpCrunch: a budget per account', () => {
  let upstreams: Upstreams;
  const redis = lazyRedisServer();
  beforeAll(async () => {
    // The fake enforces 120 a minute over a sliding window, as HelpCrunch documents.
    upstreams = await startUpstreams({ helpcrunchRateLimitPerMinute: 120 });
  });
  beforeEach(() => upstreams.reset());
  afterAll(() => upstreams.close());

  test('a burst beyond the window waits for the next one when that fits UPSTREAM_MAX_WAIT_MS', async () => {
    // 600 a minute is 19 calls every 2 s.
    const window = limiterWindow(600);
    expect(window).toEqual({ points: 19, seconds: 2 });
    const replica = await server(upstreams, { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '600', UPSTREAM_MAX_WAIT_MS: '3000' });
    const responses = await burst([replica], 25);

    expect(responses.every((response) => response.body.errors === undefined)).toBe(true);
    const calls = upstreams.helpcrunch.fake.calls;
    expect(calls).toHaveLength(25);
    const firstAt = calls[0]!.at;
    expect(calls.filter((call) => call.at < firstAt + 1_500)).toHaveLength(19);
  });

  describe('an outage is told as one, and a budget spent as that', () => {
    // 20 a minute is 4 calls every 15 s: a failing customer's three tries and one more spend a window.
    const env = { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '20' };
    const codes = (responses: GraphQLResponse[]) => responses.map((response) => response.body.errors?.[0]?.extensions?.code ?? 'ok');
    async function oneAfterAnother(target: TestServer, count: number): Promise<GraphQLResponse[]> {
      const responses: GraphQLResponse[] = [];
      for (let i = 0; i < count; i += 1) responses.push(await target.query(`{ customer(id: "${customerId()}") { id } }`));
      return responses;
    }

    test('HelpCrunch answering 500 to every call: every answer is UPSTREAM_UNAVAILABLE, with when to come back, none RATE_LIMITED', async () => {
      expect(limiterWindow(20)).toEqual({ points: 4, seconds: 15 });
      const fresh = await server(upstreams, env);
      upstreams.helpcrunch.fake.intercept = () => ({ status: 500, body: { errors: [{ code: 'internal_error', message: 'Internal Server Error' }] } });
      const responses = await oneAfterAnother(fresh, 40);
      expect(upstreams.helpcrunch.fake.calls).toHaveLength(4);
      expect(codes(responses)).toEqual(Array(40).fill('UPSTREAM_UNAVAILABLE'));
      // The first two were sent and failed; the others were held back, each saying when a call may go again.
      expect(responses[0]!.body.errors![0]!.extensions).toMatchObject({ upstream: { service: 'helpcrunch', status: 500 } });
      for (const response of responses.slice(2)) {
        const { extensions, message } = response.body.errors![0]!;
        expect(message).toContain('helpcrunch is failing');
        expect(extensions!.retryAfter).toBeGreaterThanOrEqual(1);
        expect(extensions!.retryAfter).toBeLessThanOrEqual(15);
      }
      const held = (await scrape(fresh)).get('contact_graph_upstream_held_back_total{service="helpcrunch",reason="upstream_failing"}');
      expect(held).toBe(39);
    });

    test('HelpCrunch answering, the budget really spent: RATE_LIMITED once the window is', async () => {
      const fresh = await server(upstreams, env);
      const responses = await oneAfterAnother(fresh, 40);
      expect(upstreams.helpcrunch.fake.calls).toHaveLength(4);
      expect(codes(responses)).toEqual([...Array(4).fill('ok'), ...Array(36).fill('RATE_LIMITED')]);
    });
  });

  test('past the wait budget a call fails as RATE_LIMITED with retryAfter, and is never sent', async () => {
    const replica = await server(upstreams, { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '120', UPSTREAM_MAX_WAIT_MS: '500' });
    const responses = await burst([replica], 12);

    expect(upstreams.helpcrunch.fake.calls).toHaveLength(9);
    const limited = rateLimited(responses);
    expect(limited).toHaveLength(3);
    for (const response of limited) {
      const { extensions } = response.body.errors![0]!;
      expect(extensions).toMatchObject({ code: 'RATE_LIMITED', upstream: { service: 'helpcrunch' } });
      expect(extensions!.retryAfter).toBeGreaterThanOrEqual(1);
      expect(extensions!.retryAfter).toBeLessThanOrEqual(5);
    }
  });

  test('replicas on one Redis share the budget: never more than it reaches the upstream', async () => {
    const env = { CACHE_URL: (await redis()).url, HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '120', UPSTREAM_MAX_WAIT_MS: '0' };
    const replicas = [await server(upstreams, env), await server(upstreams, env)];
    const responses = await burst(replicas, 30);

    // One window's worth for both replicas together, and no 429 from the fake.
    expect(upstreams.helpcrunch.fake.calls).toHaveLength(9);
    expect(rateLimited(responses)).toHaveLength(21);
    expect(responses.flatMap((response) => response.body.errors ?? []).every((error) => !error.extensions?.upstream?.status)).toBe(true);
  });

  test('without Redis each replica has a budget of its own (which is why Redis is advised for several)', async () => {
    const env = { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '120', UPSTREAM_MAX_WAIT_MS: '0' };
    const replicas = [await server(upstreams, env), await server(upstreams, env)];
    await burst(replicas, 30);
    expect(upstreams.helpcrunch.fake.calls).toHaveLength(18);
  });

  test('with REPLICAS=2 and no Redis, each replica keeps to half the window: together no more than one', async () => {
    // Upstreams of its own: the calls of this test do not spend the fakes' minute for the others.
    const fakes = await startUpstreams();
    try {
      const env = { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '120', UPSTREAM_MAX_WAIT_MS: '0', REPLICAS: '2' };
      const replicas = [await server(fakes, env), await server(fakes, env)];
      const responses = await burst(replicas, 30);
      expect(fakes.helpcrunch.fake.calls).toHaveLength(8);
      expect(rateLimited(responses)).toHaveLength(22);
    } finally {
      await Promise.all(servers.splice(0).map((started) => started.close()));
      await fakes.close();
    }
  });

  test('while their Redis is down replicas keep to their share, and each change of store waits out a window that may be full: never a call too many', async () => {
    const own = await startRedisServer();
    // Upstreams of its own: the calls of this test do not spend the fakes' minute for the others.
    const fakes = await startUpstreams();
    // 120 a minute is 9 calls every 5 s: 4 each for two replicas while Redis is down.
    const env = { CACHE_URL: own.url, CACHE_TIMEOUT_MS: '100', HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '120', UPSTREAM_MAX_WAIT_MS: '0', REPLICAS: '2' };
    const window = () => new Promise((resolve) => setTimeout(resolve, 5_100));
    // Ids of no customer, so as not to use up the sandbox's: each is one call all the same (a 404).
    let unknown = 5_000_000;
    const sent = async () => {
      fakes.helpcrunch.fake.resetCalls();
      await burst(replicas, 20, () => unknown++);
      return fakes.helpcrunch.fake.calls.length;
    };
    const replicas = [await server(fakes, env), await server(fakes, env)];
    // Until both replicas see Redis gone, or back: they reconnect on their own backoff (at most 2 s).
    const readiness = async (status: number) => {
      for (;;) {
        const seen = await Promise.all(replicas.map((replica) => fetch(`${replica.url}/ready`).then((response) => response.status)));
        if (seen.every((one) => one === status)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      expect(await sent()).toBe(9);
      await own.stop();
      await readiness(503);
      // Redis counted its last window full: the first window in memory sends nothing.
      expect(await sent()).toBe(0);
      await window();
      expect(await sent()).toBe(8);
      await own.start();
      await readiness(200);
      // Back on Redis, maybe empty, within the window both replicas just spent in memory: it is waited out there.
      expect(await sent()).toBe(0);
      await window();
      expect(await sent()).toBe(9);
    } finally {
      await Promise.all(servers.splice(0).map((started) => started.close()));
      await Promise.all([own.stop(), fakes.close()]);
    }
  });

  test('unset, HELPCRUNCH_CONCURRENCY lets a whole limiter window (9 for 120 a minute) be in flight at once', async () => {
    const replica = await server(upstreams, { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '120' });
    const seen = watchInFlight(upstreams.helpcrunch.fake, 200);
    const responses = await burst([replica], 9);

    expect(responses.every((response) => response.body.errors === undefined)).toBe(true);
    expect(upstreams.helpcrunch.fake.calls).toHaveLength(9);
    expect(seen.most).toBe(9);
  });

  test('a 429 with a Retry-After that fits the wait budget is retried once after it', async () => {
    // 1000 a minute is a window of 1 s: the Retry-After is the longer of the two.
    const replica = await server(upstreams, { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '1000' });
    const id = customerId();
    let answered = 0;
    upstreams.helpcrunch.fake.intercept = () =>
      answered++ === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: { errors: [{ code: 'too_many_requests', message: 'limit' }] } } : undefined;
    const { body } = await replica.query(`{ customer(id: "${id}") { id } }`);

    expect(body).toEqual({ data: { customer: { id: String(id) } } });
    const [first, second] = upstreams.helpcrunch.fake.calls;
    expect(upstreams.helpcrunch.fake.calls).toHaveLength(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  test('a Retry-After shorter than the window holds the account to the end of it: the calls counted in it are not forgotten', async () => {
    // 9 calls every 5 s; one is spent, then HelpCrunch asks for 1 s.
    const replica = await server(upstreams, { HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '120', UPSTREAM_MAX_WAIT_MS: '0' });
    upstreams.helpcrunch.fake.intercept = () => ({ status: 429, headers: { 'retry-after': '1' }, body: { errors: [{ code: 'too_many_requests', message: 'limit' }] } });
    expect((await replica.query(`{ customer(id: "${customerId()}") { id } }`)).body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    upstreams.helpcrunch.fake.intercept = undefined;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    upstreams.helpcrunch.fake.resetCalls();
    const responses = await burst([replica], 9);
    // A block of 1 s would have opened a new window of 9: the whole window is waited out instead.
    expect(upstreams.helpcrunch.fake.calls).toHaveLength(0);
    expect(rateLimited(responses)).toHaveLength(9);
  });

  test('a 429 with a longer Retry-After fails as RATE_LIMITED and holds the account back for that long', async () => {
    const replica = await server(upstreams);
    upstreams.helpcrunch.fake.intercept = () => ({
      status: 429,
      headers: { 'retry-after': '42' },
      body: { errors: [{ code: 'too_many_requests', message: 'You have exceeded your requests limit' }] },
    });
    const first = await replica.query(`{ customer(id: "${customerId()}") { id } }`);
    expect(first.body.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfter: 42,
      upstream: { service: 'helpcrunch', status: 429, code: 'too_many_requests' },
    });
    expect(upstreams.helpcrunch.fake.calls).toHaveLength(1);

    const held = await replica.query(`{ customer(id: "${customerId()}") { id } }`);
    expect(held.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', upstream: { service: 'helpcrunch' } });
    expect(held.body.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(40);
    expect(upstreams.helpcrunch.fake.calls).toHaveLength(1);
  });

  test('a 429 without Retry-After fails as RATE_LIMITED at once, without a retry', async () => {
    const replica = await server(upstreams);
    upstreams.helpcrunch.fake.intercept = () => ({ status: 429, body: { errors: [{ code: 'too_many_requests', message: 'limit' }] } });
    const { body } = await replica.query(`{ customer(id: "${customerId()}") { id } }`);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', upstream: { status: 429 } });
    expect(body.errors![0]!.extensions).not.toHaveProperty('retryAfter');
    expect(upstreams.helpcrunch.fake.calls).toHaveLength(1);
  });
});

describe('CoMagic: the points budget it reports', () => {
  let upstreams: Upstreams;
  beforeAll(async () => {
    upstreams = await startUpstreams();
  });
  afterAll(async () => {
    await upstreams.close();
  });
  beforeEach(() => upstreams.reset());

  const limits = { day_limit: 10000, day_remaining: 9000, day_reset: 50000, minute_limit: 120, minute_remaining: 0, minute_reset: 17 };
  const limitExceeded = (per: string, reported: Record<string, number>): FakeReply => ({
    body: {
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32029, message: `Limit per ${per} has been exceeded`, data: { mnemonic: 'limit_exceeded', metadata: { limits: reported } } },
    },
  });

  test('a fresh server\'s first fan-out goes at once: 20 persons never seen are 20 calls in flight together', async () => {
    const replica = await server(upstreams);
    const seen = watchInFlight(upstreams.comagic.fake, 100);
    const { body } = await personEntities(replica, 20);

    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toHaveLength(20);
    expect(comagicCalls(upstreams)).toEqual(Array(20).fill('get.person_visitors'));
    // Nothing waited for a first answer: each call found all the ones before it in flight.
    expect(seen.alreadyInFlight).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(seen.most).toBe(20);
  });

  test('an account of fewer points than assumed: the first fan-out learns them, and the next calls keep to what they told', async () => {
    // This fake allows 4 points a minute, fewer than the 60 assumed of a new account.
    const limitedUpstreams = await startUpstreams({ comagicMinuteLimit: 4 });
    try {
      const replica = await server(limitedUpstreams);
      const { body } = await personEntities(replica, 20);
      // 20 went at once: 4 answered, 16 were refused with limit_exceeded (which costs no points).
      const calls = limitedUpstreams.comagic.fake.calls;
      expect(calls).toHaveLength(20);
      expect(body.data?._entities.filter((entity: unknown) => entity !== null)).toHaveLength(4);
      const errors = body.errors ?? [];
      expect(errors).toHaveLength(16);
      for (const error of errors) {
        expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', upstream: { service: 'comagic', code: 'limit_exceeded' } });
        expect(error.extensions!.retryAfter).toBeGreaterThan(50);
        expect(error.extensions!.retryAfter).toBeLessThanOrEqual(60);
      }

      // What the answers told holds the next calls back: none is sent to fail.
      limitedUpstreams.comagic.fake.resetCalls();
      const next = await personEntities(replica, 5);
      expect(limitedUpstreams.comagic.fake.calls).toHaveLength(0);
      expect(next.body.errors).toHaveLength(5);
      for (const error of next.body.errors!) {
        expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', upstream: { service: 'comagic' } });
        expect(error.extensions!.upstream).not.toHaveProperty('code');
      }
    } finally {
      await limitedUpstreams.close();
    }
  });

  test('minute_remaining: 0 holds further calls instead of sending them to fail', async () => {
    // This fake allows 3 points a minute, so the budget runs out within the test.
    const limitedUpstreams = await startUpstreams({ comagicMinuteLimit: 3 });
    const replica = await server(limitedUpstreams);
    for (let i = 0; i < 3; i += 1) {
      const { body } = await replica.query(`{ person(id: "${personId()}") { id } }`);
      expect(body.errors).toBeUndefined();
    }
    const held = await replica.query(`{ person(id: "${personId()}") { id } }`);
    expect(held.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', upstream: { service: 'comagic' } });
    expect(held.body.errors![0]!.extensions!.retryAfter).toBeGreaterThan(2);
    // The minute's reset, reported in whole seconds, and a second for how it was rounded.
    expect(held.body.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(61);
    // Three calls were sent, and the fake never had to answer limit_exceeded.
    expect(comagicCalls(limitedUpstreams)).toHaveLength(3);
    await replica.close();
    await limitedUpstreams.close();
  });

  test('a budget that resets within the wait budget is waited for, then the call is sent', async () => {
    const replica = await server(upstreams);
    let answered = 0;
    upstreams.comagic.fake.intercept = (call) =>
      answered++ === 0
        ? {
            body: {
              jsonrpc: '2.0',
              id: (call.body as { id: unknown }).id,
              result: { metadata: { limits: { ...limits, minute_remaining: 0, minute_reset: 1 } }, data: [] },
            },
          }
        : { body: { jsonrpc: '2.0', id: 2, result: { metadata: { limits: { ...limits, minute_remaining: 100 } }, data: [] } } };
    await replica.query(`{ person(id: "${personId()}") { id } }`);
    const { body } = await replica.query(`{ person(id: "${personId()}") { id } }`);

    expect(body).toEqual({ data: { person: null } });
    const [first, second] = upstreams.comagic.fake.calls;
    expect(upstreams.comagic.fake.calls).toHaveLength(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  test('limit_exceeded is RATE_LIMITED with retryAfter from the reported reset, and holds the next calls', async () => {
    const replica = await server(upstreams);
    upstreams.comagic.fake.intercept = () => limitExceeded('minute', limits);
    const first = await replica.query(`{ person(id: "${personId()}") { id } }`);
    expect(first.body.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfter: 17,
      upstream: { service: 'comagic', code: 'limit_exceeded' },
    });
    expect(comagicCalls(upstreams)).toHaveLength(1);

    const held = await replica.query(`{ person(id: "${personId()}") { id } }`);
    expect(held.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(comagicCalls(upstreams)).toHaveLength(1);
  });

  test('an exhausted day reports the day reset', async () => {
    const replica = await server(upstreams);
    upstreams.comagic.fake.intercept = () => limitExceeded('day', { ...limits, day_remaining: 0, minute_remaining: 50 });
    const { body } = await replica.query(`{ person(id: "${personId()}") { id } }`);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 50000 });
    expect(body.errors![0]!.message).toContain('per day');
  });

  test('limit_exceeded with a reset inside the wait budget is retried once after it', async () => {
    const replica = await server(upstreams);
    let answered = 0;
    upstreams.comagic.fake.intercept = () =>
      answered++ === 0 ? limitExceeded('minute', { ...limits, minute_reset: 1 }) : undefined;
    const id = personId();
    const { body } = await replica.query(`{ person(id: "${id}") { id } }`);
    expect(body).toEqual({ data: { person: { id: String(id) } } });
    expect(comagicCalls(upstreams)).toHaveLength(2);
  });
});
