import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

/** A folder's part of the graph: its name (which names its SDL's folder) and its resolvers, by type. */
export interface GraphPart {
  name: string;
  resolvers: Record<string, object>;
}

/**
 * The shared scalars, and every upstream's and link's resolvers merged by type: each folder
 * resolves its own types and its own fields of the root types and of the types it links. A field two folders resolve is a
 * mistake, stopped at start-up.
 */
export function mergedResolvers(upstreams: ReadonlyArray<Pick<GraphPart, 'resolvers'>>): GraphQLResolverMap<unknown> {
  // Each folder's resolvers are typed by the generated types; the merged map is the subgraph library's type.
  const merged: Record<string, object> = { DateTime: DateTimeResolver, JSON: JSONResolver };
  for (const { resolvers } of upstreams) {
    for (const [type, fields] of Object.entries(resolvers)) {
      const known = merged[type] ?? {};
      const twice = Object.keys(fields).find((field) => field in known);
      if (twice !== undefined) throw new Error(`${type}.${twice} is resolved in two upstream folders`);
      merged[type] = { ...known, ...fields };
    }
  }
  return merged as GraphQLResolverMap<unknown>;
}
