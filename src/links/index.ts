import type { Resolvers } from '../generated/resolvers-types';
import * as contacts from './contacts/resolvers';

/**
 * Joins across upstreams: fields of one upstream's types that another upstream answers.
 * Each is a folder with its SDL (`schema.graphql`, extending the types it joins) and its
 * resolvers; the upstreams' folders know nothing of them.
 */
export const LINKS: ReadonlyArray<{ name: string; resolvers: Resolvers }> = [{ name: 'contacts', resolvers: contacts }];
