import { redact, UpstreamError, type UpstreamErrorCode } from '../../errors';
import { limitsIn, type RpcError, type WireLimits } from './wire';

/**
 * Turns a JSON-RPC error object into a typed UpstreamError. The numeric code is not
 * unique, so the branch is on `data.mnemonic`, with the code as a fallback.
 */
export function comagicError(error: RpcError, secrets: string[]): UpstreamError {
  const mnemonic = error.data?.mnemonic;
  const upstream = { service: 'comagic' as const, status: 200, ...(mnemonic ? { code: mnemonic } : {}) };
  const message = `CoMagic error ${error.code}${error.message ? `: ${redact(error.message, secrets)}` : ''}`;
  const code = errorCodeFor(error.code, mnemonic);
  const retryAfter = code === 'RATE_LIMITED' ? secondsUntilReset(limitsIn(error.data?.metadata)) : undefined;
  return new UpstreamError(code, message, upstream, { retryAfter });
}

const byMnemonic: Record<string, UpstreamErrorCode> = {
  access_token_expired: 'UPSTREAM_UNAUTHENTICATED',
  access_token_blocked: 'UPSTREAM_UNAUTHENTICATED',
  access_token_invalid: 'UPSTREAM_UNAUTHENTICATED',
  auth_error: 'UPSTREAM_UNAUTHENTICATED',
  ip_not_whitelisted: 'UPSTREAM_FORBIDDEN',
  forbidden: 'UPSTREAM_FORBIDDEN',
  method_component_disabled: 'UPSTREAM_FORBIDDEN',
  parameter_component_disabled: 'UPSTREAM_FORBIDDEN',
  account_inactive: 'UPSTREAM_FORBIDDEN',
  limit_exceeded: 'RATE_LIMITED',
  data_type_error: 'BAD_USER_INPUT',
  required_parameter_missed: 'BAD_USER_INPUT',
  invalid_parameter_value: 'BAD_USER_INPUT',
  unexpected_parameters: 'BAD_USER_INPUT',
  invalid_parameters_combination: 'BAD_USER_INPUT',
  internal_error: 'UPSTREAM_UNAVAILABLE',
};

const byCode: Record<number, UpstreamErrorCode> = {
  [-32001]: 'UPSTREAM_UNAUTHENTICATED',
  [-32003]: 'UPSTREAM_FORBIDDEN',
  [-32008]: 'UPSTREAM_FORBIDDEN',
  [-32009]: 'UPSTREAM_FORBIDDEN',
  [-32029]: 'RATE_LIMITED',
  [-32602]: 'BAD_USER_INPUT',
  [-32603]: 'UPSTREAM_UNAVAILABLE',
};

function errorCodeFor(code: number, mnemonic: string | undefined): UpstreamErrorCode {
  // invalid_request, method_not_found, parse_error, batch_opreations_not_supported: the
  // contract between us and CoMagic broke, which is a response we cannot use.
  return (mnemonic && byMnemonic[mnemonic]) || byCode[code] || 'UPSTREAM_BAD_RESPONSE';
}

/** The wait until the exhausted budget (day before minute) resets, in seconds. */
export function secondsUntilReset(limits: WireLimits | null | undefined): number | undefined {
  if (!limits) return undefined;
  if (limits.day_remaining === 0 && limits.day_reset !== undefined) return limits.day_reset;
  if (limits.minute_reset !== undefined) return limits.minute_reset;
  return limits.day_reset;
}
