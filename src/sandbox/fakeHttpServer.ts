import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake saw it, for tests and benchmarks to count and inspect. */
export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body, or the raw text when it did not parse. */
  body: unknown;
  /** When the request arrived (ms since epoch). */
  at: number;
  /** The client's port: calls with the same port came over the same connection. */
  remotePort: number | undefined;
}

/** A canned answer that replaces the normal one: a fault, a delay, or a hang. */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON, or as is when it is a string. */
  body?: unknown;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (until the server closes). */
  hang?: boolean;
  /** Cut the connection without an answer. */
  destroy?: boolean;
}

export type Handler = (call: RecordedCall) => FakeReply | Promise<FakeReply>;

/** Calls a fake remembers by default: enough for any test, bounded for a sandbox that runs for days. */
export const KEPT_CALLS = 10_000;

/**
 * A real HTTP server on loopback behind the sandbox upstreams. `intercept` lets a test
 * replace any answer with a fault; `latencyMs` delays every answer. It remembers the
 * latest `keptCalls` calls, and counts them all.
 */
export class FakeHttpServer {
  /** The latest calls, oldest first. */
  readonly calls: RecordedCall[] = [];
  /** Every call since the last reset, remembered or not. */
  callCount = 0;
  intercept: ((call: RecordedCall) => FakeReply | undefined) | undefined;
  latencyMs = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handle: Handler,
    private readonly keptCalls = KEPT_CALLS,
  ) {
    this.server = createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Forgets the recorded calls: a test's counting starts from here. */
  resetCalls(): void {
    this.calls.length = 0;
    this.callCount = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const text = await readBody(req);
    const call: RecordedCall = {
      at,
      remotePort: req.socket.remotePort,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: parseJson(text),
    };
    this.callCount += 1;
    if (this.keptCalls > 0) {
      if (this.calls.length >= this.keptCalls) this.calls.shift();
      this.calls.push(call);
    }
    const reply = this.intercept?.(call) ?? (await this.handle(call));
    const delay = (reply.delayMs ?? 0) + this.latencyMs;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (reply.hang) return;
    if (reply.destroy) {
      req.socket.destroy();
      return;
    }
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? null);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
    res.end(body);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
