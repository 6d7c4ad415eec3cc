import { limitsIn } from '../src/upstreams/comagic/wire';

test('limits are read field by field: a malformed one is dropped, the others kept', () => {
  expect(limitsIn({ limits: { minute_remaining: 'plenty', minute_reset: 12, day_remaining: 900, day_limit: null } })).toEqual({
    minute_reset: 12,
    day_remaining: 900,
  });
});

test('metadata without limits, or not an object, has none', () => {
  expect(limitsIn(undefined)).toBeUndefined();
  expect(limitsIn(null)).toBeUndefined();
  expect(limitsIn({})).toBeUndefined();
  expect(limitsIn({ limits: 'none' })).toBeUndefined();
  expect(limitsIn('metadata')).toBeUndefined();
});
