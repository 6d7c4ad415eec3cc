import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { AllowListedExporter } from '../src/tracing/tracing';
import { FIRST_GENERATED_PERSON_ID, SEED_PERSON_ID } from '../src/upstreams/comagic/sandboxData';
import { FIRST_GENERATED_CUSTOMER_ID, SEED_CUSTOMER } from '../src/upstreams/helpcrunch/sandboxData';
import { COMAGIC_TOKEN, HELPCRUNCH_KEY, startUpstreams, type Upstreams } from './support/harness';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlpReceiver';
import { startServerProcess, type ServerProcess } from './support/serverProcess';

// Traces as a collector gets them: the server in a process of its own, exporting over
// OTLP/HTTP to a real receiver on loopback that decodes what the SDK sends.
jest.setTimeout(30_000);

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const traceparent = (trace = CALLER_TRACE, span = CALLER_SPAN) => `00-${trace}-${span}-01`;

let upstreams: Upstreams;
let receiver: OtlpReceiver;
beforeAll(async () => {
  upstreams = await startUpstreams();
  receiver = await startOtlpReceiver();
});
beforeEach(() => {
  upstreams.reset();
  receiver.spans.length = 0;
});
afterAll(async () => {
  await upstreams.close();
  await receiver.close();
});

async function traced(env: Record<string, string>, run: (server: ServerProcess) => Promise<void>): Promise<void> {
  const server = await startServerProcess(upstreams, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '10', ...env });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** The spans of one trace once its request's span has arrived. */
async function traceOf(traceId: string, rootName: string | RegExp): Promise<ReceivedSpan[]> {
  const spans = await receiver.waitFor((all) => all.some((span) => span.traceId === traceId && span.kind === SERVER && matchName(span, rootName)));
  return spans.filter((span) => span.traceId === traceId);
}
const matchName = (span: ReceivedSpan, name: string | RegExp) => (typeof name === 'string' ? span.name === name : name.test(span.name));
const one = (spans: ReceivedSpan[], name: string | RegExp) => {
  const found = spans.filter((span) => matchName(span, name));
  expect(found.map((span) => span.name)).toHaveLength(1);
  return found[0]!;
};
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((span) => span.parentSpanId === parent.spanId);

