import { refusingLoader } from '../../loaders/refusing';
import type { Upstream } from '../upstream';
import { comagicAccounts, comagicConcurrency } from './account';
import type { CoMagicClient } from './client';
import { comagicConfig, comagicEnv, type CoMagicConfig } from './config';
import { createPersonLoaders, type PersonLoaders } from './loaders';
import * as resolvers from './resolvers';
import { startCoMagicSandbox } from './sandbox';
import { createCoMagicDataset, SEED_PERSON_ID } from './sandboxData';

/** CoMagic / UIS Data API v2.0 (JSON-RPC): `Person` and `Visitor`. */
export const comagic: Upstream<'comagic', typeof comagicEnv, CoMagicConfig, CoMagicClient, PersonLoaders> = {
  name: 'comagic',
  title: 'CoMagic',
  credential: { variable: 'COMAGIC_ACCESS_TOKEN', header: 'X-CoMagic-Access-Token' },
  // The client's options hold the token, and every JSON-RPC call's params.
  logRedactPaths: ['accessToken', 'access_token', 'params.access_token', '*.accessToken', '*.access_token'],
  env: comagicEnv,
  settings: comagicConfig,
  endpoint: ({ apiUrl, accessToken }) => ({ apiUrl, credential: accessToken }),
  sandbox: {
    serves: 'Person and Visitor',
    holds: `seed person ${SEED_PERSON_ID} and 100 generated`,
    start: (accessToken) => startCoMagicSandbox({ accounts: { [accessToken]: createCoMagicDataset() }, keptCalls: 0 }),
  },
  concurrency: comagicConcurrency,
  accounts: comagicAccounts,
  loaders: ({ client, scope }, cache, request) => createPersonLoaders(client, cache, scope, request),
  refusing: (error) => ({ persons: refusingLoader(error), visitors: refusingLoader(error) }),
  resolvers,
};
