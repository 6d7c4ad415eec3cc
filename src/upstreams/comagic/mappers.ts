/** The domain type each GraphQL type of this folder is resolved from; codegen reads it (see codegen.yml). */
export type { Person as PersonMapper, Visitor as VisitorMapper } from './person';
