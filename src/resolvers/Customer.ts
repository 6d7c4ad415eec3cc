import type { CustomerResolvers, DeviceResolvers } from '../generated/resolvers-types';
import type { WireCustomer } from '../helpcrunch/wire';
import { referenceById } from './ids';

export const Customer: CustomerResolvers = {
  __resolveReference: referenceById('Customer', (context) => context.customers),
  id: (customer) => customer.id,
  userId: (customer) => textOf(customer.userId),
  phone: (customer) => textOf(customer.phone),
  firstSeen: (customer) => dateTimeFromUnixSeconds(customer.firstSeen),
  lastSeen: (customer) => dateTimeFromUnixSeconds(customer.lastSeen),
  tags: (customer) => customer.tags ?? [],
  customData: (customer) => customDataObject(customer.customData),
  integrationId: (customer) => textOf(customer.integrationId),
};

export const Device: DeviceResolvers = {
  id: (device) => textOf(device.id),
};

function textOf(value: string | number | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** HelpCrunch sends UNIX seconds as an integer, as a numeric string, or null. */
export function dateTimeFromUnixSeconds(value: WireCustomer['lastSeen']): string | null {
  if (value === null || value === undefined) return null;
  const seconds = typeof value === 'number' ? value : /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(seconds)) return null;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** One document shows customData as `[{property, value}]`; clients always get one flat object. */
export function customDataObject(value: WireCustomer['customData']): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return Object.fromEntries(value.map((entry) => [entry.property, entry.value]));
  return value;
}
