import { startTestServer, startUpstreams, type TestServer, type Upstreams } from './support/harness';

let upstreams: Upstreams;
beforeAll(async () => {
  upstreams = await startUpstreams();
});
afterAll(() => upstreams.close());

/** Starts a server, and returns the address its start-up line names and what it answers there. */
async function started(env: Record<string, string>) {
  const server: TestServer = await startTestServer(upstreams, env);
  try {
    const ready = server.logs.map((line) => JSON.parse(line)).find((line) => line.msg === 'contact graph ready');
    const answer = await server.query('{ __typename }');
    return { logged: String(ready?.url), url: server.url, status: answer.status };
  } finally {
    await server.close();
  }
}

test('outside production it listens on loopback only, and logs that address', async () => {
  const { logged, url, status } = await started({});
  expect(logged).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  expect(`${url}/graphql`).toBe(logged);
  expect(status).toBe(200);
});

test('in production it listens on every interface, and says so', async () => {
  const { logged, url, status } = await started({ NODE_ENV: 'production' });
  expect(logged).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/graphql$/);
  // The process itself reaches a wildcard address on loopback.
  expect(url).toBe(logged.replace('0.0.0.0', '127.0.0.1').replace(/\/graphql$/, ''));
  expect(status).toBe(200);
});

test('HOST chooses the address, IPv6 included', async () => {
  const { logged, status } = await started({ HOST: '::1' });
  expect(logged).toMatch(/^http:\/\/\[::1\]:\d+\/graphql$/);
  expect(status).toBe(200);
});
