import { SEED_CUSTOMER, type HelpCrunchDataset, type RawCustomer } from '../src/upstreams/helpcrunch/sandboxData';
import { HELPCRUNCH_KEY, startTestServer, startUpstreams, type TestServer, type Upstreams } from './support/harness';

const ALL_FIELDS = `
  id name email userId company phone firstSeen lastSeen
  location { regionCode countryCode city }
  device { id ip timezone platform userAgent }
  unsubscribed blocked source referer locale notes lastPage
  tags { name color }
  customData createdFrom integrationId
`;

function variant(id: number, fields: Partial<RawCustomer>): RawCustomer {
  return { ...structuredClone(SEED_CUSTOMER), id, ...fields };
}

const dataset: HelpCrunchDataset = {
  customers: new Map(
    [
      structuredClone(SEED_CUSTOMER),
      variant(101, { firstSeen: '1588927354', lastSeen: '1591627673' }),
      variant(102, { firstSeen: null, lastSeen: null }),
      variant(103, {
        customData: [
          { property: 'Currency', value: 'EUR' },
          { property: 'Number of payments', value: 2 },
          { property: 'Billing info added', value: false },
        ],
      }),
      variant(104, {
        phone: 380501234567,
        userId: 42,
        tags: null,
        location: null,
        device: null,
        customData: null,
        createdFrom: 'api',
        integrationId: 77,
      }),
    ].map((customer) => [customer.id, customer]),
  ),
  chats: new Map(),
  messages: new Map(),
};

let upstreams: Upstreams;
let server: TestServer;

beforeAll(async () => {
  upstreams = await startUpstreams({ helpcrunchAccounts: { [HELPCRUNCH_KEY]: dataset } });
  server = await startTestServer(upstreams);
});
afterAll(async () => {
  await server.close();
  await upstreams.close();
});

test('every field of the documented example maps to Customer', async () => {
  const { body } = await server.query(`{ customer(id: "8737843") { ${ALL_FIELDS} } }`);
  expect(body.errors).toBeUndefined();
  expect(body.data?.customer).toEqual({
    id: '8737843',
    name: 'Cindy Mindy',
    email: 'cindy.mindy@example.com',
    userId: 'example_6268',
    company: 'example',
    phone: null,
    firstSeen: '2020-05-08T08:42:34.000Z',
    lastSeen: '2020-06-08T14:47:53.000Z',
    location: { regionCode: 'CA', countryCode: 'US', city: 'San Francisco' },
    device: {
      id: '28883192',
      ip: '192.168.1.1',
      timezone: 'America/Los Angeles',
      platform: 'desktop',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36',
    },
    unsubscribed: false,
    blocked: false,
    source: 'http://helpcrunch.com/blog/best-live-chat-software/',
    referer: 'https://www.google.com/',
    locale: 'en',
    notes: null,
    lastPage: 'https://example.helpcrunch.com/v2/chats',
    tags: [{ name: 'lead', color: '#00c2e0' }],
    customData: {
      Currency: 'USD',
      'Next payment date': '2020-09-01 00:40:00',
      'Billing info added': true,
      'Number of payments': 35,
      'Subscription status': 'active',
    },
    createdFrom: null,
    integrationId: null,
  });
});

test('timestamps sent as integers, numeric strings and null all become DateTime', async () => {
  const { body } = await server.query(`{
    int: customer(id: "8737843") { firstSeen lastSeen }
    text: customer(id: "101") { firstSeen lastSeen }
    none: customer(id: "102") { firstSeen lastSeen }
  }`);
  expect(body.errors).toBeUndefined();
  expect(body.data).toEqual({
    int: { firstSeen: '2020-05-08T08:42:34.000Z', lastSeen: '2020-06-08T14:47:53.000Z' },
    text: { firstSeen: '2020-05-08T08:42:34.000Z', lastSeen: '2020-06-08T14:47:53.000Z' },
    none: { firstSeen: null, lastSeen: null },
  });
});

test('customData in the array-of-{property, value} form becomes one object', async () => {
  const { body } = await server.query(`{ customer(id: "103") { customData } }`);
  expect(body.data?.customer.customData).toEqual({
    Currency: 'EUR',
    'Number of payments': 2,
    'Billing info added': false,
  });
});

test('numeric phone and userId, missing containers and newer fields are mapped', async () => {
  const { body } = await server.query(`{ customer(id: "104") { ${ALL_FIELDS} } }`);
  expect(body.errors).toBeUndefined();
  expect(body.data?.customer).toMatchObject({
    phone: '380501234567',
    userId: '42',
    tags: [],
    location: null,
    device: null,
    customData: null,
    createdFrom: 'api',
    integrationId: '77',
  });
});
