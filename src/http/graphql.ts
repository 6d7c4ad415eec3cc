import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { context, SpanKind, trace } from '@opentelemetry/api';
import cors from 'cors';
import { HeldEntities } from '../cache/invalidation';
import type { CacheableAnswer, CachedResponse, GraphQLParams, ResponseCache } from '../cache/responseCache';
import type { Context } from '../context';
import type { Metrics } from '../metrics';
import { ATTRIBUTES } from '../tracing/attributes';
import { inSpan, nameOperationSpan } from '../tracing/spans';
import type { Tracing } from '../tracing/tracing';
import { mediaTypeOf, parseJsonBody, readBody } from './body';
import { JSON_CONTENT_TYPE, sendText, type Route } from './front';
import { nameOperation, requestId, requestSummary, type RequestSummary } from './requestLog';

export interface GraphQLRouteOptions {
  apollo: ApolloServer<Context>;
  bodyLimitBytes: number;
  responseCache: ResponseCache;
  /** Where each answer and cache lookup is counted; undefined when metrics are off. */
  metrics: Metrics | undefined;
  /**
   * The cache scopes of the credentials a request is served with, or undefined when its
   * credential headers are malformed (Apollo then refuses it while building the context).
   */
  scopesOf(headers: IncomingHttpHeaders): string[] | undefined;
  createContext(req: IncomingMessage, cacheable: CacheableAnswer, held: HeldEntities): Promise<Context>;
  /** Headers every GraphQL answer carries (`Vary` on the credential headers, when they are allowed). */
  headers: Record<string, string>;
  tracing: Tracing;
}

/** Answers that ask for Apollo's inline trace, for a router's field-level statistics: never served from bytes. */
const TRACE_HEADER = 'apollo-federation-include-trace';
/** Content types a browser may send cross-site without a preflight: such a request must prove it is not a CSRF. */
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];
const EXPOSED_HEADERS = 'X-Request-Id';

/**
 * `/graphql`: a cached answer is written as the bytes it was stored as, with no parsing,
 * validation or execution (its key names the document, variables and credentials, and
 * only what passed every check and was cacheable was stored); everything else goes
 * through Apollo Server (`executeHTTPGraphQLRequest`), and what it answers cacheably is
 * stored. Both paths count the operation and the cache lookup alike, and say the same in
 * the request's log line.
 */
