import { isObjectType } from 'graphql';
import { personVisitorsSchema } from '../src/upstreams/comagic/person';
import { customerSchema } from '../src/upstreams/helpcrunch/customer';
import { mergedResolvers } from '../src/graphql/resolvers';
import { SEED_PERSON_ID, SEED_PERSON_VISITORS } from '../src/upstreams/comagic/sandboxData';
import { createHelpCrunchDataset, SEED_CUSTOMER } from '../src/upstreams/helpcrunch/sandboxData';
import { chatSchema, messagePageSchema } from '../src/upstreams/helpcrunch/chat';
import { SEED_CHAT_IDS } from '../src/upstreams/helpcrunch/sandboxChats';
import { callOf, offlineMessageOf, visitorChatOf } from '../src/upstreams/comagic/communication';
import { createCoMagicDataset } from '../src/upstreams/comagic/sandboxData';
import { SANDBOX_TIME_ZONE } from '../src/upstreams/comagic/sandboxReports';
import { wireCallSchema, wireChatRowSchema, wireOfflineMessageSchema } from '../src/upstreams/comagic/wire';
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

// The seed customer's chats and the seed person's communications, as the sandboxes serve them.
const helpcrunch = createHelpCrunchDataset(0);
const chats = SEED_CHAT_IDS.map((id) => chatSchema.parse(helpcrunch.chats.get(id)));
const chat = chats.find((candidate) => candidate.department !== null)!;
const messages = messagePageSchema.parse({ data: helpcrunch.messages.get(Number(chat.id)), total: 3 }).messages;
const comagic = createCoMagicDataset(0, 1);
const communications = [
  callOf(wireCallSchema.parse(comagic.calls.find((row) => (row.employees as unknown[]).length > 0)), SANDBOX_TIME_ZONE),
  visitorChatOf(wireChatRowSchema.parse(comagic.chats[0]), SANDBOX_TIME_ZONE),
  offlineMessageOf(wireOfflineMessageSchema.parse(comagic.offlineMessages[0]), SANDBOX_TIME_ZONE),
];
const resolved = mergedResolvers([...UPSTREAMS, ...LINKS]) as Record<string, Record<string, (...args: any[]) => any>>;
const info = { path: { key: 'timeline' }, fieldNodes: [], cacheControl: { setCacheHint: () => undefined, cacheHint: { restrict: () => undefined } } };

beforeAll(async () => {
  const chatConnection = await resolved.Customer!.chats!(customer, {}, { chatsOfCustomer: { load: async () => chats }, historyTtlSeconds: 30 }, info);
  const messageConnection = await resolved.Chat!.messages!(chat, {}, { messagePages: { load: async () => ({ messages, total: 3 }) }, historyTtlSeconds: 30 }, info);
  const communicationConnection = await resolved.Person!.communications!({ id: '1' }, {}, {
    reportRange: () => ({ from: 0, to: Date.now() + 86_400_000 }),
    communications: { loadMany: async (keys: string[]) => keys.map((key) => communications.filter((item) => key.startsWith(item.kind))) },
    historyTtlSeconds: 30,
  }, info);
  const timeline = await resolved.Customer!.timeline!(customer, {}, {
    reportRange: () => ({ from: 0, to: Date.now() + 86_400_000 }),
    chatsOfCustomer: { loadMany: async () => [chats] },
    communications: { loadMany: async (keys: string[]) => keys.map((key) => communications.filter((item) => key.startsWith(item.kind))) },
    partial: { record: () => undefined },
    historyTtlSeconds: 30,
  }, info);
  Object.assign(domainObjects, {
    Chat: chat,
    Agent: chat.assignee,
    Department: chat.department,
    Message: messages.find((message) => message.agent !== null),
    ChatConnection: chatConnection,
    ChatEdge: chatConnection.edges[0],
    MessageConnection: messageConnection,
    MessageEdge: messageConnection.edges[0],
    Call: communications[0],
    VisitorChat: communications[1],
    OfflineMessage: communications[2],
    Employee: (communications[0] as { employees: object[] }).employees[0],
    CommunicationConnection: communicationConnection,
    CommunicationEdge: communicationConnection.edges[0],
    Timeline: timeline,
    TimelineEdge: timeline.edges[0],
  });
  expect(timeline.edges.map((edge: { source: string }) => edge.source)).toEqual(expect.arrayContaining(['HELPCRUNCH', 'COMAGIC']));

  // A connection as searchCustomers builds it, around the seed customer.
  const searchCustomers = (mergedResolvers([...UPSTREAMS, ...LINKS]).Query as Record<string, unknown>).searchCustomers as (...args: unknown[]) => Promise<{ edges: object[]; pageInfo: object }>;
  const context = { customerSearch: async () => ({ customers: [customer], total: 1 }) };
  const connection = await searchCustomers({}, { filter: { city: 'Kyiv' } }, context, {});
  Object.assign(domainObjects, { CustomerConnection: connection, CustomerEdge: connection.edges[0], PageInfo: connection.pageInfo });

  // The mutations' payloads as their resolvers build them: one done, one refused before any call.
  const writing = {
    customerWrites: { scope: 'helpcrunch:test', update: async () => ({ done: customer }), before: async () => customer, remove: async () => ({ done: true }) },
    writes: { once: async (write: { send(): Promise<unknown> }) => ({ result: await write.send(), replayed: false }), invalidate: async () => undefined },
  };
  const mutationInfo = { path: { key: 'write' } };
  const updated = await resolved.Mutation!.updateCustomer!({}, { id: customer.id, input: { name: 'New Name' } }, writing, mutationInfo);
  const refused = await resolved.Mutation!.createCustomer!({}, { input: { email: 'not an email' } }, writing, mutationInfo);
  const deleted = await resolved.Mutation!.deleteCustomer!({}, { id: customer.id }, writing, mutationInfo);
  expect([updated.customer, refused.userErrors.length, deleted.deletedCustomerId]).toEqual([customer, 1, customer.id]);
  Object.assign(domainObjects, { CustomerPayload: updated, CustomerUserError: refused.userErrors[0], DeleteCustomerPayload: deleted });
});

const schema = buildGraphSchema();
/** The object types this subgraph serves: not the roots, federation's or introspection's own. */
const servedTypes = Object.values(schema.getTypeMap())
  .filter(isObjectType)
  .filter((type) => !type.name.startsWith('_') && type !== schema.getQueryType() && type !== schema.getMutationType());

test('every object type the schema serves is resolved from a domain type, or built by a resolver', () => {
  expect(servedTypes.map((type) => type.name).sort()).toEqual(Object.keys(domainObjects).sort());
});

test.each(servedTypes.map((type) => [type.name, type] as const))('every field of %s is in its domain type or has a resolver', (name, type) => {
  const own = mergedResolvers([...UPSTREAMS, ...LINKS])[name] as Record<string, unknown> | undefined;
  const unfilled = Object.keys(type.getFields()).filter((field) => !(field in domainObjects[name]!) && own?.[field] === undefined);
  expect(unfilled).toEqual([]);
});
