/**
 * The ceiling the benchmark measures against: a bare node:http server that answers every
 * request with the given bytes, as fast as this machine serves HTTP at all. Run by
 * bench/run.ts as a child process; prints `READY <url>` when it listens.
 *
 *   node --import tsx bench/ceiling.ts <response body, base64>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from(process.argv[2] ?? '', 'base64');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
