import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { postGraphQL } from './support/harness';
import { freePort } from './support/ports';

// `npm start` builds first, which takes a while on a cold machine.
jest.setTimeout(180_000);

let child: ChildProcess;
let output = '';
let url: string;

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NODE_ENV: 'development', LOG_LEVEL: 'info' };
  for (const name of ['HELPCRUNCH_API_KEY', 'COMAGIC_ACCESS_TOKEN', 'CACHE_URL']) delete env[name];
  child = spawn('npm', ['start'], { cwd: join(__dirname, '..'), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForHealth(url, 150_000);
});

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
});

test('with no credentials, npm start serves the seed examples from the built-in sandboxes', async () => {
  const { body } = await postGraphQL(
    url,
    `{
      customer(id: "8737843") { id name email lastSeen location { city } tags { name } }
      person(id: "6145241079") { visitors { name emails } }
    }`,
  );
  expect(body).toEqual({
    data: {
      customer: {
        id: '8737843',
        name: 'Cindy Mindy',
        email: 'cindy.mindy@example.com',
        lastSeen: '2020-06-08T14:47:53.000Z',
        location: { city: 'San Francisco' },
        tags: [{ name: 'lead' }],
      },
      person: {
        visitors: [
          { name: 'Тест', emails: ['test@1.ry', 'test@2.ru'] },
          { name: '346356', emails: ['qere4@fsdfsd.ry'] },
        ],
      },
    },
  });
  expect(output).toContain('HELPCRUNCH_API_KEY is not set: serving Customer and their chats (writes included) from the built-in HelpCrunch sandbox');
  expect(output).toContain('COMAGIC_ACCESS_TOKEN is not set: serving Person, Visitor and their calls, chats and offline messages from the built-in CoMagic sandbox');
});

async function waitForHealth(base: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`npm start did not become healthy in ${timeoutMs} ms:\n${output}`);
}
