import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startTestServer, startUpstreams, type Upstreams } from './support/harness';

let upstreams: Upstreams;
beforeAll(async () => {
  upstreams = await startUpstreams();
});
afterAll(async () => {
  await upstreams.close();
});

const useServer = (env: Record<string, string> = {}) => {
  const handle = {} as { url: string; close(): Promise<void> };
  beforeAll(async () => {
    Object.assign(handle, await startTestServer(upstreams, env));
  });
  afterAll(() => handle.close());
  return handle;
};

/** A raw request, for bodies fetch would not send as they are (chunked with no length, a wrong length). */
function rawPost(url: string, headers: Record<string, string>, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/graphql`, { method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('the HTTP front', () => {
  const s = useServer({ REQUEST_BODY_LIMIT_BYTES: '2048' });

  test('a path it does not serve is a JSON 404; a probe asked with the wrong method a 405', async () => {
    const missing = await fetch(`${s.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
    expect(((await missing.json()) as { error: string }).error).toMatch(/\/graphql/);

    const posted = await fetch(`${s.url}/health`, { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');

    const head = await fetch(`${s.url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  test('a compressed body is read once inflated, and the limit counts the inflated bytes', async () => {
    const query = JSON.stringify({ query: '{ __typename }' });
    const ok = await rawPost(s.url, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, [gzipSync(query)]);
    expect(ok).toEqual({ status: 200, body: '{"data":{"__typename":"Query"}}\n' });

    // Small on the wire, over the limit once inflated.
    const bomb = JSON.stringify({ query: `{ __typename }${' '.repeat(10_000)}` });
    const refused = await rawPost(s.url, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, [gzipSync(bomb)]);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

    const unknown = await rawPost(s.url, { 'content-type': 'application/json', 'content-encoding': 'zstd-ish' }, [Buffer.from(query)]);
    expect(unknown.status).toBe(415);
  });

  test('a body over the limit is refused whether or not it declares its length', async () => {
    const big = Buffer.from(JSON.stringify({ query: `{ __typename }${' '.repeat(4_000)}` }));
    const declared = await rawPost(s.url, { 'content-type': 'application/json', 'content-length': String(big.length) }, [big]);
    expect(declared.status).toBe(413);
    const chunked = await rawPost(s.url, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [big.subarray(0, 1_500), big.subarray(1_500)]);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toEqual({
      errors: [{ message: 'The request body is larger than the 2048 bytes allowed', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
  });

  test('a body in another charset than UTF-8 is refused with 415; JSON that is not an object is a 400', async () => {
    const latin = await rawPost(s.url, { 'content-type': 'application/json; charset=latin1' }, [Buffer.from('{"query":"{ __typename }"}')]);
    expect(latin.status).toBe(415);
    const scalar = await rawPost(s.url, { 'content-type': 'application/json' }, [Buffer.from('"{ __typename }"')]);
    expect(scalar.status).toBe(400);
    expect(JSON.parse(scalar.body).errors[0].message).toBe('The request body is not valid JSON');
  });

  test('every answer carries its request id, and GraphQL answers their CORS headers, refusals and hits alike', async () => {
    const headersOf = (response: Response) => ({
      id: response.headers.get('x-request-id'),
      origin: response.headers.get('access-control-allow-origin'),
      exposed: response.headers.get('access-control-expose-headers'),
    });
    const graphql = (body: string, id: string) =>
      fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body });
    const cors = { origin: '*', exposed: 'X-Request-Id' };

    const malformed = await graphql('{"query": ', 'bad-json-1');
    expect(malformed.status).toBe(400);
    expect(headersOf(malformed)).toEqual({ id: 'bad-json-1', ...cors });

    const query = JSON.stringify({ query: '{ customer(id: "1") { id } }' });
    const miss = await graphql(query, 'miss-1');
    const hit = await graphql(query, 'hit-1');
    expect(hit.headers.get('age')).not.toBeNull(); // served from the response cache
    expect(headersOf(miss)).toEqual({ id: 'miss-1', ...cors });
    expect(headersOf(hit)).toEqual({ id: 'hit-1', ...cors });
    expect(await hit.text()).toBe(await miss.text());

    const missing = await fetch(`${s.url}/nope`, { headers: { 'x-request-id': 'nope-1' } });
    expect(headersOf(missing).id).toBe('nope-1');
  });

  test('a CORS preflight is answered at once, with the request id exposed', async () => {
    const response = await fetch(`${s.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type');
  });
});

describe('with METRICS_ENABLED=false', () => {
  const s = useServer({ METRICS_ENABLED: 'false' });

  test('there is no /metrics, and queries are still answered', async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
    const response = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
