/**
 * The domain type each GraphQL object type is resolved from, by type name. Each upstream's
 * domain module adds its own types here (`declare module`), beside their definitions;
 * codegen's `defaultMapper` reads it through `Mapped`, so codegen.yml lists no mapper.
 */
export interface Mappers {}

import type { ResolversParentTypes } from '../generated/resolvers-types';

/** Fails to compile when a domain type is declared for a name the schema has no type of. */
export type MapperNamesUnknownToTheSchema = NoneOf<Exclude<keyof Mappers, keyof ResolversParentTypes>>;
type NoneOf<Names extends never> = Names;

/** A generated GraphQL type's domain type: the one its upstream declares, or else itself. */
export type Mapped<T> = T extends { __typename?: infer Name } ? (Name extends keyof Mappers ? Mappers[Name] : T) : T;
