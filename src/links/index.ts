import type { Context } from '../context';
import type { Resolvers } from '../generated/resolvers-types';
import type { HelpCrunchLoaders } from '../upstreams/helpcrunch/loaders';
import type { CoMagicLoaders } from '../upstreams/comagic/loaders';
import * as contacts from './contacts/resolvers';
import * as timeline from './timeline/resolvers';

/**
 * A join across upstreams: fields of one upstream's types that another upstream answers. It
 * is a folder with its SDL (`schema.graphql`, extending the types it joins) and its
 * resolvers, handed a request's context with the loaders of the upstreams it joins; the
 * upstreams' folders know nothing of it.
 */
export interface Link<Loaders> {
  name: string;
  resolvers: Resolvers<Context & Loaders>;
}

const contactsLink: Link<HelpCrunchLoaders> = { name: 'contacts', resolvers: contacts };
const timelineLink: Link<HelpCrunchLoaders & CoMagicLoaders> = { name: 'timeline', resolvers: timeline };

/** Every link, each checked against the loaders it uses where it is listed. */
export const LINKS: ReadonlyArray<Link<any>> = [contactsLink, timelineLink];
