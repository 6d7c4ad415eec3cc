import type * as Graph from '../../generated/resolvers-types';
import type { Connection, Edge } from '../../graphql/connection';
import type { AllCovered, Covers } from '../../graphql/coverage';
import { isoFromUnixSeconds } from './time';
import { wireCustomerListSchema, wireCustomerPageSchema, wireCustomerSchema, type WireCustomer } from './wire';

/**
 * A customer as this graph serves it: what `Customer` resolves from, field for field, with
 * no resolver in between. The wire schema turns HelpCrunch's bytes into it here, in one place.
 */
export interface Customer {
  id: string;
  name: string | null;
  email: string | null;
  userId: string | null;
  company: string | null;
  phone: string | null;
  /** ISO-8601, UTC. */
  firstSeen: string | null;
  lastSeen: string | null;
  location: Location | null;
  device: Device | null;
  unsubscribed: boolean | null;
  blocked: boolean | null;
  source: string | null;
  referer: string | null;
  locale: string | null;
  notes: string | null;
  lastPage: string | null;
  tags: Tag[];
  /** Always one flat object, whichever of HelpCrunch's two forms came. */
  customData: Record<string, unknown> | null;
  createdFrom: string | null;
  integrationId: string | null;
}

export interface Location {
  regionCode: string | null;
  countryCode: string | null;
  city: string | null;
}

export interface Device {
  id: string | null;
  ip: string | null;
  timezone: string | null;
  platform: string | null;
  userAgent: string | null;
}

export interface Tag {
  name: string;
  color: string | null;
}

/** GraphQL's `Customer` is resolved from this `Customer` (codegen reads it: see graphql/mappers.ts). */
declare module '../../graphql/mappers' {
  interface Mappers {
    Customer: Customer;
    CustomerConnection: Connection<Customer>;
    CustomerEdge: Edge<Customer>;
  }
}

/** Every field of the GraphQL types is filled here: a field added to the schema alone fails to compile. */
// `chats` is resolved from the chats loader; `timeline` is the timeline link's (src/links/timeline).
export type Covered = AllCovered<[Covers<Customer, Graph.Customer, 'chats' | 'timeline'>, Covers<Location, Graph.Location>, Covers<Device, Graph.Device>, Covers<Tag, Graph.Tag>]>;

/**
 * The shape of a stored customer: part of every cache key, so that a deploy that changes
 * the shape above (or what fills it) never reads the old entries as new. Bump it then.
 */
export const CUSTOMER_SHAPE = 2;

export const customerSchema = wireCustomerSchema.transform(customerOf);
export const customerListSchema = wireCustomerListSchema.transform((list) => list.data.map(customerOf));

/** One page of a search: its customers, and how many match in all. */
export interface CustomerPage {
  customers: Customer[];
  total: number;
}

export const customerPageSchema = wireCustomerPageSchema.transform((page): CustomerPage => ({ customers: page.data.map(customerOf), total: page.total }));

function customerOf(wire: WireCustomer): Customer {
  const location = wire.location;
  const device = wire.device;
  return {
    id: String(wire.id),
    name: wire.name ?? null,
    email: wire.email ?? null,
    userId: textOf(wire.userId),
    company: wire.company ?? null,
    phone: textOf(wire.phone),
    firstSeen: isoFromUnixSeconds(wire.firstSeen),
    lastSeen: isoFromUnixSeconds(wire.lastSeen),
    location: location ? { regionCode: location.regionCode ?? null, countryCode: location.countryCode ?? null, city: location.city ?? null } : null,
    device: device
      ? { id: textOf(device.id), ip: device.ip ?? null, timezone: device.timezone ?? null, platform: device.platform ?? null, userAgent: device.userAgent ?? null }
      : null,
    unsubscribed: wire.unsubscribed ?? null,
    blocked: wire.blocked ?? null,
    source: wire.source ?? null,
    referer: wire.referer ?? null,
    locale: wire.locale ?? null,
    notes: wire.notes ?? null,
    lastPage: wire.lastPage ?? null,
    tags: (wire.tags ?? []).map((tag) => ({ name: tag.name, color: tag.color ?? null })),
    customData: customDataObject(wire.customData),
    createdFrom: wire.createdFrom ?? null,
    integrationId: textOf(wire.integrationId),
  };
}

function textOf(value: string | number | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** One document shows customData as `[{property, value}]`; clients always get one flat object. */
function customDataObject(value: WireCustomer['customData']): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return Object.fromEntries(value.map((entry) => [entry.property, entry.value]));
  return value;
}
