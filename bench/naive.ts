/**
 * The naive baseline the benchmark compares against: the same schema on Apollo Server,
 * written the way a first version often is. Each field that needs upstream data fetches
 * it itself: no DataLoader, no cache, no limits, no retries. Run by bench/run.ts as a
 * child process; prints `READY <url>` when it listens.
 *
 *   node --import tsx bench/naive.ts <helpcrunch base url> <api key> <comagic url> <access token>
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { customerSchema } from '../src/upstreams/helpcrunch/customer';
import { readTypeDefs } from '../src/graphql/schema';
import { LINKS } from '../src/links';
import { UPSTREAMS } from '../src/upstreams';

const [helpcrunchUrl, apiKey, comagicUrl, accessToken] = process.argv.slice(2);
if (!helpcrunchUrl || !apiKey || !comagicUrl || !accessToken) {
  console.error('usage: naive.ts <helpcrunch url> <api key> <comagic url> <access token>');
  process.exit(2);
}

async function getCustomer(id: string): Promise<unknown> {
  const response = await fetch(`${helpcrunchUrl}/customers/${id}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return response.status === 404 ? null : customerSchema.parse(await response.json());
}

let rpcId = 0;
async function personVisitors(personId: string): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(comagicUrl!, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: ++rpcId,
      method: 'get.person_visitors',
      params: { access_token: accessToken, person_id: Number(personId) },
    }),
  });
  const body = (await response.json()) as { result?: { data: Array<Record<string, unknown>> } };
  return body.result?.data ?? [];
}

const resolvers = {
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
  Query: {
    customer: (_: unknown, { id }: { id: string }) => getCustomer(id),
    customers: (_: unknown, { ids }: { ids: string[] }) => ids.map(getCustomer),
    person: (_: unknown, { id }: { id: string }) => ({ id }),
  },
  Customer: { __resolveReference: (reference: { id: string }) => getCustomer(reference.id) },
  Person: {
    __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
    visitors: (person: { id: string }) => personVisitors(person.id),
  },
  Visitor: {
    id: (visitor: { visitor_id: number }) => visitor.visitor_id,
    emails: (visitor: { emails: string[] | null }) => visitor.emails ?? [],
    phones: (visitor: { phones: string[] | null }) => visitor.phones ?? [],
    person: (visitor: { person_id: number | null }) => (visitor.person_id === null ? null : { id: String(visitor.person_id) }),
  },
};

async function main(): Promise<void> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(readTypeDefs({ upstreams: UPSTREAMS, links: LINKS })), resolvers }),
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  console.log(`READY ${url.replace(/\/$/, '')}`);
}

void main();
