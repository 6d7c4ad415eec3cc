import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { UPSTREAMS, type UpstreamService } from './upstreams';

/** The credentials one request is served with, by upstream: a tenant's own, or the configured ones. */
export type Credentials = Record<UpstreamService, string | undefined>;

/** Each upstream's credential header, in lower case as node:http gives headers. */
const HEADER_OF = UPSTREAMS.map(({ name, credential }) => ({ name, header: credential.header.toLowerCase() }));

/** The headers a router forwards when each tenant brings its own upstream credentials, one per upstream. */
export const CREDENTIAL_HEADERS: readonly string[] = HEADER_OF.map(({ header }) => header);

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
  for (const { name, header } of HEADER_OF) {
    const value = headers[header];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || !CREDENTIAL_PATTERN.test(value)) {
      throw new GraphQLError(`The ${header} header must be one credential of 1 to 512 printable characters without spaces`, {
        extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
      });
    }
    credentials[name] = value;
  }
  return credentials;
}

/** The key prefix for one upstream account: its name and the credential's fingerprint (`<name>:3f2a…`). */
export function cacheScope(service: UpstreamService, credential: string): string {
  return `${service}:${credentialFingerprint(credential)}`;
}

/** A one-way, short fingerprint of a credential: safe to put in keys and logs. */
export function credentialFingerprint(credential: string): string {
  return createHash('sha256').update(credential).digest('hex').slice(0, 16);
}
