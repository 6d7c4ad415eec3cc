/**
 * The floor for a cold request: a bare node:http server that, for each GraphQL request,
 * reads the body, makes the one upstream call (`GET /customers/{id}`) with fetch and
 * answers what came back. No schema, no cache, no limits, no logs: what one extra hop
 * between the client and the upstream costs on this machine, and no more. Run by
 * bench/run.ts as a child process; prints `READY <url>` when it listens.
 *
 *   node --import tsx bench/proxy.ts <helpcrunch base url> <api key>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const [helpcrunchUrl, apiKey] = process.argv.slice(2);
if (!helpcrunchUrl || !apiKey) {
  console.error('usage: proxy.ts <helpcrunch url> <api key>');
  process.exit(2);
}

const server = createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  const { variables } = JSON.parse(body) as { variables: { id: string } };
  const upstream = await fetch(`${helpcrunchUrl}/customers/${variables.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const text = JSON.stringify({ data: { customer: await upstream.json() } });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
