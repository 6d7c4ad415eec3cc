import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, GraphQLError, isInterfaceType, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { mergedResolvers, type GraphPart } from './resolvers';

/** The repository's root, seen from `src/graphql/` and from `dist/graphql/` alike: the SDL is read from there. */
const ROOT_DIR = join(__dirname, '..', '..');

/** What the graph is made of, as the composition root hands it: the upstreams, then the links between them. */
export interface GraphParts {
  upstreams: readonly GraphPart[];
  links: readonly GraphPart[];
}

/**
 * The SDL: the shared base (`schema/base.graphql`: directives and scalars), then each
 * upstream's own types (`src/upstreams/<name>/schema.graphql`), by name, so that the published SDL
 * keeps its order whatever the list's; then the links between them (`src/links/<name>/schema.graphql`).
 */
export function readTypeDefs({ upstreams, links }: GraphParts, rootDir = ROOT_DIR): string {
  const files = [
    join(rootDir, 'schema', 'base.graphql'),
    ...upstreams
      .map(({ name }) => name)
      .sort()
      .map((name) => join(rootDir, 'src', 'upstreams', name, 'schema.graphql')),
    ...links.map(({ name }) => join(rootDir, 'src', 'links', name, 'schema.graphql')),
  ];
  return files.map((file) => readFileSync(file, 'utf8')).join('\n');
}

export function buildSchema(parts: GraphParts): GraphQLSchema {
  const resolvers = mergedResolvers([...parts.upstreams, ...parts.links]);
  const schema = buildSubgraphSchema({ typeDefs: parse(readTypeDefs(parts)), resolvers });
  assertResolvesOnlyWhatExists(schema, resolvers);
  return entitiesFailAlone(schema);
}

/**
 * Stops the start-up when a folder resolves a type or field the schema does not have (a
 * misspelt name, say), which the subgraph library would ignore without a word.
 */
export function assertResolvesOnlyWhatExists(schema: GraphQLSchema, resolvers: Record<string, object>): void {
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type) throw new Error(`The resolvers name a type the schema does not have: ${typeName}`);
    if (!isObjectType(type)) continue;
    const unknown = Object.keys(fields).filter((field) => !field.startsWith('__') && !(field in type.getFields()));
    if (unknown.length > 0) throw new Error(`The resolvers name fields ${typeName} does not have: ${unknown.join(', ')}`);
  }
}

/**
 * A representation of a type this subgraph does not have (or one that is not an object)
 * fails its own entity, as the caller's mistake. The subgraph library throws for it in its
 * one pass over every representation, which would fail the whole `_entities` list as an
 * internal error; the others are still resolved by the library, in one batch where possible.
 */
function entitiesFailAlone(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) return schema;
  const typeOf = (representation: unknown) => {
    const typename = (representation as { __typename?: unknown } | null)?.__typename;
    const type = typeof typename === 'string' ? schema.getType(typename) : undefined;
    return isObjectType(type) || isInterfaceType(type) ? type : undefined;
  };
  field.resolve = (source, args: { representations: unknown[] }, context, info) => {
    if (args.representations.every(typeOf)) return resolve(source, args, context, info);
    return args.representations.map((representation) =>
      typeOf(representation)
        ? (resolve(source, { representations: [representation] }, context, info) as unknown[])[0]
        : unknownRepresentation(representation),
    );
  };
  return schema;
}

function unknownRepresentation(representation: unknown): GraphQLError {
  const typename = (representation as { __typename?: unknown } | null)?.__typename;
  const message =
    typeof typename === 'string'
      ? `_entities: this subgraph has no entity type ${JSON.stringify(typename.slice(0, 100))}`
      : '_entities: each representation must be an object with a __typename';
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * The subgraph SDL exactly as a router or `rover subgraph introspect` reads it, from
 * `_service { sdl }` (which differs in layout from printing the schema object).
 */
export async function subgraphSdl(schema: GraphQLSchema): Promise<string> {
  const result = await execute({ schema, document: parse('{ _service { sdl } }') });
  const sdl = (result.data as { _service?: { sdl?: unknown } } | null | undefined)?._service?.sdl;
  if (result.errors?.length || typeof sdl !== 'string') {
    throw new Error(`_service { sdl } failed: ${result.errors?.map((error) => error.message).join('; ')}`);
  }
  return sdl;
}
