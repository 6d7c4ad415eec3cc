import type { Connection, Edge } from '../../graphql/connection';
import type { TimelineSource } from '../../generated/resolvers-types';
import type { Communication } from '../../upstreams/comagic/communication';
import type { Chat } from '../../upstreams/helpcrunch/chat';

/** An item of a timeline: a HelpCrunch chat or a CoMagic communication, with when and whence. */
export interface TimelineEdge {
  at: string;
  source: TimelineSource;
  node: Chat | Communication;
}

/** A page of a timeline: its edges carry their time and source beside the cursor. */
export interface TimelinePage extends Omit<Connection<TimelineEdge>, 'edges'> {
  edges: Array<TimelineEdge & Pick<Edge<TimelineEdge>, 'cursor'>>;
  missingSources: TimelineSource[];
}

declare module '../../graphql/mappers' {
  interface Mappers {
    Timeline: TimelinePage;
    TimelineEdge: TimelineEdge & { cursor: string };
    TimelineItem: Chat | Communication;
  }
}
