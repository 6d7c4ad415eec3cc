import { Metrics } from '../src/metrics';

test('forgetting an account drops its series of every upstream, and no other account\'s', async () => {
  const metrics = new Metrics();
  for (const account of ['a1', 'b2']) {
    metrics.circuitState.set({ service: 'helpcrunch', account }, 0);
    metrics.circuitState.set({ service: 'comagic', account }, 1);
    metrics.comagicPointsRemaining.set({ account, window: 'minute' }, 100);
  }
  await metrics.forgetAccount('a1');
  const exported = await metrics.registry.metrics();
  expect(exported).not.toMatch(/account="a1"/);
  expect(exported.match(/account="b2"/g)).toHaveLength(3);
});
