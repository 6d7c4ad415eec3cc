import { randomBytes } from 'node:crypto';
import { settingsOf, type Config, type SettingsByName } from '../config';
import type { Logger } from '../logger';
import type { AnyUpstream, Endpoint } from '../upstreams/upstream';

/**
 * The resolved address of each upstream and its configured credential (the sandbox's, when
 * it serves one), by name. A credential may be missing only when requests may bring their own.
 */
export type UpstreamEndpoints = Record<string, Endpoint>;

export interface ResolvedUpstreams {
  endpoints: UpstreamEndpoints;
  /** Stops the sandbox upstreams that were started, if any. */
  close(): Promise<void>;
}

/**
 * The configured upstreams, with a built-in sandbox standing in for each one whose
 * credential is missing, outside production only. In production a credential may be
 * missing only where requests bring their own (config validation has checked that).
 */
export async function resolveUpstreams<const U extends readonly AnyUpstream[]>(
  upstreams: U,
  config: Config<SettingsByName<U>>,
  logger: Logger,
): Promise<ResolvedUpstreams> {
  const closers: Array<() => Promise<void>> = [];
  const endpoints: UpstreamEndpoints = {};
  for (const upstream of upstreams) {
    const configured = upstream.endpoint(settingsOf(config, upstream.name));
    if (config.isProduction || configured.credential) {
      endpoints[upstream.name] = configured;
      continue;
    }
    const { sandbox, credential, title } = upstream;
    const sandboxCredential = `sandbox-${randomBytes(12).toString('hex')}`;
    const started = await sandbox.start(sandboxCredential);
    closers.push(started.close);
    endpoints[upstream.name] = { apiUrl: started.url, credential: sandboxCredential };
    logger.warn(
      { sandbox: upstream.name, url: started.url },
      `${credential.variable} is not set: serving ${sandbox.serves} from the built-in ${title} sandbox (${sandbox.holds}). Set ${credential.variable} to use the real API.`,
    );
  }
  return {
    endpoints,
    async close() {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
