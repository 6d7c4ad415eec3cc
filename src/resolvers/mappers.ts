/**
 * The domain type each GraphQL type is resolved from, as each upstream's folder defines it.
 * Codegen reads this file (see codegen.yml), so a resolver is typed against what it receives.
 */
export type { Customer as CustomerModel } from '../helpcrunch/customer';
export type { Person as PersonModel, Visitor as VisitorModel } from '../comagic/person';
