import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';

/** The credentials one request is served with, by upstream name: a tenant's own, or the configured ones. */
export type Credentials = Record<string, string | undefined>;

/** What this module reads of an upstream: the header a tenant's request brings its credential in. */
export interface CredentialHeader {
  name: string;
  credential: { header: string };
}

/** Printable ASCII with no spaces: what API keys and access tokens look like. */
const CREDENTIAL_PATTERN = /^[\x21-\x7e]{1,512}$/;

/**
 * The credential headers of the upstreams served, one per upstream (its `credential.header`):
 * what a router forwards when each tenant brings its own upstream credentials.
 */
export class CredentialHeaders {
  /** Each upstream's header, in lower case as node:http gives headers. */
  readonly names: readonly string[];
  private readonly headers: ReadonlyArray<{ service: string; header: string }>;

  constructor(upstreams: readonly CredentialHeader[]) {
    this.headers = upstreams.map(({ name, credential }) => ({ service: name, header: credential.header.toLowerCase() }));
    this.names = this.headers.map(({ header }) => header);
  }

  /**
   * The credentials a request is served with. When credential headers are allowed, each one
   * sent replaces the configured credential of its upstream; otherwise they are ignored.
   * A malformed header is refused (without echoing it), never silently replaced.
   */
  read(headers: IncomingHttpHeaders, defaults: Credentials, allowHeaders: boolean): Credentials {
    if (!allowHeaders) return defaults;
    const credentials = { ...defaults };
    for (const { service, header } of this.headers) {
      const value = headers[header];
      if (value === undefined || value === '') continue;
      if (typeof value !== 'string' || !CREDENTIAL_PATTERN.test(value)) {
        throw new GraphQLError(`The ${header} header must be one credential of 1 to 512 printable characters without spaces`, {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
      }
      credentials[service] = value;
    }
    return credentials;
  }

  /** Where these headers sit in a logged request, as pino redact paths. */
  logPaths(): string[] {
    return this.names.flatMap((header) => [`headers["${header}"]`, `req.headers["${header}"]`]);
  }
}

/** The key prefix for one upstream account: its name and the credential's fingerprint (`<name>:3f2a…`). */
export function cacheScope(service: string, credential: string): string {
  return `${service}:${credentialFingerprint(credential)}`;
}

/** A one-way, short fingerprint of a credential: safe to put in keys and logs. */
export function credentialFingerprint(credential: string): string {
  return createHash('sha256').update(credential).digest('hex').slice(0, 16);
}
