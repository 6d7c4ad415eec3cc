/**
 * The customer mutations' input, checked and turned into HelpCrunch's write bodies before any
 * call, and HelpCrunch's refusals (a 400's errors) turned into user errors at the input's path.
 */
import type { CreateCustomerInput, CustomerUserErrorCode, TagInput, UpdateCustomerInput } from '../../generated/resolvers-types';
import { parseId } from '../../graphql/lookups';
import type { Refusal } from './errors';
import type { Customer } from './customer';
import type { CustomerWrite, TagWrite } from './wire';

export interface UserError {
  field: string[];
  message: string;
  code: CustomerUserErrorCode;
}

/** What `createCustomer`, `updateCustomer`, `tagCustomer` and `untagCustomer` answer. */
export interface CustomerPayload {
  customer: Customer | null;
  userErrors: UserError[];
  replayed: boolean;
}

export interface DeleteCustomerPayload {
  deletedCustomerId: string | null;
  userErrors: UserError[];
  replayed: boolean;
}

declare module '../../graphql/mappers' {
  interface Mappers {
    CustomerPayload: CustomerPayload;
    DeleteCustomerPayload: DeleteCustomerPayload;
  }
}

/** A checked input: the body to send, or what is wrong with it (nothing is then sent). */
export type Checked<T> = { body: T; userErrors?: undefined } | { userErrors: UserError[] };

/** The longest short text taken: HelpCrunch documents no limit, and its fields are names, addresses and ids. */
const MAX_TEXT = 255;
/** The longest note taken. */
const MAX_NOTES = 10_000;
const MAX_TAGS = 50;
const MAX_CUSTOM_DATA = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** ISO 639-1, as create-customer-v1 asks: "Locale filed should be passed as a string according to the ISO 639-1 standard". */
const LOCALE = /^[a-z]{2}$/;

type Fields = Omit<UpdateCustomerInput, 'customData'> & { customData?: unknown };
const TEXT_FIELDS = ['name', 'email', 'userId', 'company', 'phone', 'notes', 'locale'] as const;

/** The id argument, or a user error at `["id"]`. */
export function checkedId(raw: string): number | UserError {
  try {
    return parseId(raw, 'id');
  } catch (error) {
    return { field: ['id'], message: (error as Error).message, code: 'INVALID' };
  }
}

export function createBody(input: CreateCustomerInput): Checked<CustomerWrite> {
  const { tags, ...fields } = input;
  const checked = fieldsBody(fields, ['input']);
  const userErrors = [...(checked.userErrors ?? [])];
  // A null says nothing of a new customer: it is not sent.
  if (Object.values(input).every((value) => value === null || value === undefined)) userErrors.push({ field: ['input'], message: 'Give at least one field: a customer with none cannot be told from any other', code: 'REQUIRED' });
  const tagBody = tags === undefined || tags === null ? undefined : tagsBody(tags, ['input', 'tags']);
  if (tagBody?.userErrors) userErrors.push(...tagBody.userErrors);
  if (checked.userErrors || tagBody?.userErrors || userErrors.length > 0) return { userErrors };
  const given = Object.fromEntries(Object.entries(checked.body).filter(([, value]) => value !== null)) as CustomerWrite;
  return { body: { ...given, ...(tagBody ? { tags: tagBody.body } : {}) } };
}

export function updateBody(input: UpdateCustomerInput): Checked<CustomerWrite> {
  if (Object.keys(input).length === 0) return { userErrors: [{ field: ['input'], message: 'Give at least one field to change', code: 'REQUIRED' }] };
  return fieldsBody(input, ['input']);
}

export function tagsBody(tags: readonly TagInput[], path: string[]): Checked<TagWrite[]> {
  const userErrors: UserError[] = [];
  if (tags.length === 0) userErrors.push({ field: path, message: 'Give at least one tag', code: 'REQUIRED' });
  if (tags.length > MAX_TAGS) userErrors.push({ field: path, message: `At most ${MAX_TAGS} tags at once`, code: 'TOO_LONG' });
  tags.forEach((tag, index) => {
    const at = [...path, String(index)];
    userErrors.push(...textErrors(tag.name, [...at, 'name'], true));
    if (tag.color !== undefined && tag.color !== null) userErrors.push(...textErrors(tag.color, [...at, 'color'], true));
  });
  if (userErrors.length > 0) return { userErrors };
  return { body: tags.map(({ name, color }) => (color ? { name, color } : { name })) };
}

