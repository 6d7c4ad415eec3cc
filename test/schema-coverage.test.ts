import { isObjectType } from 'graphql';
import { personVisitorsSchema } from '../src/upstreams/comagic/person';
import { customerSchema } from '../src/upstreams/helpcrunch/customer';
import { mergedResolvers } from '../src/graphql/resolvers';
import { SEED_PERSON_ID, SEED_PERSON_VISITORS } from '../src/upstreams/comagic/sandboxData';
import { SEED_CUSTOMER } from '../src/upstreams/helpcrunch/sandboxData';
import { LINKS } from '../src/links';
import { buildGraphSchema } from '../src/server';
import { UPSTREAMS } from '../src/upstreams';

// What each GraphQL type is resolved from, as the wire schemas make it from the seed documents.
const customer = customerSchema.parse(SEED_CUSTOMER);
const visitors = personVisitorsSchema.parse({ data: SEED_PERSON_VISITORS });
const domainObjects: Record<string, object> = {
  Customer: customer,
  Location: customer.location!,
  Device: customer.device!,
  Tag: customer.tags[0]!,
  Person: { id: String(SEED_PERSON_ID), visitors },
  Visitor: visitors[0]!,
};

beforeAll(async () => {
  // A connection as searchCustomers builds it, around the seed customer.
  const searchCustomers = (mergedResolvers([...UPSTREAMS, ...LINKS]).Query as Record<string, unknown>).searchCustomers as (...args: unknown[]) => Promise<{ edges: object[]; pageInfo: object }>;
  const context = { customerSearch: async () => ({ customers: [customer], total: 1 }) };
  const connection = await searchCustomers({}, { filter: { city: 'Kyiv' } }, context, {});
  Object.assign(domainObjects, { CustomerConnection: connection, CustomerEdge: connection.edges[0], PageInfo: connection.pageInfo });
});

const schema = buildGraphSchema();
/** The object types this subgraph serves: not the root, federation's or introspection's own. */
const servedTypes = Object.values(schema.getTypeMap())
  .filter(isObjectType)
  .filter((type) => !type.name.startsWith('_') && type !== schema.getQueryType());

test('every object type the schema serves is resolved from a domain type, or built by a resolver', () => {
  expect(servedTypes.map((type) => type.name).sort()).toEqual(Object.keys(domainObjects).sort());
});

test.each(servedTypes.map((type) => [type.name, type] as const))('every field of %s is in its domain type or has a resolver', (name, type) => {
  const own = mergedResolvers([...UPSTREAMS, ...LINKS])[name] as Record<string, unknown> | undefined;
  const unfilled = Object.keys(type.getFields()).filter((field) => !(field in domainObjects[name]!) && own?.[field] === undefined);
  expect(unfilled).toEqual([]);
});
