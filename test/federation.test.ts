import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createCoMagicDataset, FIRST_GENERATED_PERSON_ID, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { createHelpCrunchDataset, FIRST_GENERATED_CUSTOMER_ID } from '../src/upstreams/helpcrunch/sandboxData';
import { subgraphSdl } from '../src/graphql/schema';
import { buildGraphSchema } from '../src/server';
import { comagicCalls, helpcrunchCalls, postGraphQL, useTestServer, withTestServer } from './support/harness';

const t = useTestServer();

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Customer { id name }
    ... on Person { id visitors { id name } }
    ... on Visitor { id name person { id } }
  }
}`;

test('_entities resolves Customer, Person and Visitor through the same loaders', async () => {
  const { body } = await t.server.query(ENTITIES, {
    representations: [
      { __typename: 'Customer', id: '8737843' },
      { __typename: 'Person', id: String(SEED_PERSON_ID) },
      { __typename: 'Visitor', id: '6152759377' },
      { __typename: 'Customer', id: String(FIRST_GENERATED_CUSTOMER_ID) },
      { __typename: 'Customer', id: '999999999' },
    ],
  });

  expect(body.errors).toBeUndefined();
  expect(body.data?._entities).toEqual([
    { __typename: 'Customer', id: '8737843', name: 'Cindy Mindy' },
    {
      __typename: 'Person',
      id: String(SEED_PERSON_ID),
      visitors: [
        { id: '6152759362', name: 'Тест' },
        { id: '6152759377', name: '346356' },
      ],
    },
    { __typename: 'Visitor', id: '6152759377', name: '346356', person: { id: String(SEED_PERSON_ID) } },
    { __typename: 'Customer', id: String(FIRST_GENERATED_CUSTOMER_ID), name: expect.any(String) },
    null,
  ]);
  // Three customers in one search (plus a GET confirming the one it did not return);
  // the person once, although it is reached directly and through the visitor.
  expect(helpcrunchCalls(t.upstreams).sort()).toEqual(['GET /v1/customers/999999999', 'POST /v1/customers/search']);
  expect(comagicCalls(t.upstreams).sort()).toEqual(['get.person_visitors', 'getobj.person_for_visitor']);
});

test('a representation of a type this subgraph does not have, or not an object, fails alone', () =>
  withTestServer(t.upstreams, {}, async (server) => {
    const { status, body } = await server.query(
      'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Customer { id } } }',
      { r: [{ __typename: 'Customer', id: '8737843' }, { __typename: 'Order', id: '1' }, 'Customer:1', { id: '1' }] },
    );
    expect(status).toBe(200);
    expect(body.data?._entities).toEqual([{ __typename: 'Customer', id: '8737843' }, null, null, null]);
    expect(body.errors?.map((error) => [error.path, error.extensions?.code, error.message])).toEqual([
      [['_entities', 1], 'BAD_USER_INPUT', '_entities: this subgraph has no entity type "Order"'],
      [['_entities', 2], 'BAD_USER_INPUT', '_entities: each representation must be an object with a __typename'],
      [['_entities', 3], 'BAD_USER_INPUT', '_entities: each representation must be an object with a __typename'],
    ]);
  }));

describe('a bad key fails its own entity alone, at ["_entities", i], with BAD_USER_INPUT', () => {
  const GOOD = { Customer: '8737843', Person: String(SEED_PERSON_ID), Visitor: '6152759377' } as const;
  const BAD_KEYS: Array<[string, Record<string, unknown>, RegExp]> = [
    ['letters', { id: 'abc' }, /must be a positive integer, got "abc"/],
    ['no id', {}, /\.id is missing/],
    ['a null id', { id: null }, /\.id is missing/],
    ['a number', { id: 8737843 }, /must be an ID \(a string of digits\), got a number/],
    ['a fraction', { id: 12.5 }, /got a number/],
    ['a boolean', { id: true }, /got a boolean/],
    ['an object', { id: { nested: 1 } }, /must be an ID \(a string of digits\), got an object/],
    ['a list', { id: ['1'] }, /got a list/],
    ['an empty string', { id: '' }, /must be a positive integer, got ""/],
    ['a 20-digit id', { id: '12345678901234567890' }, /is too large/],
    ['10,000 characters', { id: '9'.repeat(10_000) }, /is too large: .*\(10000 characters\)$/],
  ];

  // A server of its own: the keys above must not fill the cache the other tests count calls against.
  test.each(Object.keys(GOOD) as Array<keyof typeof GOOD>)('%s', (typename) => withTestServer(t.upstreams, {}, async (server) => {
    const representations = [
      { __typename: typename, id: GOOD[typename] },
      ...BAD_KEYS.map(([, key]) => ({ __typename: typename, ...key })),
      { __typename: typename, id: GOOD[typename] },
    ];
    const { status, body } = await server.query(
      'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Customer { id } ... on Person { id } ... on Visitor { id } } }',
      { r: representations },
    );

    expect(status).toBe(200);
    const entities = body.data?._entities as unknown[];
    expect(entities).toHaveLength(representations.length);
    expect(entities[0]).toEqual({ __typename: typename, id: GOOD[typename] });
    expect(entities.at(-1)).toEqual({ __typename: typename, id: GOOD[typename] });
    expect(entities.slice(1, -1)).toEqual(BAD_KEYS.map(() => null));
    expect(body.errors?.map((error) => error.path)).toEqual(BAD_KEYS.map((_, index) => ['_entities', index + 1]));
    body.errors?.forEach((error, index) => {
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(new RegExp(`^${typename}\\.id `));
      expect(error.message).toMatch(BAD_KEYS[index]![2]);
    });
  }));
});

test('_service exposes the Federation 2 SDL with the three entity keys', async () => {
  const { body } = await t.server.query('{ _service { sdl } }');
  const sdl: string = body.data?._service.sdl;
  expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7"');
  expect(sdl).toMatch(/type Customer\s+@key\(fields: "id"\)/);
  expect(sdl).toMatch(/type Person\s+@key\(fields: "id"\)/);
  expect(sdl).toMatch(/type Visitor\s+@key\(fields: "id"\)/);
  expect(sdl).toContain('customers(ids: [ID!]!): [Customer]!');
});

test('npm run schema:print prints exactly what _service { sdl } serves', async () => {
  // Not execFileSync: blocking the event loop for the build would stall the server under test
  // and let its keep-alive sockets expire under the client's feet.
  const { stdout: printed } = await promisify(execFile)('npm', ['run', '--silent', 'schema:print'], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const { body } = await t.server.query('{ _service { sdl } }');
  expect(printed).toBe(`${body.data?._service.sdl}\n`);
}, 150_000);

describe('behind a real gateway, composed with an orders subgraph', () => {
  // 60 orders over 45 customers and 20 persons: repeats must not cost extra calls.
  const ORDERS = Array.from({ length: 60 }, (_, index) => ({
    id: `order-${index + 1}`,
    customerId: FIRST_GENERATED_CUSTOMER_ID + (index % 45),
    personId: FIRST_GENERATED_PERSON_ID + (index % 20),
  }));

  const ORDERS_SDL = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Order @key(fields: "id") {
      id: ID!
      customer: Customer
      person: Person
    }
    type Customer @key(fields: "id", resolvable: false) { id: ID! }
    type Person @key(fields: "id", resolvable: false) { id: ID! }
    type Query {
      orders: [Order!]!
      "The first orders, and one whose customer id is not a HelpCrunch id."
      ordersWithBadKey: [Order!]!
    }
  `;

  // Customers and persons none of ORDERS has, so that neither test fills the other's cache.
  const BAD_ORDER = { id: 'order-bad', customerId: 'abc', personId: FIRST_GENERATED_PERSON_ID + 50 };
  const GOOD_ORDERS = Array.from({ length: 10 }, (_, index) => ({
    id: `order-${100 + index}`,
    customerId: FIRST_GENERATED_CUSTOMER_ID + 100 + index,
    personId: FIRST_GENERATED_PERSON_ID + 40 + index,
  }));
  const WITH_BAD_KEY = [...GOOD_ORDERS.slice(0, 5), BAD_ORDER, ...GOOD_ORDERS.slice(5)];
  type OrderRow = { id: string; customerId: number | string; personId: number };

  let orders: ApolloServer;
  let gateway: ApolloServer;
  let gatewayUrl: string;

  beforeAll(async () => {
    orders = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: parse(ORDERS_SDL),
        resolvers: {
          Query: { orders: () => ORDERS, ordersWithBadKey: () => WITH_BAD_KEY },
          Order: {
            customer: (order: OrderRow) => ({ __typename: 'Customer', id: String(order.customerId) }),
            person: (order: OrderRow) => ({ __typename: 'Person', id: String(order.personId) }),
          },
        },
      }),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    const ordersUrl = (await startStandaloneServer(orders, { listen: { port: 0, host: '127.0.0.1' } })).url;

    // What `rover supergraph compose` does, from the SDL this subgraph publishes.
    const composed = composeServices([
      { name: 'contacts', url: `${t.server.url}/graphql`, typeDefs: parse(await subgraphSdl(buildGraphSchema())) },
      { name: 'orders', url: ordersUrl, typeDefs: parse(ORDERS_SDL) },
    ]);
    expect(composed.errors).toBeUndefined();

    gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl! }) });
    gatewayUrl = (await startStandaloneServer(gateway, { listen: { port: 0, host: '127.0.0.1' } })).url;
  });

  afterAll(async () => {
    await gateway?.stop();
    await orders?.stop();
  });

  test('60 orders with their customers and their persons’ visitors: one search, one call per person', async () => {
    const response = await postGraphQL(
      gatewayUrl.replace(/\/$/, ''),
      `{ orders { id customer { id name email } person { id visitors { id name emails } } } }`,
    );
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();

    const customers = createHelpCrunchDataset().customers;
    const persons = createCoMagicDataset().persons;
    expect(response.body.data?.orders).toEqual(
      ORDERS.map((order) => {
        const customer = customers.get(order.customerId)!;
        return {
          id: order.id,
          customer: { id: String(order.customerId), name: customer.name, email: customer.email },
          person: {
            id: String(order.personId),
            visitors: persons.get(order.personId)!.map((row) => ({
              id: String(row.visitor_id),
              name: row.name,
              emails: row.emails ?? [],
            })),
          },
        };
      }),
    );

    expect(helpcrunchCalls(t.upstreams)).toEqual(['POST /v1/customers/search']);
    const personCalls = t.upstreams.comagic.fake.calls.map((call) => call.body as { method: string; params: { person_id: number } });
    expect(personCalls.every((call) => call.method === 'get.person_visitors')).toBe(true);
    expect(personCalls.map((call) => call.params.person_id).sort()).toEqual(
      [...new Set(ORDERS.map((order) => order.personId))].sort(),
    );
  });

  test('an order with a bad customer key loses that customer only: every other customer and every person stands', async () => {
    const response = await postGraphQL(
      gatewayUrl.replace(/\/$/, ''),
      `{ ordersWithBadKey { id customer { id name } person { id visitors { id } } } }`,
    );
    expect(response.status).toBe(200);

    const customers = createHelpCrunchDataset().customers;
    const persons = createCoMagicDataset().persons;
    expect(response.body.data?.ordersWithBadKey).toEqual(
      WITH_BAD_KEY.map((order) => ({
        id: order.id,
        customer:
          // The key comes from the orders subgraph; only what this one resolves is missing.
          order === BAD_ORDER
            ? { id: 'abc', name: null }
            : { id: String(order.customerId), name: customers.get(order.customerId as number)!.name },
        person: {
          id: String(order.personId),
          visitors: persons.get(order.personId)!.map((row) => ({ id: String(row.visitor_id) })),
        },
      })),
    );
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors?.[0]).toMatchObject({
      message: 'Customer.id must be a positive integer, got "abc"',
      path: ['ordersWithBadKey', WITH_BAD_KEY.indexOf(BAD_ORDER), 'customer'],
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
