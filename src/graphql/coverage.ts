import type { ResolversParentTypes } from '../generated/resolvers-types';
import type { Mappers } from './mappers';

/**
 * `true` when every field of the GraphQL type `G` is a key of the domain type `D` or one of
 * the `Resolved` fields that have a resolver of their own; otherwise it names the fields
 * nothing fills, and the `true` it is checked against fails to compile.
 */
export type Covers<D, G, Resolved extends string = never> = [Uncovered<D, G, Resolved>] extends [never]
  ? true
  : { fieldsNothingFills: Uncovered<D, G, Resolved> };

type Uncovered<D, G, Resolved extends string> = Exclude<keyof Omit<G, '__typename'>, keyof D | Resolved>;

/** A list of `Covers` checks, each of which must be `true`. */
export type AllCovered<Checks extends true[]> = Checks;

/** Fails to compile when a domain type is declared for a name the schema has no type of. */
export type MapperNamesUnknownToTheSchema = NoneOf<Exclude<keyof Mappers, keyof ResolversParentTypes>>;
type NoneOf<Names extends never> = Names;
