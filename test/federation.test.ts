import { FIRST_GENERATED_CUSTOMER_ID, SEED_PERSON_ID } from '../src/sandbox/data';
import { comagicCalls, helpcrunchCalls, useTestServer } from './support/harness';

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
