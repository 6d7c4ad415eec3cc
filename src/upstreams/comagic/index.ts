import { refusingLoader } from '../../loaders/refusing';
import type { Upstream } from '../upstream';
import { comagicAccounts, comagicConcurrency } from './account';
import type { CoMagicClient } from './client';
import { comagicConfig, comagicEnv, type CoMagicConfig } from './config';
import { DEFAULT_REPORTS_KEPT_DAYS, reportRange } from './history';
import { createHistoryLoaders } from './historyLoaders';
import { createPersonLoaders, type CoMagicLoaders } from './loaders';
import * as resolvers from './resolvers';
import { startCoMagicSandbox } from './sandbox';
import { createCoMagicDataset, SEED_PERSON_ID } from './sandboxData';

/** CoMagic / UIS Data API v2.0 (JSON-RPC): `Person`, `Visitor` and their communications. */
export const comagic: Upstream<'comagic', typeof comagicEnv, CoMagicConfig, CoMagicClient, CoMagicLoaders> = {
  name: 'comagic',
  title: 'CoMagic',
  credential: { variable: 'COMAGIC_ACCESS_TOKEN', header: 'X-CoMagic-Access-Token' },
  // The client's options hold the token, and every JSON-RPC call's params.
  logRedactPaths: ['accessToken', 'access_token', 'params.access_token', '*.accessToken', '*.access_token'],
  env: comagicEnv,
  settings: comagicConfig,
  endpoint: ({ apiUrl, accessToken }) => ({ apiUrl, credential: accessToken }),
  sandbox: {
    serves: 'Person, Visitor and their calls, chats and offline messages',
    holds: `seed person ${SEED_PERSON_ID} and 100 generated`,
    start: (accessToken) => startCoMagicSandbox({ accounts: { [accessToken]: createCoMagicDataset() }, keptCalls: 0 }),
  },
  concurrency: comagicConcurrency,
  accounts: comagicAccounts,
  loaders: ({ client, scope }, cache, request) => ({
    ...createPersonLoaders(client, cache, scope, request),
    ...createHistoryLoaders(client, cache, scope, request),
    reportRange: (args) => reportRange(args, { keptDays: client.reportsKeptDays }),
  }),
  refusing: (error) => ({
    persons: refusingLoader(error),
    visitors: refusingLoader(error),
    communications: refusingLoader(error),
    // With no account, the range still bounds the other upstream's part of a timeline.
    reportRange: (args) => reportRange(args, { keptDays: DEFAULT_REPORTS_KEPT_DAYS }),
  }),
  resolvers,
};
