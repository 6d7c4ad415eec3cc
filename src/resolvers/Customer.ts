import type { CustomerResolvers } from '../generated/resolvers-types';
import { referenceById } from './ids';

// Every field is the domain object's own (src/helpcrunch/customer.ts): only the reference needs a resolver.
export const Customer: CustomerResolvers = {
  __resolveReference: referenceById('Customer', (context) => context.customers),
};
