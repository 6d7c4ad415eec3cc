/**
 * The upstream type each GraphQL type is resolved from. Codegen reads this file (see
 * codegen.yml), so a resolver that maps a field the wire type does not have fails to compile.
 */
export type { WireCustomer as CustomerModel } from '../helpcrunch/wire';
export type { PersonRecord as PersonModel, VisitorRecord as VisitorModel } from '../loaders/persons';
