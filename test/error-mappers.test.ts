import { comagicError, secondsUntilReset } from '../src/upstreams/comagic/errors';
import { rpcErrorSchema } from '../src/upstreams/comagic/wire';
import { helpcrunchError, parseRetryAfter } from '../src/upstreams/helpcrunch/errors';
import type { HttpResponse } from '../src/transport/http';

// Both mappers alone, on the error shapes UPSTREAMS.md documents; the end-to-end cases are in upstream-errors.test.ts.

const KEY = 'hc-key-5e1d';
const TOKEN = 'cm-token-77aa';

function response(status: number, json: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, json };
}

describe('HelpCrunch', () => {
  test.each([
    [401, { errors: [{ code: 'invalid_token', message: 'Invalid token' }] }, 'UPSTREAM_UNAUTHENTICATED', 'invalid_token'],
    [401, { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'unauthorized', message: 'Unauthorized' }] }, 'UPSTREAM_UNAUTHENTICATED', 'unauthorized'],
    [403, { errors: [{ code: 'forbidden', message: 'Forbidden' }] }, 'UPSTREAM_FORBIDDEN', 'forbidden'],
    [400, { errors: [{ code: 'invalid_request' }, { code: 'customers.id', message: 'wrong type' }] }, 'BAD_USER_INPUT', 'customers.id'],
    [422, { errors: [{ code: 'invalid_request', message: 'Unprocessable' }] }, 'BAD_USER_INPUT', 'invalid_request'],
    [500, { errors: [{ code: { nested: true }, message: 'boom' }] }, 'UPSTREAM_UNAVAILABLE', undefined],
    [503, '<html>Service Unavailable</html>', 'UPSTREAM_UNAVAILABLE', undefined],
    [418, undefined, 'UPSTREAM_BAD_RESPONSE', undefined],
  ])('%i %j is %s', (status, body, code, upstreamCode) => {
    const error = helpcrunchError(response(status, body), [KEY]);
    expect(error.code).toBe(code);
    expect(error.upstream).toEqual({ service: 'helpcrunch', status, ...(upstreamCode ? { code: upstreamCode } : {}) });
    expect(error.heldBack).toBe(false);
  });

  test('a 429 is RATE_LIMITED, with Retry-After in seconds or as a date', () => {
    const limited = { errors: [{ code: 'too_many_requests', message: 'slow down' }] };
    expect(helpcrunchError(response(429, limited, { 'retry-after': '7' }), [KEY]).retryAfter).toBe(7);
    expect(helpcrunchError(response(429, limited), [KEY]).retryAfter).toBeUndefined();
    expect(parseRetryAfter('Wed, 02 Dec 2026 10:00:30 GMT', Date.parse('Wed, 02 Dec 2026 10:00:00 GMT'))).toBe(30);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  test('a message that echoes the key is redacted', () => {
    const error = helpcrunchError(response(401, { errors: [{ code: 'invalid_token', message: `Bearer ${KEY} is invalid` }] }), [KEY]);
    expect(error.message).toBe('HelpCrunch answered 401: Bearer [REDACTED] is invalid');
  });
});

describe('CoMagic', () => {
  const rpc = (code: number, mnemonic: string | undefined, data: Record<string, unknown> = {}) =>
    rpcErrorSchema.parse({ code, message: 'said', data: { ...(mnemonic && { mnemonic }), ...data } });

  test.each([
    [-32001, 'access_token_expired', 'UPSTREAM_UNAUTHENTICATED'],
    [-32001, 'access_token_blocked', 'UPSTREAM_UNAUTHENTICATED'],
    [-32003, 'ip_not_whitelisted', 'UPSTREAM_FORBIDDEN'],
    [-32008, 'method_component_disabled', 'UPSTREAM_FORBIDDEN'],
    [-32009, 'account_inactive', 'UPSTREAM_FORBIDDEN'],
    [-32602, 'invalid_parameter_value', 'BAD_USER_INPUT'],
    [-32602, 'required_parameter_missed', 'BAD_USER_INPUT'],
    [-32603, 'internal_error', 'UPSTREAM_UNAVAILABLE'],
    [-32600, 'invalid_request', 'UPSTREAM_BAD_RESPONSE'],
    [-32099, 'batch_opreations_not_supported', 'UPSTREAM_BAD_RESPONSE'],
    // The numeric code is not unique, so the mnemonic decides; without one, the code does.
    [-32602, 'access_token_invalid', 'UPSTREAM_UNAUTHENTICATED'],
    [-32003, undefined, 'UPSTREAM_FORBIDDEN'],
    [-32000, undefined, 'UPSTREAM_BAD_RESPONSE'],
  ])('%i %s is %s', (code, mnemonic, expected) => {
    const error = comagicError(rpc(code, mnemonic), [TOKEN]);
    expect(error.code).toBe(expected);
    expect(error.upstream).toEqual({ service: 'comagic', status: 200, ...(mnemonic && { code: mnemonic }) });
  });

  test('limit_exceeded is RATE_LIMITED, retried after the reset of the window used up', () => {
    const minute = { limits: { minute_remaining: 0, minute_reset: 17, day_remaining: 500, day_reset: 40_000 } };
    const day = { limits: { minute_remaining: 3, minute_reset: 17, day_remaining: 0, day_reset: 40_000 } };
    expect(comagicError(rpc(-32029, 'limit_exceeded', { metadata: minute }), [TOKEN]).retryAfter).toBe(17);
    expect(comagicError(rpc(-32029, 'limit_exceeded', { metadata: day }), [TOKEN]).retryAfter).toBe(40_000);
    expect(comagicError(rpc(-32029, 'limit_exceeded'), [TOKEN])).toMatchObject({ code: 'RATE_LIMITED', retryAfter: undefined });
    expect(secondsUntilReset(undefined)).toBeUndefined();
  });

  test('only limit_exceeded carries a retryAfter', () => {
    const metadata = { limits: { minute_remaining: 0, minute_reset: 17 } };
    expect(comagicError(rpc(-32603, 'internal_error', { metadata }), [TOKEN]).retryAfter).toBeUndefined();
  });

  test('a message that echoes the token is redacted', () => {
    const error = comagicError(rpcErrorSchema.parse({ code: -32001, message: `Token ${TOKEN} is blocked` }), [TOKEN]);
    expect(error.message).toBe('CoMagic error -32001: Token [REDACTED] is blocked');
  });
});
