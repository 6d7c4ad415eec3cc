import { IdempotencyRecords } from '../src/cache/idempotency';
import { UpstreamError } from '../src/errors';
import { createLogger } from '../src/logger';
import { Writes, type WriteCall, type WriteServices } from '../src/writes';

const logger = createLogger('silent', []);

/** A request's writes with an Idempotency-Key, over records in memory (one replica). */
function requestWith(records: IdempotencyRecords, key: string): Writes {
  return new Writes({ idempotency: records } as unknown as WriteServices, key, () => logger);
}

function write(ask: unknown, send: WriteCall<string>['send'], repeatable = true): WriteCall<string> {
  return { service: 'helpcrunch', scope: 'helpcrunch:tenant', field: 'updateCustomer', ask, repeatable, send };
}

const timedOut = () => new UpstreamError('UPSTREAM_TIMEOUT', 'helpcrunch did not answer within 300 ms', { service: 'helpcrunch' });

test('the same arguments written in another order are the same write: answered from the key', async () => {
  const records = new IdempotencyRecords(undefined, { ttlSeconds: 60, leaseMs: 60_000, timeoutMs: 100 });
  const send = jest.fn(async () => 'done');
  await requestWith(records, 'k-order').once(write(['updateCustomer', '7', { name: 'A', email: 'a@example.com' }], send));
  const again = await requestWith(records, 'k-order').once(write(['updateCustomer', '7', { email: 'a@example.com', name: 'A' }], send));
  expect(again).toEqual({ result: 'done', replayed: true });
  expect(send).toHaveBeenCalledTimes(1);
});

test("a write whose request never finished (its lease ran out, as when its replica died) is not taken for new: a create is not sent again, an update is", async () => {
  const records = new IdempotencyRecords(undefined, { ttlSeconds: 60, leaseMs: 20, timeoutMs: 100 });
  // The first request claims the key and never comes back.
  await records.claim(JSON.stringify(['helpcrunch:tenant', 'k-lease', 'updateCustomer']), JSON.stringify(['createCustomer', { name: 'A' }]));
  await records.claim(JSON.stringify(['helpcrunch:tenant', 'k-lease-update', 'updateCustomer']), JSON.stringify(['updateCustomer', '7', { name: 'A' }]));
  const send = jest.fn(async () => 'sent again');

  await expect(requestWith(records, 'k-lease').once(write(['createCustomer', { name: 'A' }], send, false))).rejects.toMatchObject({ extensions: { code: 'IDEMPOTENCY_KEY_IN_USE' } });
  await new Promise((resolve) => setTimeout(resolve, 30));
  await expect(requestWith(records, 'k-lease').once(write(['createCustomer', { name: 'A' }], send, false))).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT', writeOutcomeUnknown: true });
  expect(send).not.toHaveBeenCalled();

  const updated = await requestWith(records, 'k-lease-update').once(write(['updateCustomer', '7', { name: 'A' }], send));
  expect(updated).toEqual({ result: 'sent again', replayed: false });
  expect(send).toHaveBeenCalledWith(true);
});

test('a create whose first send failed with no answer says that failure again, not sent', async () => {
  const records = new IdempotencyRecords(undefined, { ttlSeconds: 60, leaseMs: 60_000, timeoutMs: 100 });
  const unavailable = new UpstreamError('UPSTREAM_UNAVAILABLE', 'HelpCrunch answered 503', { service: 'helpcrunch', status: 503 });
  const send = jest.fn(async (): Promise<string> => Promise.reject(unavailable));
  await expect(requestWith(records, 'k-503').once(write(['createCustomer', {}], send, false))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', writeOutcomeUnknown: true });
  await expect(requestWith(records, 'k-503').once(write(['createCustomer', {}], send, false))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', writeOutcomeUnknown: true });
  expect(send).toHaveBeenCalledTimes(1);
});

test('a write refused before it was sent frees its key; one with no answer keeps it as unknown', async () => {
  const records = new IdempotencyRecords(undefined, { ttlSeconds: 60, leaseMs: 60_000, timeoutMs: 100 });
  const heldBack = new UpstreamError('RATE_LIMITED', 'budget used up', { service: 'helpcrunch' }, { heldBack: true, retryAfter: 1 });
  const refused = jest.fn(async (): Promise<string> => Promise.reject(heldBack));
  await expect(requestWith(records, 'k-held').once(write(['updateCustomer', '7', {}], refused, false))).rejects.toBe(heldBack);
  const later = await requestWith(records, 'k-held').once(write(['updateCustomer', '7', {}], async () => 'sent', false));
  expect(later).toEqual({ result: 'sent', replayed: false });

  const lost = jest.fn(async (): Promise<string> => Promise.reject(timedOut()));
  await expect(requestWith(records, 'k-lost').once(write(['createCustomer', {}], lost, false))).rejects.toMatchObject({ writeOutcomeUnknown: true });
  await expect(requestWith(records, 'k-lost').once(write(['createCustomer', {}], async () => 'sent', false))).rejects.toMatchObject({ writeOutcomeUnknown: true });
});
