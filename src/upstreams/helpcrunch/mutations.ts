import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context';
import { UpstreamError } from '../../errors';
import type { MutationResolvers } from '../../generated/resolvers-types';
import type { WriteAnswer } from './client';
import type { Customer } from './customer';
import { customerEntity, entitiesOf, type Contacts, type HelpCrunchLoaders } from './loaders';
import type { CustomerWrite, TagWrite } from './wire';
import {
  checkedId,
  createBody,
  INPUT_FIELDS,
  notFound,
  refusedInput,
  tagsBody,
  untagBody,
  updateBody,
  type Checked,
  type CustomerPayload,
  type DeleteCustomerPayload,
  type UserError,
} from './writes';

type HelpCrunchContext = Context & HelpCrunchLoaders;

/** What a write left, as its Idempotency-Key keeps it. */
interface Written<T> {
  value: T | null;
  userErrors: UserError[];
}

/** One customer write, from its checked input to what it changes. */
interface CustomerWriteCall<B, T> {
  /** The mutation's name and arguments: a key sent again must ask the same. */
  ask: unknown;
  /** The customer written to; undefined for a create. */
  id?: number;
  /** Whether sending it twice leaves the customer as once does: all but a create. */
  repeatable: boolean;
  checked: Checked<B>;
  /** Whether the customer must be read first: when the write may change its contacts, whose links must then be dropped. */
  readsBefore: boolean;
  /** The contacts a write with this body sets (of a create, an update), as far as the input tells. */
  sets?(body: B): Contacts;
  send(body: B): Promise<WriteAnswer<T>>;
  /** Where HelpCrunch's refusals go, and the input fields they may name. */
  refusedAt: { path: string[]; fields: readonly string[] };
  /** The customer the answer leaves (null for a delete): it is stored fresh once its old copies are dropped. */
  after(value: T): Customer | null;
  /** What a write sent again answers when the customer is gone (a delete that the first send applied). */
  gone?: T;
}

/**
 * A write: refused at once when its input is wrong; sent once (see Writes.once); then,
 * before it answers (and before its Idempotency-Key keeps the answer), every copy of what it
 * changed dropped on every replica: the customer, the links of its contacts as they were and
 * as they are, and the account's searches. A write that may have been applied with no answer
 * drops all it may have changed too.
 */
async function customerWrite<B, T>(context: HelpCrunchContext, info: GraphQLResolveInfo, write: CustomerWriteCall<B, T>): Promise<Written<T> & { replayed: boolean }> {
  if (write.checked.userErrors) return { value: null, userErrors: write.checked.userErrors, replayed: false };
  const { body } = write.checked;
  const { id } = write;
  const { scope } = context.customerWrites;
  // A read, before anything is sent: its failure is only an error.
  const before = write.readsBefore && id !== undefined ? await context.customerWrites.before(id) : undefined;
  try {
    const { result, replayed } = await context.writes.once<Written<T>>({
      service: 'helpcrunch',
      scope,
      field: String(info.path.key),
      ask: write.ask,
      repeatable: write.repeatable,
      send: async (retaking) => {
        const answer = before === null ? null : await write.send(body);
        if (answer === null) {
          // Gone when sent again: the first send, which got no answer, was applied.
          if (retaking && write.gone !== undefined) {
            await context.writes.invalidate(entitiesOf(scope, [{ id: String(id) }]));
            return { value: write.gone, userErrors: [] };
          }
          return { value: null, userErrors: [notFound()] };
        }
        if ('refused' in answer) return { value: null, userErrors: refusedInput(answer.refused, write.refusedAt.path, write.refusedAt.fields) };
        const customer = write.after(answer.done);
        await context.writes.invalidate(entitiesOf(scope, [before ?? null, customer ?? (id === undefined ? null : { id: String(id) })]), customer ? [[customerEntity(scope, customer.id), customer]] : []);
        return { value: answer.done, userErrors: [] };
      },
    });
    return { ...result, replayed };
  } catch (error) {
    if (error instanceof UpstreamError && error.writeOutcomeUnknown) {
      // The customer as it is (its links hold it) and as the input would leave it.
      const current = before !== undefined || id === undefined ? before : await context.customerWrites.before(id).catch(() => null);
      const target = { ...(id === undefined ? {} : { id: String(id) }), ...write.sets?.(body) };
      await context.writes.invalidate(entitiesOf(scope, [current ?? null, target]));
    }
    throw error;
  }
}

