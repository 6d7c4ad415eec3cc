import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type GraphQLSchema } from 'graphql';
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

/**
 * The subgraph SDL exactly as a router or `rover subgraph introspect` reads it, from
 * `_service { sdl }` (which differs in layout from printing the schema object).
 */
export async function subgraphSdl(schema = buildSchema()): Promise<string> {
  const result = await execute({ schema, document: parse('{ _service { sdl } }') });
  const sdl = (result.data as { _service?: { sdl?: unknown } } | null | undefined)?._service?.sdl;
  if (result.errors?.length || typeof sdl !== 'string') {
    throw new Error(`_service { sdl } failed: ${result.errors?.map((error) => error.message).join('; ')}`);
  }
  return sdl;
}
