import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { resolvers } from './resolvers';

/** `schema/` at the top of the repository, seen from `src/` and from `dist/` alike. */
export const SCHEMA_DIR = join(__dirname, '..', 'schema');

/** The SDL of every domain, one file each, in a stable order. */
export function readTypeDefs(dir = SCHEMA_DIR): string {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
}

export function buildSchema(): GraphQLSchema {
  // The generated resolver types are stricter than buildSubgraphSchema's own map type.
  return buildSubgraphSchema({ typeDefs: parse(readTypeDefs()), resolvers });
}
