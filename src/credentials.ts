import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import type { UpstreamService } from './errors';

/** The credentials one request is served with: a tenant's own, or the configured ones. */
export interface Credentials {
  helpcrunchApiKey: string | undefined;
  comagicAccessToken: string | undefined;
}

/** The headers a router forwards when each tenant brings its own upstream credentials. */
export const CREDENTIAL_HEADERS = {
  helpcrunchApiKey: 'x-helpcrunch-api-key',
  comagicAccessToken: 'x-comagic-access-token',
} as const;

/** Printable ASCII with no spaces: what API keys and access tokens look like. */
const CREDENTIAL_PATTERN = /^[\x21-\x7e]{1,512}$/;

/**
 * The credentials a request is served with. When credential headers are allowed, each one
 * sent replaces the configured credential of its upstream; otherwise they are ignored.
 * A malformed header is refused (without echoing it), never silently replaced.
 */
export function requestCredentials(headers: IncomingHttpHeaders, defaults: Credentials, allowHeaders: boolean): Credentials {
  if (!allowHeaders) return defaults;
  const credentials = { ...defaults };
  for (const key of Object.keys(CREDENTIAL_HEADERS) as Array<keyof typeof CREDENTIAL_HEADERS>) {
    const name = CREDENTIAL_HEADERS[key];
    const value = headers[name];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || !CREDENTIAL_PATTERN.test(value)) {
      throw new GraphQLError(`The ${name} header must be one credential of 1 to 512 printable characters without spaces`, {
        extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
      });
    }
    credentials[key] = value;
  }
  return credentials;
}

/** The key prefix for one upstream account: `helpcrunch:3f2a…`. */
export function cacheScope(service: UpstreamService, credential: string): string {
  return `${service}:${credentialFingerprint(credential)}`;
}

/** A one-way, short fingerprint of a credential: safe to put in keys and logs. */
export function credentialFingerprint(credential: string): string {
  return createHash('sha256').update(credential).digest('hex').slice(0, 16);
}
