import { GraphQLError } from 'graphql';
import { idKey, timeOf, type KeysetOptions } from '../../graphql/connection';
import type { Communication, CommunicationKind } from './communication';

export const ALL_KINDS: readonly CommunicationKind[] = ['CALL', 'CHAT', 'OFFLINE_MESSAGE'];

/** Keyset pages of communications: by time, then kind and id. */
export const COMMUNICATION_PAGES: KeysetOptions<Communication> = {
  name: 'communications',
  maxFirst: 100,
  positionOf: (item) => [timeOf(item.at), `${item.kind}:${idKey(item.id)}`],
};

/** The kinds asked for: all by default; an empty list is a mistake. */
export function kindsOf(kinds: readonly CommunicationKind[] | null | undefined): CommunicationKind[] {
  if (kinds && kinds.length === 0) throw new GraphQLError('kinds needs at least one kind; leave it out for every kind', { extensions: { code: 'BAD_USER_INPUT' } });
  return [...new Set(kinds ?? ALL_KINDS)];
}

