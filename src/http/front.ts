import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { BodyError } from './body';
import { pathOf, recordErrorCodes, recordFailure, requestId, requestSummary } from './requestLog';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface FrontOptions {
  /** Gives each request its id, and logs its line. */
  requestLog: (req: IncomingMessage, res: ServerResponse) => void;
  /** The GraphQL endpoint, at `/graphql` (and `/graphql/`). */
  graphql: Route;
  /** Plain GET routes (`/health`, `/ready`, `/metrics`); HEAD is answered as GET. */
  get: Record<string, Route>;
}

/**
 * The whole HTTP surface, on `node:http` alone: the request log and id (the `/graphql`
 * route writes its header itself, with the rest of its answer's), the GraphQL
 * endpoint and the probes. Anything else is a JSON 404 (or 405 for a probe asked with the
 * wrong method). A body this server will not read is answered as a GraphQL error with its
 * status; anything unexpected is a 500 with no detail, logged with its stack on the request's line.
 */
export function httpFront({ requestLog, graphql, get }: FrontOptions): RequestListener {
  return (req, res) => {
    requestLog(req, res);
    const path = pathOf(req.url);
    let route: Route;
    if (path === '/graphql' || path === '/graphql/') {
      requestSummary(req);
      route = graphql;
    } else {
      res.setHeader('x-request-id', requestId(req));
      if (!Object.hasOwn(get, path)) route = notFound;
      else route = req.method === 'GET' || req.method === 'HEAD' ? get[path]! : methodNotAllowed;
    }
    Promise.resolve()
      .then(() => route(req, res))
      .catch((error: unknown) => answerFailure(req, res, error));
  };
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Sends a JSON body with its length; nothing more is written to the response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, typeof body === 'string' ? body : JSON.stringify(body), JSON_CONTENT_TYPE);
}

/** Sends a body of this content type with its length; nothing more is written to the response. */
export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** Answers with one GraphQL-shaped error, and tells the request's log line its code. */
export function sendError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  recordErrorCodes(requestSummary(req), [code]);
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

const notFound: Route = (req, res) => sendJson(res, 404, { error: `Nothing at ${req.method} ${pathOf(req.url)}; GraphQL is served at /graphql` });

const methodNotAllowed: Route = (req, res) => {
  res.setHeader('allow', 'GET, HEAD');
  sendJson(res, 405, { error: `${pathOf(req.url)} answers GET and HEAD only` });
};

function answerFailure(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (!res.headersSent) res.setHeader('x-request-id', requestId(req));
  if (error instanceof BodyError) {
    // The rest of a body too large is not read: the connection goes once this is answered.
    if (error.status === 413) res.setHeader('connection', 'close');
    if (!res.headersSent) return sendError(req, res, error.status, error.code, error.message);
    return void res.end();
  }
  // The request's line is logged at error level, with this error and its stack.
  recordFailure(res, error);
  if (res.headersSent) return void res.destroy();
  sendError(req, res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
}
