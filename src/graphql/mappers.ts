/**
 * The domain type each GraphQL object type is resolved from, by type name. Each upstream's
 * domain module adds its own types here (`declare module`), beside their definitions;
 * codegen's `defaultMapper` reads it through `Mapped`, so codegen.yml lists no mapper
 * (coverage.ts checks each name against the schema).
 */
export interface Mappers {}

/** A generated GraphQL type's domain type: the one its upstream declares, or else itself. */
export type Mapped<T> = T extends { __typename?: infer Name } ? (Name extends keyof Mappers ? Mappers[Name] : T) : T;
