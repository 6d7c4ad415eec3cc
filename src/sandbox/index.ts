import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { startCoMagicSandbox } from '../upstreams/comagic/sandbox';
import { createCoMagicDataset, SEED_PERSON_ID } from '../upstreams/comagic/sandboxData';
import { createHelpCrunchDataset, SEED_CUSTOMER } from '../upstreams/helpcrunch/sandboxData';
import { startHelpCrunchSandbox } from '../upstreams/helpcrunch/sandbox';

/**
 * The resolved address of each upstream and its configured credential (the sandbox's, when
 * it serves one). A credential may be missing only when requests may bring their own.
 */
export interface UpstreamEndpoints {
  helpcrunch: { apiUrl: string; apiKey: string | undefined };
  comagic: { apiUrl: string; accessToken: string | undefined; userId: number | undefined };
}

export interface ResolvedUpstreams {
  endpoints: UpstreamEndpoints;
  /** Stops the sandbox upstreams that were started, if any. */
  close(): Promise<void>;
}

/**
 * The configured upstreams, with a built-in sandbox standing in for each one whose
 * credential is missing, outside production only. In production a credential may be
 * missing only where requests bring their own (config validation has checked that).
 * Nothing reads a started sandbox's calls, so it remembers none.
 */
export async function resolveUpstreams(config: Config, logger: Logger): Promise<ResolvedUpstreams> {
  const closers: Array<() => Promise<void>> = [];
  const configured: UpstreamEndpoints = {
    helpcrunch: { apiUrl: config.helpcrunch.apiUrl, apiKey: config.helpcrunch.apiKey },
    comagic: { apiUrl: config.comagic.apiUrl, accessToken: config.comagic.accessToken, userId: config.comagic.userId },
  };
  if (config.isProduction) return { endpoints: configured, close: async () => undefined };

  let { helpcrunch, comagic } = configured;
  if (!helpcrunch.apiKey) {
    const apiKey = `sandbox-${randomBytes(12).toString('hex')}`;
    const sandbox = await startHelpCrunchSandbox({ accounts: { [apiKey]: createHelpCrunchDataset() }, keptCalls: 0 });
    closers.push(sandbox.close);
    helpcrunch = { apiUrl: sandbox.url, apiKey };
    logger.warn(
      { sandbox: 'helpcrunch', url: sandbox.url },
      `HELPCRUNCH_API_KEY is not set: serving Customer from the built-in HelpCrunch sandbox (seed customer ${SEED_CUSTOMER.id} and 300 generated). Set HELPCRUNCH_API_KEY to use the real API.`,
    );
  }
  if (!comagic.accessToken) {
    const accessToken = `sandbox-${randomBytes(12).toString('hex')}`;
    const sandbox = await startCoMagicSandbox({ accounts: { [accessToken]: createCoMagicDataset() }, keptCalls: 0 });
    closers.push(sandbox.close);
    comagic = { apiUrl: sandbox.url, accessToken, userId: undefined };
    logger.warn(
      { sandbox: 'comagic', url: sandbox.url },
      `COMAGIC_ACCESS_TOKEN is not set: serving Person and Visitor from the built-in CoMagic sandbox (seed person ${SEED_PERSON_ID} and 100 generated). Set COMAGIC_ACCESS_TOKEN to use the real API.`,
    );
  }
  return {
    endpoints: { helpcrunch, comagic },
    async close() {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
