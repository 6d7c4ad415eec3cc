import { HeldEntities } from '../src/cache/invalidation';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { trace } from '@opentelemetry/api';
import { EntityCache } from '../src/cache/entityCache';
import { StaleEntities } from '../src/cache/staleData';
import { createLogger } from '../src/logger';
import { loadServerConfig } from '../src/server';
import { Metrics } from '../src/metrics';
import { UpstreamConnection } from '../src/transport/http';
import { helpcrunchAccounts } from '../src/upstreams/helpcrunch/account';
import { createHelpCrunchLoaders } from '../src/upstreams/helpcrunch/loaders';
import { startHelpCrunchSandbox, type HelpCrunchSandbox } from '../src/upstreams/helpcrunch/sandbox';
import { createHelpCrunchDataset } from '../src/upstreams/helpcrunch/sandboxData';

// One request's HelpCrunch loaders, over the sandbox. By default their entity cache keeps
// nothing fresh: what they share within the request is theirs alone.

const KEY = 'hc-loaders-test-key-71c0';
let sandbox: HelpCrunchSandbox;
let connection: UpstreamConnection;

beforeAll(async () => {
  sandbox = await startHelpCrunchSandbox({ accounts: { [KEY]: createHelpCrunchDataset() }, rateLimitPerMinute: 0 });
  connection = new UpstreamConnection('helpcrunch', sandbox.url);
});
afterAll(async () => {
  await connection.close();
  await sandbox.close();
});
beforeEach(() => sandbox.fake.resetCalls());

function requestLoaders(cache = new EntityCache(new InMemoryLRUCache<string>(), { foundSeconds: 0, notFoundSeconds: 0, historySeconds: 30, staleSeconds: 0 })) {
  const config = loadServerConfig({ NODE_ENV: 'test', HELPCRUNCH_API_URL: sandbox.url, HELPCRUNCH_API_KEY: KEY, HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '100000' });
  const metrics = new Metrics();
  const client = helpcrunchAccounts(config.upstreams.helpcrunch, config, { connection, redis: undefined, logger: createLogger('silent', []), metrics, tracer: trace.getTracer('test') })(KEY, 'fp');
  const request = { call: { requestId: 'r-1', upstreamCalls: {} }, stale: new StaleEntities(), held: new HeldEntities(), metrics, tracer: trace.getTracer('test') };
  return createHelpCrunchLoaders(client, cache, 'fp', request);
}

test('a customer a search found is known by id to the rest of the request, at no call', async () => {
  const loaders = requestLoaders();
  const page = await loaders.customerSearch({ comparison: 'AND', filter: [{ field: 'customers.countryCode', operator: '=', value: 'UA' }], limit: 3, offset: 0 });
  expect(page.customers).toHaveLength(3);
  const calls = sandbox.fake.calls.length;
  const byId = await loaders.customers.loadMany(page.customers.map((customer) => Number(customer.id)));
  expect(byId).toEqual(page.customers);
  expect(sandbox.fake.calls.length).toBe(calls);
  // A customer it did not find still costs its call.
  const other = await loaders.customers.load(1_000_299);
  expect(other?.id).toBe('1000299');
  expect(sandbox.fake.calls.length).toBe(calls + 1);
});

test('so does every customer a contact search found', async () => {
  const loaders = requestLoaders();
  const [linked] = await loaders.customersByContact.loadMany(['email:test@1.ry']);
  expect(linked).toEqual([expect.objectContaining({ email: 'Test@1.ry' })]);
  const calls = sandbox.fake.calls.length;
  const customer = (linked as Array<{ id: string }>)[0]!;
  expect(await loaders.customers.load(Number(customer.id))).toEqual(customer);
  expect(sandbox.fake.calls.length).toBe(calls);
});

test('and to the next request, through the entity cache', async () => {
  const cache = new EntityCache(new InMemoryLRUCache<string>(), { foundSeconds: 60, notFoundSeconds: 10, historySeconds: 30, staleSeconds: 0 });
  const page = await requestLoaders(cache).customerSearch({ comparison: 'AND', filter: [{ field: 'customers.city', operator: '=', value: 'Berlin' }], limit: 2, offset: 0 });
  expect(page.customers).toHaveLength(2);
  await cache.settled();
  const calls = sandbox.fake.calls.length;
  expect(await requestLoaders(cache).customers.loadMany(page.customers.map((customer) => Number(customer.id)))).toEqual(page.customers);
  expect(sandbox.fake.calls.length).toBe(calls);
});
