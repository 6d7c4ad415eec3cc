import { FakeHttpServer } from '../src/sandbox/fakeHttpServer';

async function fakeKeeping(keptCalls: number): Promise<{ fake: FakeHttpServer; call: (path: string) => Promise<void> }> {
  const fake = new FakeHttpServer(() => ({ body: { ok: true } }), keptCalls);
  const url = await fake.listen();
  return { fake, call: async (path) => void (await (await fetch(`${url}${path}`)).text()) };
}

test('a fake remembers only its latest calls, and counts them all', async () => {
  const { fake, call } = await fakeKeeping(3);
  try {
    for (const path of ['/1', '/2', '/3', '/4', '/5']) await call(path);
    expect(fake.calls.map((recorded) => recorded.path)).toEqual(['/3', '/4', '/5']);
    expect(fake.callCount).toBe(5);
    fake.resetCalls();
    expect([fake.calls.length, fake.callCount]).toEqual([0, 0]);
  } finally {
    await fake.close();
  }
});

test('a fake told to keep no calls remembers none: a sandbox that runs for days does not grow', async () => {
  const { fake, call } = await fakeKeeping(0);
  try {
    for (const path of ['/1', '/2']) await call(path);
    expect(fake.calls).toEqual([]);
    expect(fake.callCount).toBe(2);
  } finally {
    await fake.close();
  }
});
