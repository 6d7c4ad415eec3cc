/**
 * The upstream type each GraphQL type is resolved from. Codegen reads this file (see
 * codegen.yml), so a resolver that maps a field the wire type does not have fails to compile.
 */
import type { WireCustomer } from '../helpcrunch/wire';

export type CustomerModel = WireCustomer;
/** HelpCrunch sends the device id as a number. */
export type DeviceModel = NonNullable<WireCustomer['device']>;
export type { PersonRecord as PersonModel, VisitorRecord as VisitorModel } from '../loaders/persons';
