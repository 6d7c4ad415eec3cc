import type { RedisClientType } from '@keyv/redis';
import type { Tracer } from '@opentelemetry/api';
import type { z } from 'zod';
import type { EntityCache } from '../cache/entityCache';
import type { Config, UpstreamVariables } from '../config';
import type { Context } from '../context';
import type { Resolvers } from '../generated/resolvers-types';
import type { LoaderRequest } from '../loaders/cachedBatch';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { UpstreamConnection } from '../transport/http';

/**
 * What the server needs to know of one upstream API. Each folder below `src/upstreams/`
 * exports one from its `index.ts`, and `src/upstreams/index.ts` lists them. Only the
 * composition root (`src/server.ts`) reads the list, and hands it to the shared machinery,
 * which knows this contract and never the list. The folder's `schema.graphql` is its part
 * of the graph.
 */
export interface Upstream<Name extends string, Env extends z.ZodRawShape, Settings, Client, Loaders> extends UpstreamVariables<Name, Env, Settings> {
  /** As people write it: `HelpCrunch`. */
  title: string;
  credential: {
    /** The variable that configures it: `HELPCRUNCH_API_KEY`. */
    variable: keyof Env & string;
    /** The header a tenant's request brings its own in (when ALLOW_CREDENTIAL_HEADERS=true): `X-HelpCrunch-Api-Key`. */
    header: string;
  };
  /** Where else a credential of this upstream could sit in a logged object, as pino redact paths. */
  logRedactPaths: string[];
  /** The configured address and credential, before a sandbox stands in for a missing one. */
  endpoint(settings: Settings): Endpoint;
  /** A built-in stand-in for the API with sandbox data, served when no credential is configured (outside production). */
  sandbox: Sandbox;
  /** How many calls one account may have in flight. */
  concurrency(settings: Settings, config: Config): number;
  /** What builds one account's client, with its limits, retries and breaker, once per credential. */
  accounts(settings: Settings, config: Config, dependencies: AccountDependencies): (credential: string, fingerprint: string) => Client;
  /** The loaders of one request served with one account. */
  loaders(account: Account<Client>, cache: EntityCache, request: LoaderRequest): Loaders;
  /** The same loaders for a request with no credential for this upstream: each fails with `error` (see `refusingLoader`). */
  refusing(error: Error): Loaders;
  /**
   * Its resolvers, merged with the others' by type (see graphql/resolvers.ts); each must name
   * what the schema has. They are handed a request's context with this upstream's loaders.
   */
  resolvers: Resolvers<Context & Loaders>;
}

/** Any of the upstreams, as shared code sees it: its name, but none of its own types. */
export type AnyUpstream = Upstream<string, any, any, any, any>;

/** Where an upstream answers, and the credential it is called with when a request brings none. */
export interface Endpoint {
  apiUrl: string;
  credential: string | undefined;
}

export interface Sandbox {
  /** For the start-up warning: the types it serves (`Customer`) and what data (`seed customer 1 and 300 generated`). */
  serves: string;
  holds: string;
  /** Starts it with one account, that of `credential`; it remembers no calls, since nothing reads them. */
  start(credential: string): Promise<{ url: string; close(): Promise<void> }>;
}

/** One account of an upstream: its client (with its limits, retries and breaker) and its cache scope. */
export interface Account<Client> {
  client: Client;
  /** Prefixes every cache key of this account, and scopes the response cache. */
  scope: string;
}

/** What an upstream's accounts are built with; they live as long as the server. */
export interface AccountDependencies {
  connection: UpstreamConnection;
  /** The cache's Redis, when there is one: a budget can be shared by every replica through it. */
  redis: RedisClientType | undefined;
  logger: Logger;
  metrics: Metrics;
  /** Starts the spans of its calls. */
  tracer: Tracer;
}
