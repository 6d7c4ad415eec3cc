import { Metrics } from '../src/metrics';

test('forgetting an account drops its series, and no other account\'s nor the other upstream\'s', async () => {
  const metrics = new Metrics();
  const points = metrics.accountGauge('comagic', { name: 'test_points_remaining', help: 'Points left', labelNames: ['window'] });
  for (const account of ['a1', 'b2']) {
    metrics.circuitState.set({ service: 'helpcrunch', account }, 0);
    metrics.circuitState.set({ service: 'comagic', account }, 1);
    points.set({ account, window: 'minute' }, 100);
  }
  await metrics.forgetAccount('comagic', 'a1');
  const exported = await metrics.registry.metrics();
  const of = (account: string) => exported.split('\n').filter((line) => line.includes(`account="${account}"`) && !line.startsWith('#'));
  expect(of('a1')).toEqual([expect.stringContaining('service="helpcrunch"')]);
  expect(of('b2')).toHaveLength(3);
});