test('a request that came with a traceparent is one trace: the operation under the caller\'s span, batches, cache lookups and upstream calls under it', () =>
  traced({}, async (server) => {
    const query = `query Card { customer(id: "${SEED_CUSTOMER.id}") { id name } person(id: "${SEED_PERSON_ID}") { visitors { id } } }`;
    const { body } = await server.query(query, undefined, { traceparent: traceparent(), tracestate: 'router=1' });
    expect(body.errors).toBeUndefined();
    const spans = await traceOf(CALLER_TRACE, 'query Card');

    const operation = one(spans, 'query Card');
    expect(operation).toMatchObject({ kind: SERVER, parentSpanId: CALLER_SPAN, service: 'contact-graph' });
    expect(operation.attributes).toMatchObject({ 'graphql.operation.name': 'Card', 'graphql.operation.type': 'query', 'http.response.status_code': 200 });
    expect(operation.attributes['contact_graph.request_id']).toEqual(expect.any(String));

    const responseLookup = childrenOf(spans, operation).find((span) => span.attributes['cache.layer'] === 'response');
    expect(responseLookup).toMatchObject({ name: 'cache lookup', attributes: { 'cache.result': 'miss' } });

    const batch = one(spans, 'batch customers');
    expect(batch.parentSpanId).toBe(operation.spanId);
    expect(batch.attributes).toMatchObject({ 'loader.name': 'customers', 'upstream.service': 'helpcrunch', 'loader.batch_size': 1, 'loader.fetched': 1 });
    expect(childrenOf(spans, batch).find((span) => span.name === 'cache lookup')?.attributes).toMatchObject({ 'cache.layer': 'entity', 'cache.misses': 1, 'cache.hits': 0 });

    const call = one(spans, 'helpcrunch GET /customers/{id}');
    expect(call.parentSpanId).toBe(batch.spanId);
    expect(call.attributes).toMatchObject({ 'upstream.service': 'helpcrunch', 'upstream.method': 'GET /customers/{id}', 'upstream.attempts': 1, 'upstream.outcome': 'ok' });
    expect(call.attributes).not.toHaveProperty(['upstream.held_back']);
    const attempt = one(spans, 'helpcrunch GET /customers/{id} #1');
    expect(attempt).toMatchObject({ kind: CLIENT, parentSpanId: call.spanId });
    expect(attempt.attributes).toMatchObject({ 'upstream.attempt': 1, 'upstream.outcome': 'ok', 'http.response.status_code': 200 });
    expect(childrenOf(spans, attempt).map((span) => span.name)).toEqual(['rate limit wait']);

    // The persons' side too: its batch and its call.
    expect(one(spans, 'batch persons').parentSpanId).toBe(operation.spanId);
    expect(one(spans, /^comagic get\.person_visitors #1$/).kind).toBe(CLIENT);

    // Each upstream call carried its own attempt's span as the parent, in the caller's trace.
    const sent = upstreams.helpcrunch.fake.calls.find((c) => c.path === `/v1/customers/${SEED_CUSTOMER.id}`)!;
    expect(sent.headers.traceparent).toBe(`00-${CALLER_TRACE}-${attempt.spanId}-01`);
    expect(sent.headers.tracestate).toBe('router=1');
    const rpc = one(spans, /^comagic get\.person_visitors #1$/);
    expect(upstreams.comagic.fake.calls[0]!.headers.traceparent).toBe(`00-${CALLER_TRACE}-${rpc.spanId}-01`);
  }));

test('a call queued behind another request\'s, one in flight at a time, keeps its own trace: its span, its traceparent', () =>
  traced({ HELPCRUNCH_CONCURRENCY: '1' }, async (server) => {
    upstreams.helpcrunch.fake.latencyMs = 100;
    const traces = ['44444444444444444444444444444444', '55555555555555555555555555555555', '66666666666666666666666666666666'];
    const ids = traces.map((_, index) => FIRST_GENERATED_CUSTOMER_ID + 70 + index);
    await Promise.all(traces.map((trace, index) => server.query(`query Queued { customer(id: "${ids[index]}") { id } }`, undefined, { traceparent: traceparent(trace) })));
    for (const [index, trace] of traces.entries()) {
      const spans = await traceOf(trace, 'query Queued');
      const attempt = one(spans, 'helpcrunch GET /customers/{id} #1');
      expect(attempt.attributes['http.response.status_code']).toBe(200);
      const sent = upstreams.helpcrunch.fake.calls.find((call) => call.path === `/v1/customers/${ids[index]}`)!;
      expect(sent.headers.traceparent).toBe(`00-${trace}-${attempt.spanId}-01`);
    }
  }));

test('a retried call is one call span with an attempt span each: the failure, then the answer', () =>
  traced({}, async (server) => {
    let failures = 0;
    upstreams.helpcrunch.fake.intercept = () => (failures++ === 0 ? { status: 503, body: { errors: [{ code: 'unavailable', message: 'down' }] } } : undefined);
    const id = FIRST_GENERATED_CUSTOMER_ID + 7;
    const { body } = await server.query(`query Retried { customer(id: "${id}") { id } }`, undefined, { traceparent: traceparent('11111111111111111111111111111111') });
    expect(body.data).toEqual({ customer: { id: String(id) } });
    const spans = await traceOf('11111111111111111111111111111111', 'query Retried');
    const call = one(spans, 'helpcrunch GET /customers/{id}');
    expect(call.attributes).toMatchObject({ 'upstream.attempts': 2, 'upstream.outcome': 'ok' });
    const attempts = childrenOf(spans, call).sort((a, b) => Number(a.attributes['upstream.attempt']) - Number(b.attributes['upstream.attempt']));
    expect(attempts.map((span) => [span.name, span.attributes['upstream.outcome'], span.attributes['http.response.status_code'], span.status.code ?? 0])).toEqual([
      ['helpcrunch GET /customers/{id} #1', 'UPSTREAM_UNAVAILABLE', 503, ERROR],
      ['helpcrunch GET /customers/{id} #2', 'ok', 200, 0],
    ]);
    expect(attempts[0]!.attributes['error.type']).toBe('UPSTREAM_UNAVAILABLE');
  }));

test('a call the rate limit holds back is traced as held back: its wait, its attempt and its call, and the operation names the error', () =>
  traced({ HELPCRUNCH_RATE_LIMIT_PER_MINUTE: '2', UPSTREAM_MAX_WAIT_MS: '0' }, async (server) => {
    // Two a minute is one call in each of the limiter's windows: this one spends it.
    expect((await server.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 20}") { id } }`)).body.errors).toBeUndefined();
    const { body } = await server.query(`query HeldBack { customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 30}") { id } }`, undefined, {
      traceparent: traceparent('22222222222222222222222222222222'),
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const spans = await traceOf('22222222222222222222222222222222', 'query HeldBack');
    expect(one(spans, 'helpcrunch GET /customers/{id}').attributes).toMatchObject({ 'upstream.outcome': 'RATE_LIMITED', 'upstream.held_back': true, 'error.type': 'RATE_LIMITED' });
    const attempt = one(spans, 'helpcrunch GET /customers/{id} #1');
    expect(attempt.attributes).toMatchObject({ 'upstream.outcome': 'RATE_LIMITED', 'upstream.held_back': true });
    expect(attempt.attributes['http.response.status_code']).toBeUndefined();
    const wait = one(spans, 'rate limit wait');
    expect(wait).toMatchObject({ parentSpanId: attempt.spanId, status: { code: ERROR } });
    expect(wait.attributes).toMatchObject({ 'upstream.held_back': true, 'rate_limit.wait_ms': expect.any(Number) });
    expect(one(spans, 'query HeldBack')).toMatchObject({ status: { code: ERROR }, attributes: { 'graphql.error.codes': ['RATE_LIMITED'] } });
    // Nothing was sent for it.
    expect(upstreams.helpcrunch.fake.calls.filter((call) => call.path.endsWith(String(FIRST_GENERATED_CUSTOMER_ID + 30)))).toEqual([]);
  }));

test('without a traceparent a request starts a trace of its own; a hit is traced too, and a client error names its code', () =>
  traced({}, async (server) => {
    const query = `query Mine { customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 40}") { id } }`;
    await server.query(query);
    await server.query(query);
    await server.query('query Bad { customer(id: "abc") { id } }');
    const spans = await receiver.waitFor((all) => all.filter((span) => span.kind === SERVER).length >= 3);
    const roots = spans.filter((span) => span.kind === SERVER);
    expect(roots.map((span) => span.parentSpanId)).toEqual([undefined, undefined, undefined]);
    expect(new Set(roots.map((span) => span.traceId)).size).toBe(3);
    const [miss, hit, bad] = roots;
    expect(childrenOf(spans, miss!).find((span) => span.name === 'cache lookup')?.attributes['cache.result']).toBe('miss');
    expect(hit).toMatchObject({ name: 'query Mine', attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': 'Mine' } });
    expect(childrenOf(spans, hit!).map((span) => [span.name, span.attributes['cache.result']])).toEqual([['cache lookup', 'hit']]);
    expect(bad).toMatchObject({ name: 'query Bad', status: { code: ERROR }, attributes: { 'graphql.error.codes': ['BAD_USER_INPUT'] } });
  }));

test('Apollo\'s inline trace (ftv1) still answers a router that asks for it, with tracing on', () =>
  traced({}, async (server) => {
    const { body } = await server.query(`{ customer(id: "${SEED_CUSTOMER.id}") { id } }`, undefined, { 'apollo-federation-include-trace': 'ftv1' });
    expect((body as { extensions?: { ftv1?: unknown } }).extensions?.ftv1).toEqual(expect.any(String));
  }));

test('with tracing off nothing is exported, and no traceparent goes upstream', () =>
  // The endpoint is set: only OTEL_SDK_DISABLED turns tracing off.
  traced({ OTEL_SDK_DISABLED: 'true' }, async (server) => {
    await server.query(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 50}") { id } }`, undefined, { traceparent: traceparent('33333333333333333333333333333333') });
    expect(upstreams.helpcrunch.fake.calls.at(-1)!.headers.traceparent).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.spans).toEqual([]);
  }));

test('no credential is in any exported span, nor in the traced server\'s responses and log lines, whatever happens', async () => {
  const tenant = { 'x-helpcrunch-api-key': 'hc-tenant-secret-trace-5e1a', 'x-comagic-access-token': 'cm-tenant-secret-trace-0b7c' };
  const secrets = [HELPCRUNCH_KEY, COMAGIC_TOKEN, ...Object.values(tenant)];
  const seen: string[] = [];
  await traced({ LOG_LEVEL: 'trace', ALLOW_CREDENTIAL_HEADERS: 'true' }, async (server) => {
    const ask = async (query: string, headers: Record<string, string> = {}) => seen.push((await server.query(query, undefined, { traceparent: traceparent(), ...headers })).text);
    const both = `{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 60}") { id } person(id: "${SEED_PERSON_ID}") { id customers { id } } }`;
    await ask(both);
    await ask(both, tenant); // a credential the fakes refuse
    // Upstreams that echo the credential back in their errors.
    upstreams.helpcrunch.fake.intercept = (call) => ({ status: 500, body: { errors: [{ code: 'internal', message: `failed for ${call.headers.authorization}` }] } });
    upstreams.comagic.fake.intercept = (call) => ({
      body: { jsonrpc: '2.0', id: 1, error: { code: -32602, message: `bad token ${JSON.stringify(call.body)}`, data: { mnemonic: 'invalid_parameter_value' } } },
    });
    await ask(`{ customer(id: "${FIRST_GENERATED_CUSTOMER_ID + 61}") { id } person(id: "${FIRST_GENERATED_PERSON_ID + 61}") { id } }`);
    await ask(both, { 'x-helpcrunch-api-key': `${tenant['x-helpcrunch-api-key']} extra` });
    await receiver.waitFor((spans) => spans.filter((span) => span.kind === SERVER).length >= 4);
    seen.push(...server.output);
  });
  seen.push(...receiver.bodies);
  expect(receiver.spans.filter((span) => span.kind === SERVER)).toHaveLength(4);
  expect(receiver.bodies.join('\n')).toContain('UPSTREAM_UNAUTHENTICATED');
  for (const secret of secrets) expect(seen.join('\n')).not.toContain(secret);
});

test('an exported span carries only allow-listed attributes, its events too, and its status without a message', async () => {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new AllowListedExporter(memory) })] });
  const span = provider.getTracer('test').startSpan('call', {
    attributes: { 'upstream.service': 'helpcrunch', 'http.request.header.authorization': 'Bearer secret', 'url.full': 'https://x/?token=secret' },
  });
  span.addEvent('exception', { 'exception.message': 'secret', 'upstream.attempt': 2 });
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed for secret' });
  span.end();
  await provider.forceFlush();
  const [exported] = memory.getFinishedSpans();
  expect(exported!.attributes).toEqual({ 'upstream.service': 'helpcrunch' });
  expect(exported!.events.map((event) => event.attributes)).toEqual([{ 'upstream.attempt': 2 }]);
  expect(exported!.status).toEqual({ code: SpanStatusCode.ERROR });
  expect(JSON.stringify(exported!.attributes) + JSON.stringify(exported!.events) + JSON.stringify(exported!.status)).not.toContain('secret');
  await provider.shutdown();
});