/** `untagCustomer`'s names, as the tags body takes them; a refusal is at the name's own path (`["tags", "0"]`). */
export function untagBody(names: readonly string[]): Checked<TagWrite[]> {
  const checked = tagsBody(
    names.map((name) => ({ name })),
    ['tags'],
  );
  if (!checked.userErrors) return checked;
  return { userErrors: checked.userErrors.map((error) => (error.field.at(-1) === 'name' ? { ...error, field: error.field.slice(0, -1) } : error)) };
}

function fieldsBody(input: Fields, path: string[]): Checked<CustomerWrite> {
  const userErrors: UserError[] = [];
  const body: CustomerWrite = {};
  for (const field of TEXT_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (value !== null) userErrors.push(...textErrors(value, [...path, field], false, field === 'notes' ? MAX_NOTES : MAX_TEXT));
    if (value !== null && field === 'email' && !EMAIL.test(value)) userErrors.push({ field: [...path, field], message: 'Not an email address', code: 'INVALID' });
    if (value !== null && field === 'phone' && !/\d/.test(value)) userErrors.push({ field: [...path, field], message: 'A phone must hold at least one digit', code: 'INVALID' });
    if (value !== null && field === 'locale' && !LOCALE.test(value)) userErrors.push({ field: [...path, field], message: 'A locale is a two-letter ISO 639-1 code in lower case, e.g. "en"', code: 'INVALID' });
    body[field] = value;
  }
  for (const field of ['unsubscribed', 'blocked'] as const) if (input[field] !== undefined) body[field] = input[field];
  if (input.customData !== undefined) {
    const customData = customDataBody(input.customData, [...path, 'customData']);
    if (customData.userErrors) userErrors.push(...customData.userErrors);
    else body.customData = customData.body;
  }
  return userErrors.length > 0 ? { userErrors } : { body };
}

function textErrors(value: string, field: string[], required: boolean, max = MAX_TEXT): UserError[] {
  if (required && value.trim() === '') return [{ field, message: 'Must not be empty', code: 'REQUIRED' }];
  if (value.length > max) return [{ field, message: `At most ${max} characters, got ${value.length}`, code: 'TOO_LONG' }];
  return [];
}

/**
 * customData as a flat object ("value cannot be another object or array", as HelpCrunch's
 * customer fields say), sent as `[{property, value}]`; null clears it.
 */
function customDataBody(value: unknown, field: string[]): Checked<CustomerWrite['customData']> {
  if (value === null) return { body: null };
  if (typeof value !== 'object' || Array.isArray(value)) return { userErrors: [{ field, message: 'customData must be a JSON object', code: 'INVALID' }] };
  const entries = Object.entries(value);
  if (entries.length > MAX_CUSTOM_DATA) return { userErrors: [{ field, message: `At most ${MAX_CUSTOM_DATA} attributes, got ${entries.length}`, code: 'TOO_LONG' }] };
  const userErrors: UserError[] = [];
  const body: NonNullable<CustomerWrite['customData']> = [];
  for (const [property, entry] of entries) {
    if (entry !== null && !['string', 'number', 'boolean'].includes(typeof entry)) {
      userErrors.push({ field: [...field, property], message: 'A custom attribute is a string, a number, a boolean or null', code: 'INVALID' });
    } else if (property.trim() === '' || property.length > MAX_TEXT) {
      userErrors.push({ field: [...field, property], message: `An attribute's name is 1 to ${MAX_TEXT} characters`, code: 'INVALID' });
    } else {
      body.push({ property, value: entry as string | number | boolean | null });
    }
  }
  return userErrors.length > 0 ? { userErrors } : { body };
}

/**
 * HelpCrunch's refusals at the input's path: an error whose code names a field the input
 * has is that field's (`email` → `["input", "email"]`); any other is the input's as a whole.
 * A refusal saying the value is taken (a `userId` another customer has) is TAKEN.
 */
export function refusedInput(refusals: readonly Refusal[], path: string[], fields: readonly string[]): UserError[] {
  return refusals.map(({ field, message }) => {
    const name = field?.replace(/^customers?\./, '');
    const known = name !== undefined && fields.includes(name);
    return {
      field: known ? [...path, name] : path,
      message,
      code: /already|taken|exists|unique/i.test(message) ? 'TAKEN' : known ? 'INVALID' : 'REFUSED',
    };
  });
}

/** The input fields a 400 may name, of each mutation. */
export const INPUT_FIELDS = [...TEXT_FIELDS, 'unsubscribed', 'blocked', 'customData', 'tags'] as const;

export function notFound(): UserError {
  return { field: ['id'], message: 'There is no customer with this id', code: 'NOT_FOUND' };
}