function customerPayload({ value, userErrors, replayed }: Written<Customer> & { replayed: boolean }): CustomerPayload {
  return { customer: value, userErrors, replayed };
}

/** An id that is not one is a user error beside the input's, and nothing is sent. */
function withId<B>(raw: string, checked: Checked<B>): { id: number; checked: Checked<B> } {
  const id = checkedId(raw);
  if (typeof id === 'number') return { id, checked };
  return { id: 0, checked: { userErrors: [id, ...(checked.userErrors ?? [])] } };
}

/** The contacts a body sets: an email or a phone given (null when it clears one). */
function contactsSet(body: CustomerWrite): Contacts {
  return { ...('email' in body ? { email: body.email ?? null } : {}), ...('phone' in body ? { phone: body.phone ?? null } : {}) };
}

const asIs = (customer: Customer) => customer;

/** `tagCustomer` and `untagCustomer`: a change of the customer's tags, whose refusals are the tags'. */
async function tagsChange(
  context: HelpCrunchContext,
  info: GraphQLResolveInfo,
  ask: unknown,
  rawId: string,
  tags: Checked<TagWrite[]>,
  send: (id: number, body: TagWrite[]) => Promise<WriteAnswer<Customer>>,
): Promise<CustomerPayload> {
  const { id, checked } = withId(rawId, tags);
  return customerPayload(
    await customerWrite(context, info, { ask, id, repeatable: true, checked, readsBefore: false, send: (body) => send(id, body), refusedAt: { path: ['tags'], fields: [] }, after: asIs }),
  );
}

export const Mutation: MutationResolvers<HelpCrunchContext> = {
  createCustomer: async (_, { input }, context, info) =>
    customerPayload(
      await customerWrite(context, info, {
        ask: ['createCustomer', input],
        repeatable: false,
        checked: createBody(input),
        readsBefore: false,
        sets: contactsSet,
        send: (body) => context.customerWrites.create(body),
        refusedAt: { path: ['input'], fields: INPUT_FIELDS },
        after: asIs,
      }),
    ),

  updateCustomer: async (_, { id: rawId, input }, context, info) => {
    const { id, checked } = withId(rawId, updateBody(input));
    return customerPayload(
      await customerWrite(context, info, {
        ask: ['updateCustomer', rawId, input],
        id,
        repeatable: true,
        checked,
        // Only a write to an email or a phone changes which contacts link the customer.
        readsBefore: 'email' in input || 'phone' in input,
        sets: contactsSet,
        send: (body) => context.customerWrites.update(id, body),
        refusedAt: { path: ['input'], fields: INPUT_FIELDS },
        after: asIs,
      }),
    );
  },

  tagCustomer: async (_, { id, tags }, context, info) =>
    tagsChange(context, info, ['tagCustomer', id, tags], id, tagsBody(tags, ['tags']), (customer, body) => context.customerWrites.tag(customer, body)),

  untagCustomer: async (_, { id, tags }, context, info) =>
    tagsChange(context, info, ['untagCustomer', id, tags], id, untagBody(tags), (customer, body) => context.customerWrites.untag(customer, body)),

  deleteCustomer: async (_, { id: rawId }, context, info): Promise<DeleteCustomerPayload> => {
    const { id, checked } = withId(rawId, { body: null });
    const { value, userErrors, replayed } = await customerWrite(context, info, {
      ask: ['deleteCustomer', rawId],
      id,
      repeatable: true,
      checked,
      // Its contacts' links hold it: they are dropped too, so its email and phone are read first.
      readsBefore: true,
      send: () => context.customerWrites.remove(id),
      refusedAt: { path: ['id'], fields: [] },
      after: () => null,
      gone: true,
    });
    return { deletedCustomerId: value ? String(id) : null, userErrors, replayed };
  },
};
