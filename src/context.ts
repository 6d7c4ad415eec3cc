import { cacheScope, type EntityCache } from './cache/entityCache';
import { CoMagicClient } from './comagic/client';
import type { Config } from './config';
import { HelpCrunchClient } from './helpcrunch/client';
import { createCustomerLoader, type CustomerLoader } from './loaders/customers';
import { createPersonLoaders, type PersonLoaders } from './loaders/persons';

/** The resolved address and credential of each upstream (the sandbox's, when it serves one). */
export interface UpstreamEndpoints {
  helpcrunch: { apiUrl: string; apiKey: string };
  comagic: { apiUrl: string; accessToken: string; userId: number | undefined };
}

/**
 * What lives as long as the server: the upstream clients (they hold connection and
 * concurrency state) and the shared cache. Nothing here holds per-request data.
 */
export interface Services {
  helpcrunch: { client: HelpCrunchClient; scope: string };
  comagic: { client: CoMagicClient; scope: string };
  entityCache: EntityCache;
}

export function createServices(config: Config, endpoints: UpstreamEndpoints, entityCache: EntityCache): Services {
  return {
    helpcrunch: {
      client: new HelpCrunchClient({ ...endpoints.helpcrunch, timeoutMs: config.upstreamTimeoutMs }),
      scope: cacheScope('helpcrunch', endpoints.helpcrunch.apiKey),
    },
    comagic: {
      client: new CoMagicClient({
        ...endpoints.comagic,
        timeoutMs: config.upstreamTimeoutMs,
        concurrency: config.comagic.concurrency,
      }),
      scope: cacheScope('comagic', endpoints.comagic.accessToken),
    },
    entityCache,
  };
}

/** Per-request state: fresh loaders, so batching and memoisation never cross requests. */
export interface Context {
  customers: CustomerLoader;
  persons: PersonLoaders['persons'];
  visitors: PersonLoaders['visitors'];
  /** Scopes the response cache to the credentials that produced the data. */
  cacheScopes: string[];
  /** Response-cache lifetime of a "not found". */
  notFoundTtlSeconds: number;
}

export function createContext(services: Services): Context {
  const { helpcrunch, comagic, entityCache } = services;
  return {
    customers: createCustomerLoader(helpcrunch.client, entityCache, helpcrunch.scope),
    ...createPersonLoaders(comagic.client, entityCache, comagic.scope),
    cacheScopes: [helpcrunch.scope, comagic.scope],
    notFoundTtlSeconds: entityCache.ttl.notFoundSeconds,
  };
}
