import { refusingLoader } from '../../loaders/refusing';
import type { Upstream } from '../upstream';
import { helpcrunchAccounts, helpcrunchConcurrency } from './account';
import type { HelpCrunchClient } from './client';
import { helpcrunchConfig, helpcrunchEnv, type HelpCrunchConfig } from './config';
import { createHelpCrunchLoaders, type HelpCrunchLoaders } from './loaders';
import * as resolvers from './resolvers';
import { startHelpCrunchSandbox } from './sandbox';
import { createHelpCrunchDataset, SEED_CUSTOMER } from './sandboxData';

/** HelpCrunch REST API v1: `Customer`. */
export const helpcrunch: Upstream<'helpcrunch', typeof helpcrunchEnv, HelpCrunchConfig, HelpCrunchClient, HelpCrunchLoaders> = {
  name: 'helpcrunch',
  title: 'HelpCrunch',
  credential: { variable: 'HELPCRUNCH_API_KEY', header: 'X-HelpCrunch-Api-Key' },
  // The client's options hold the key.
  logRedactPaths: ['apiKey', '*.apiKey'],
  env: helpcrunchEnv,
  settings: helpcrunchConfig,
  endpoint: ({ apiUrl, apiKey }) => ({ apiUrl, credential: apiKey }),
  sandbox: {
    serves: 'Customer and their chats (writes included)',
    holds: `seed customer ${SEED_CUSTOMER.id} and 300 generated`,
    start: (apiKey) => startHelpCrunchSandbox({ accounts: { [apiKey]: createHelpCrunchDataset() }, keptCalls: 0 }),
  },
  concurrency: helpcrunchConcurrency,
  accounts: helpcrunchAccounts,
  loaders: ({ client, scope }, cache, request) => createHelpCrunchLoaders(client, cache, scope, request),
  refusing: (error) => ({
    customers: refusingLoader(error),
    customerWrites: {
      scope: '',
      create: () => Promise.reject(error),
      update: () => Promise.reject(error),
      tag: () => Promise.reject(error),
      untag: () => Promise.reject(error),
      remove: () => Promise.reject(error),
      before: () => Promise.reject(error),
    },
    customerSearch: () => Promise.reject(error),
    customersByContact: refusingLoader(error),
    chats: refusingLoader(error),
    chatsOfCustomer: refusingLoader(error),
    messagePages: refusingLoader(error),
  }),
  resolvers,
};
