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
import {
  createCoMagicDataset,
  createHelpCrunchDataset,
  FIRST_GENERATED_CUSTOMER_ID,
  FIRST_GENERATED_PERSON_ID,
  SEED_PERSON_ID,
} from '../src/sandbox/data';
import { subgraphSdl } from '../src/schema';
import { comagicCalls, helpcrunchCalls, postGraphQL, useTestServer } from './support/harness';

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
    type Query { orders: [Order!]! }
  `;

  let orders: ApolloServer;
  let gateway: ApolloServer;
  let gatewayUrl: string;

  beforeAll(async () => {
    orders = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: parse(ORDERS_SDL),
        resolvers: {
          Query: { orders: () => ORDERS },
          Order: {
            customer: (order: (typeof ORDERS)[number]) => ({ __typename: 'Customer', id: String(order.customerId) }),
            person: (order: (typeof ORDERS)[number]) => ({ __typename: 'Person', id: String(order.personId) }),
          },
        },
      }),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    const ordersUrl = (await startStandaloneServer(orders, { listen: { port: 0, host: '127.0.0.1' } })).url;

    // What `rover supergraph compose` does, from the SDL this subgraph publishes.
    const composed = composeServices([
      { name: 'contacts', url: `${t.server.url}/graphql`, typeDefs: parse(await subgraphSdl()) },
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
});