export function graphqlRoute(options: GraphQLRouteOptions): Route {
  const { apollo, responseCache, metrics, tracing } = options;
  const { tracer } = tracing;
  // With tracing off the route starts no span at all, not even one that records nothing.
  const lookUp: (key: string) => Promise<CachedResponse | undefined> = tracing.enabled
    ? (key) =>
        inSpan(tracer, 'cache lookup', { attributes: { [ATTRIBUTES.cacheLayer]: 'response' } }, async (span) => {
          const hit = await responseCache.get(key);
          span.setAttribute(ATTRIBUTES.cacheResult, hit ? 'hit' : 'miss');
          return hit;
        })
    : (key) => responseCache.get(key);
  /** The request's span, continuing the caller's trace; Apollo's plugin names it after the operation. */
  const traced = (req: IncomingMessage, res: ServerResponse) =>
    context.with(tracing.incoming(req.headers), () =>
      inSpan(tracer, 'GraphQL Operation', { kind: SpanKind.SERVER, attributes: { [ATTRIBUTES.requestId]: requestId(req) } }, async (span) => {
        await answer(req, res);
        span.setAttribute(ATTRIBUTES.statusCode, res.statusCode);
      }),
    );
  // Any origin may ask, as with the cors package's defaults, which answer preflights; browsers
  // may read the request id, to quote it when something went wrong.
  const preflight = cors({ exposedHeaders: [EXPOSED_HEADERS] });
  const answerHeaders: Record<string, string> = { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS, ...options.headers };

  return async (req, res) => {
    // cors answers a preflight itself: it never hands one on.
    if (req.method === 'OPTIONS') {
      res.setHeader('x-request-id', requestId(req));
      return preflight(req, res, () => undefined);
    }
    return tracing.enabled ? traced(req, res) : answer(req, res);
  };

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await serve(req, res);
    } catch (error) {
      // A body refused, or a failure: its answer carries the same headers as any other.
      if (!res.headersSent) setAnswerHeaders(req, res);
      throw error;
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const summary = requestSummary(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const search = searchOf(req.url);
    const text = method === 'POST' ? await jsonText(req, options.bodyLimitBytes) : undefined;
    // Parsed once, when first needed: a hit on a body sent before needs no parsing at all.
    let parsed: { body: unknown } | undefined;
    const body = () => (parsed ??= { body: text === undefined ? undefined : parseJsonBody(text) }).body;

    const key = mayServeFromCache(req.headers) ? keyOf(method, text, body, search, req.headers) : undefined;
    if (key !== undefined) {
      const hit = await lookUp(key);
      metrics?.cacheLookups.inc({ layer: 'response', result: hit ? 'hit' : 'miss' });
      summary.responseCache = hit ? 'hit' : 'miss';
      if (hit) return sendCached(req, res, hit, summary);
    }

    setAnswerHeaders(req, res);
    const cacheable: CacheableAnswer = {};
    const held = new HeldEntities();
    const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers: headerMapOf(req.headers), search, body: body() };
    const answer = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => options.createContext(req, cacheable, held) });

    for (const [name, value] of answer.headers) res.setHeader(name, value);
    const status = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      // Apollo's own type: JSON (or the GraphQL response type it negotiated), or the landing page's HTML.
      sendText(res, status, answer.body.string, answer.headers.get('content-type') ?? JSON_CONTENT_TYPE);
      const cacheControl = answer.headers.get('cache-control');
      if (key !== undefined && status === 200 && cacheable.maxAgeSeconds && cacheControl) {
        responseCache.set(
          key,
          { body: answer.body.string, cacheControl, operationName: cacheable.operationName, maxAgeSeconds: cacheable.maxAgeSeconds },
          held,
        );
      }
      return;
    }
    res.statusCode = status;
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  }

  function keyOf(method: string, text: string | undefined, body: () => unknown, search: string, headers: IncomingHttpHeaders): string | undefined {
    let asked: string | undefined;
    if (method === 'POST') asked = text === undefined ? undefined : responseCache.askedOfBody(text, body);
    else if (method === 'GET') asked = askedOfSearch(search);
    if (asked === undefined) return undefined;
    const scopes = options.scopesOf(headers);
    return scopes && responseCache.keyOf(asked, scopes);
  }

  function askedOfSearch(search: string): string | undefined {
    const params = paramsOfSearch(search);
    return params && responseCache.askedOf(params);
  }

  /** The headers of every answer but a hit's, which writes them all at once. */
  function setAnswerHeaders(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-request-id', requestId(req));
    for (const name in answerHeaders) res.setHeader(name, answerHeaders[name]!);
  }

  function sendCached(req: IncomingMessage, res: ServerResponse, hit: CachedResponse, summary: RequestSummary): void {
    nameOperation(summary, hit.operationName);
    // Only queries are stored: a hit's span is named as the plugin names the others'.
    const span = tracing.enabled ? trace.getActiveSpan() : undefined;
    if (span) nameOperationSpan(span, 'query', hit.operationName);
    metrics?.graphqlRequests.inc({ operation: metrics.operationLabel(hit.operationName), outcome: 'success' });
    const headers = ['x-request-id', requestId(req)];
    for (const name in answerHeaders) headers.push(name, answerHeaders[name]!);
    headers.push(
      'cache-control', hit.cacheControl,
      'age', String(Math.max(0, Math.round((Date.now() - hit.storedAt) / 1000))),
      'content-type', JSON_CONTENT_TYPE,
      'content-length', String(hit.bodyBytes),
    );
    res.writeHead(200, headers);
    res.end(hit.body);
  }
}

/**
 * Whether a request may be answered from the response cache: it is one Apollo's CSRF
 * prevention lets through (a content type a browser cannot send cross-site without a
 * preflight, or a preflight header), and it does not ask for an inline trace.
 */
function mayServeFromCache(headers: IncomingHttpHeaders): boolean {
  if (headers[TRACE_HEADER] !== undefined) return false;
  const mediaType = mediaTypeOf(headers['content-type']);
  if (mediaType !== undefined && !SIMPLE_CONTENT_TYPES.has(mediaType)) return true;
  return PREFLIGHT_HEADERS.some((name) => {
    const value = headers[name];
    return typeof value === 'string' && value.length > 0;
  });
}

/** The text of a POST body that is JSON, or undefined: Apollo then says what is wrong. */
async function jsonText(req: IncomingMessage, limitBytes: number): Promise<string | undefined> {
  const text = await readBody(req, limitBytes);
  return mediaTypeOf(req.headers['content-type']) !== 'application/json' || text.trim() === '' ? undefined : text;
}

/** The GraphQL parameters of a GET, or undefined when one of them is not valid JSON. */
function paramsOfSearch(search: string): GraphQLParams | undefined {
  const query = new URLSearchParams(search);
  try {
    const json = (name: string) => {
      const value = query.get(name);
      return value === null ? undefined : (JSON.parse(value) as unknown);
    };
    return { query: query.get('query') ?? undefined, operationName: query.get('operationName') ?? undefined, variables: json('variables'), extensions: json('extensions') };
  } catch {
    return undefined;
  }
}

function searchOf(url: string | undefined): string {
  const start = url?.indexOf('?') ?? -1;
  return start === -1 ? '' : url!.slice(start);
}

/**
 * The request's headers as Apollo takes them. An Accept of any type (star/star, what fetch and
 * most clients send) is left out: Apollo then answers application/json without negotiating,
 * as negotiating it would choose anyway (the first type Apollo offers), and negotiation costs
 * more than anything else in building the answer's head.
 */
function headerMapOf(headers: IncomingHttpHeaders): HeaderMap {
  const map = new HeaderMap();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || (name === 'accept' && value === '*/*')) continue;
    map.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}

