import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { createClient } from '@keyv/redis';
import { LINKED_CONTACTS } from '../src/sandbox/random';
import { createCoMagicDataset, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { createHelpCrunchDataset, FIRST_GENERATED_CUSTOMER_ID, FIRST_LINKED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import { COMAGIC_TOKEN, HELPCRUNCH_KEY, helpcrunchCalls, startTestServer, startUpstreams, type TestServer, type Upstreams } from './support/harness';
import { startRedisServer, type RedisServer } from './support/redis';

/** The seed person's customer linked by its email alone (`Test@1.ry`). */
const LINKED_BY_EMAIL = FIRST_LINKED_CUSTOMER_ID + LINKED_CONTACTS;

const helpcrunch = createHelpCrunchDataset();
let redis: RedisServer;
let upstreams: Upstreams;
/** Two replicas sharing one Redis, as behind a router. */
let replicaA: TestServer;
let replicaB: TestServer;

beforeAll(async () => {
  redis = await startRedisServer();
  upstreams = await startUpstreams({
    helpcrunchAccounts: { [HELPCRUNCH_KEY]: helpcrunch },
    comagicAccounts: { [COMAGIC_TOKEN]: createCoMagicDataset() },
  });
  // Long TTLs: what B serves after A's write can only be new because the write dropped the old.
  const env = { CACHE_URL: redis.url, CACHE_TIMEOUT_MS: '500', CACHE_TTL_SECONDS: '3600', CACHE_NOT_FOUND_TTL_SECONDS: '3600' };
  replicaA = await startTestServer(upstreams, env);
  replicaB = await startTestServer(upstreams, env);
});
beforeEach(() => upstreams.reset());
afterAll(async () => {
  await Promise.all([replicaA, replicaB].map((replica) => replica?.close()));
  await upstreams?.close();
  await redis?.stop();
});

const update = (replica: TestServer, id: number, input: Record<string, unknown>, headers?: Record<string, string>) =>
  replica.query(`mutation ($input: UpdateCustomerInput!) { updateCustomer(id: "${id}", input: $input) { customer { id name email } userErrors { field code } replayed } }`, { input }, headers);

/** The request's log line: whether the response cache answered it. */
async function servedFrom(replica: TestServer, requestId: string): Promise<string | undefined> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const line = replica.logs.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry.requestId === requestId && entry.msg === 'request completed');
    if (line || Date.now() > deadline) return line?.responseCache as string | undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("after a write on one replica, the other serves the new customer: its memory's answer, the shared answer and the entity entry are all dropped", async () => {
  const id = FIRST_GENERATED_CUSTOMER_ID + 60;
  const card = `{ customer(id: "${id}") { id name } }`;
  const other = `{ customers(ids: ["${id}"]) { id name company } }`;
  const old = (await replicaB.query(card)).body.data!.customer.name;
  await replicaB.query(other);
  // B now answers the card from its own memory.
  const hit = await replicaB.query(card, undefined, { 'x-request-id': 'card-before' });
  expect(await servedFrom(replicaB, 'card-before')).toBe('hit');
  expect(hit.body.data!.customer.name).toBe(old);

  const written = await update(replicaA, id, { name: 'Written On A' });
  expect(written.body.data!.updateCustomer.customer.name).toBe('Written On A');
  upstreams.reset();

  const after = await replicaB.query(card, undefined, { 'x-request-id': 'card-after' });
  expect(after.body.data!.customer.name).toBe('Written On A');
  expect(await servedFrom(replicaB, 'card-after')).toBe('miss');
  // The writer stored the customer its write answered: B reads it from the entity cache, with no call.
  expect(helpcrunchCalls(upstreams)).toEqual([]);
  expect((await replicaB.query(other)).body.data!.customers[0].name).toBe('Written On A');
  expect((await replicaA.query(card)).body.data!.customer.name).toBe('Written On A');
});

test("a contact's link follows the customer's email on every replica: the old email's link and the new one's are both dropped", async () => {
  const linked = `{ person(id: "${SEED_PERSON_ID}") { customers { id name } } }`;
  const ids = async () => ((await replicaB.query(linked)).body.data!.person.customers as Array<{ id: string }>).map((customer) => Number(customer.id));
  expect(await ids()).toContain(LINKED_BY_EMAIL);

  // Moved away from the person's email: B's answer, and the email's stored link, no longer hold it.
  await update(replicaA, LINKED_BY_EMAIL, { email: 'moved.away@example.net' });
  expect(await ids()).not.toContain(LINKED_BY_EMAIL);

  // Back to it (in another case): the link B stored meanwhile, without the customer, is dropped too.
  await update(replicaA, LINKED_BY_EMAIL, { email: 'TEST@1.ry' });
  expect(await ids()).toContain(LINKED_BY_EMAIL);

  // A change of a field the link shows reaches the linked list's answer and stored copies too.
  await update(replicaA, LINKED_BY_EMAIL, { name: 'Renamed Link' });
  const customers = (await replicaB.query(linked)).body.data!.person.customers as Array<{ id: string; name: string }>;
  expect(customers.find((customer) => Number(customer.id) === LINKED_BY_EMAIL)!.name).toBe('Renamed Link');
});

test("a new customer appears in every replica's searches at once", async () => {
  const search = `{ searchCustomers(filter: { name: { contains: "Zebediah" } }) { totalCount edges { node { name } } } }`;
  expect((await replicaB.query(search)).body.data!.searchCustomers.totalCount).toBe(0);
  expect((await replicaB.query(search)).body.data!.searchCustomers.totalCount).toBe(0);
  const created = await replicaA.query(`mutation { createCustomer(input: { name: "Zebediah Write" }) { customer { id } userErrors { code } } }`);
  expect(created.body.data!.createCustomer.userErrors).toEqual([]);
  expect((await replicaB.query(search)).body.data!.searchCustomers.edges).toEqual([{ node: { name: 'Zebediah Write' } }]);
});

test("a deleted customer is not found on any replica, though B had it cached", async () => {
  const id = FIRST_GENERATED_CUSTOMER_ID + 61;
  const card = `{ customer(id: "${id}") { id } }`;
  expect((await replicaB.query(card)).body.data!.customer).toEqual({ id: String(id) });
  await replicaA.query(`mutation { deleteCustomer(id: "${id}") { deletedCustomerId } }`);
  expect((await replicaB.query(card)).body.data!.customer).toBeNull();
});

test('an Idempotency-Key is kept in Redis: the first result is answered again by the other replica, with nothing sent', async () => {
  const id = FIRST_GENERATED_CUSTOMER_ID + 62;
  const key = { 'idempotency-key': '5b0e7f9e-replicas' };
  const first = await update(replicaA, id, { name: 'Keyed Once' }, key);
  const again = await update(replicaB, id, { name: 'Keyed Once' }, key);
  expect(again.body.data!.updateCustomer).toEqual({ ...first.body.data!.updateCustomer, replayed: true });
  expect(helpcrunchCalls(upstreams).filter((call) => call.startsWith('PATCH'))).toEqual([`PATCH /v1/customers/${id}`]);
});

test('of two requests with one key at once, one writes and the other hears that the key is in use', async () => {
  const id = FIRST_GENERATED_CUSTOMER_ID + 63;
  const key = { 'idempotency-key': 'concurrent-3f2a' };
  upstreams.helpcrunch.fake.latencyMs = 200;
  const [a, b] = await Promise.all([update(replicaA, id, { name: 'Raced' }, key), update(replicaB, id, { name: 'Raced' }, key)]);
  const outcomes = [a, b].map((response) => response.body.errors?.[0]?.extensions?.code ?? 'written').sort();
  expect(outcomes).toEqual(['IDEMPOTENCY_KEY_IN_USE', 'written']);
  expect(helpcrunchCalls(upstreams).filter((call) => call.startsWith('PATCH'))).toHaveLength(1);
});

test.each([
  // The same query again reads the answer; another one reads the entity entry.
  ['the answer', 64, (id: number) => `{ customer(id: "${id}") { id name } }`],
  ['the entity entry', 65, (id: number) => `{ customers(ids: ["${id}"]) { id name } }`],
])('a read that began before a write and ended after it stores nothing of what it read: %s', async (what, offset, query) => {
  const id = FIRST_GENERATED_CUSTOMER_ID + offset;
  const again = what === 'the answer' ? query(id) : `{ customer(id: "${id}") { name email } }`;
  const asItWas = structuredClone(helpcrunch.customers.get(id));
  // B's read reaches HelpCrunch before A's write, and its answer comes back after the write has answered.
  upstreams.helpcrunch.fake.intercept = (call) => (call.method === 'GET' && call.path === `/v1/customers/${id}` ? { body: asItWas, delayMs: 400 } : undefined);
  const slow = replicaB.query(query(id));
  await new Promise((resolve) => setTimeout(resolve, 100));
  await update(replicaA, id, { name: 'Written Meanwhile' });
  expect(JSON.stringify((await slow).body.data)).toContain(String(asItWas!.name));
  upstreams.helpcrunch.fake.intercept = undefined;
  await new Promise((resolve) => setTimeout(resolve, 50));
  upstreams.reset();
  expect(JSON.stringify((await replicaB.query(again)).body.data)).toContain('Written Meanwhile');
});

test('while Redis is down a replica keeps answering from its memory, and drops all of it once it hears again: it may have missed a write', async () => {
  const id = FIRST_GENERATED_CUSTOMER_ID + 66;
  const card = `{ customer(id: "${id}") { id name } }`;
  const old = (await replicaB.query(card)).body.data!.customer.name;
  await replicaB.query(card, undefined, { 'x-request-id': 'kept-before-loss' });
  expect(await servedFrom(replicaB, 'kept-before-loss')).toBe('hit');

  const heardAgain = () => replicaB.logs.filter((line) => line.includes('hearing invalidations again')).length;
  const before = heardAgain();
  // Redis goes away (and comes back empty): B cannot hear the write A makes meanwhile.
  await redis.stop();
  try {
    expect((await update(replicaA, id, { name: 'Written Unheard' })).body.data!.updateCustomer.customer.name).toBe('Written Unheard');
    // Its memory is what keeps B answering while Redis is down: the write is not heard yet.
    expect((await replicaB.query(card)).body.data!.customer.name).toBe(old);
  } finally {
    await redis.start();
  }
  for (const deadline = Date.now() + 10_000; heardAgain() === before && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(heardAgain()).toBe(before + 1);
  expect((await replicaB.query(card)).body.data!.customer.name).toBe('Written Unheard');
  // The writer dropped its own memory's copy though Redis failed, and said so.
  expect((await replicaA.query(card)).body.data!.customer.name).toBe('Written Unheard');
  expect(replicaA.logs.some((line) => line.includes('could not drop every cached copy'))).toBe(true);
});

test('a write whose replica could not reach Redis drops what it changed once it can: the others then serve the new customer', async () => {
  const proxy = await startProxy(redis.port);
  // C reaches Redis through a link that can be cut; B reaches it directly, and keeps it.
  const replicaC = await startTestServer(upstreams, { CACHE_URL: `redis://127.0.0.1:${proxy.port}`, CACHE_TIMEOUT_MS: '300', CACHE_TTL_SECONDS: '3600' });
  try {
    const id = FIRST_GENERATED_CUSTOMER_ID + 68;
    const card = `{ customer(id: "${id}") { id name } }`;
    const old = (await replicaB.query(card)).body.data!.customer.name;
    proxy.cut();
    expect((await update(replicaC, id, { name: 'Written Cut Off' })).body.data!.updateCustomer.customer.name).toBe('Written Cut Off');
    expect((await replicaB.query(card)).body.data!.customer.name).toBe(old);
    proxy.restore();
    const made = () => replicaC.logs.some((line) => line.includes('an invalidation Redis did not take has now been made'));
    for (const deadline = Date.now() + 15_000; !made() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(made()).toBe(true);
    expect((await replicaB.query(card)).body.data!.customer.name).toBe('Written Cut Off');
  } finally {
    proxy.restore();
    await replicaC.close();
    await proxy.close();
  }
});

/** A TCP link to Redis that a test can cut (every connection dropped, new ones refused) and restore. */
async function startProxy(port: number) {
  const sockets = new Set<Socket>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('a write answers once every replica has said it dropped its copies; one that never says so is waited for only the cache timeout', async () => {
  const id = FIRST_GENERATED_CUSTOMER_ID + 69;
  const listener = createClient({ url: redis.url });
  const speaker = createClient({ url: redis.url });
  await Promise.all([listener.connect(), speaker.connect()]);
  try {
    // A replica slow to drop its copies: it says so 150 ms after it heard.
    let confirmedAt = 0;
    await listener.subscribe('contact-graph:invalidate', (message) => {
      const { from, id: invalidation } = JSON.parse(message) as { from: string; id: string };
      setTimeout(() => {
        confirmedAt = Date.now();
        void speaker.publish(`contact-graph:invalidated:${from}`, invalidation);
      }, 150);
    });
    await update(replicaA, id, { name: 'Confirmed By All' });
    expect(confirmedAt).toBeGreaterThan(0);

    // One that never says so: the write answers all the same, and the writer says which did not.
    await listener.unsubscribe('contact-graph:invalidate');
    await listener.subscribe('contact-graph:invalidate', () => undefined);
    const written = await update(replicaA, id, { name: 'Confirmed By Some' });
    expect(written.body.data!.updateCustomer.customer.name).toBe('Confirmed By Some');
    expect(replicaA.logs.some((line) => line.includes('not every replica confirmed an invalidation in time'))).toBe(true);
  } finally {
    await Promise.all([listener.quit(), speaker.quit()]);
  }
});
