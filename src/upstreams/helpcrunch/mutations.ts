import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context';
import { UpstreamError } from '../../errors';
import type { MutationResolvers } from '../../generated/resolvers-types';
import type { WriteAnswer } from './client';
import type { Customer } from './customer';
import { customerEntity, entitiesOf, type HelpCrunchLoaders } from './loaders';
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

/** What a write left, as its Idempotency-Key keeps it: the answer, and the entities it changed. */
interface Written<T> {
  value: T | null;
  userErrors: UserError[];
  entities: string[];
}

/** One customer write, from its checked input to the entities it changes. */
interface CustomerWriteCall<B, T> {
  /** The mutation's name and arguments: a key sent again must ask the same. */
  ask: unknown;
  /** Whether sending it twice leaves the customer as once does: all but a create. */
  repeatable: boolean;
  checked: Checked<B>;
  /** The customer before the write, when the write may change its contacts (undefined: not needed). */
  before?(): Promise<Customer | null>;
  /** The customer as a write with this body leaves it, as far as it can be told before the answer (for an outcome unknown). */
  expected?(body: B): Pick<Customer, 'id' | 'email' | 'phone'> | null;
  send(body: B): Promise<WriteAnswer<T>>;
  /** Where HelpCrunch's refusals go, and the input fields they may name. */
  refusedAt: { path: string[]; fields: readonly string[] };
  /** The customer the answer leaves, if any: it is stored fresh once its old copies are dropped. */
  after(value: T): Customer | null;
}

/**
 * A write: refused at once when its input is wrong; sent once (see Writes.once); then
 * every copy of what it changed dropped on every replica before it answers: the customer,
 * its contacts' links (as they were and as they are), and the account's searches.
 */
async function customerWrite<B, T>(context: HelpCrunchContext, info: GraphQLResolveInfo, write: CustomerWriteCall<B, T>): Promise<Written<T> & { replayed: boolean }> {
  if (write.checked.userErrors) return { value: null, userErrors: write.checked.userErrors, entities: [], replayed: false };
  const { body } = write.checked;
  const { scope } = context.customerWrites;
  // What an answer that never came may have changed: the customer as it was, and as the input would leave it.
  let mayChange: string[] = [];
  try {
    const { result, replayed } = await context.writes.once<Written<T>>({
      service: 'helpcrunch',
      scope,
      field: String(info.path.key),
      ask: write.ask,
      repeatable: write.repeatable,
      send: async () => {
        const before = write.before ? await write.before() : undefined;
        if (before === null) return { value: null, userErrors: [notFound()], entities: [] };
        mayChange = entitiesOf(scope, [before ?? null, write.expected?.(body) ?? null]);
        const answer = await write.send(body);
        if (answer === null) return { value: null, userErrors: [notFound()], entities: [] };
        if ('refused' in answer) return { value: null, userErrors: refusedInput(answer.refused, write.refusedAt.path, write.refusedAt.fields), entities: [] };
        return { value: answer.done, userErrors: [], entities: entitiesOf(scope, [before ?? null, write.after(answer.done)]) };
      },
    });
    if (!replayed && result.entities.length > 0) {
      const customer = result.value === null ? null : write.after(result.value);
      await context.writes.invalidate(result.entities, customer ? [[customerEntity(scope, customer.id), customer]] : []);
    }
    return { ...result, replayed };
  } catch (error) {
    if (error instanceof UpstreamError && error.writeOutcomeUnknown && mayChange.length > 0) await context.writes.invalidate(mayChange);
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

/** The customer and the contacts a body sets: what a write with no answer may have changed. */
function contactsAfter(id: number, body: CustomerWrite): Pick<Customer, 'id' | 'email' | 'phone'> {
  return { id: String(id), email: body.email ?? null, phone: body.phone ?? null };
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
    await customerWrite(context, info, {
      ask,
      repeatable: true,
      checked,
      // With no answer, the customer's entry may hold its old tags.
      expected: () => ({ id: String(id), email: null, phone: null }),
      send: (body) => send(id, body),
      refusedAt: { path: ['tags'], fields: [] },
      after: asIs,
    }),
  );
}

export const Mutation: MutationResolvers<HelpCrunchContext> = {
  createCustomer: async (_, { input }, context, info) =>
    customerPayload(
      await customerWrite(context, info, {
        ask: ['createCustomer', input],
        repeatable: false,
        checked: createBody(input),
        expected: (body) => ({ id: '0', email: body.email ?? null, phone: body.phone ?? null }),
        send: (body) => context.customerWrites.create(body),
        refusedAt: { path: ['input'], fields: INPUT_FIELDS },
        after: asIs,
      }),
    ),

  updateCustomer: async (_, { id: rawId, input }, context, info) => {
    const { id, checked } = withId(rawId, updateBody(input));
    // Only a write to an email or a phone changes which contacts link the customer.
    const changesContacts = 'email' in input || 'phone' in input;
    return customerPayload(
      await customerWrite(context, info, {
        ask: ['updateCustomer', rawId, input],
        repeatable: true,
        checked,
        ...(changesContacts ? { before: () => context.customerWrites.before(id) } : {}),
        expected: (body) => contactsAfter(id, body),
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
      repeatable: true,
      checked,
      // Its contacts' links hold it: they are dropped too, so its email and phone are read first.
      before: () => context.customerWrites.before(id),
      send: () => context.customerWrites.remove(id),
      refusedAt: { path: ['id'], fields: [] },
      after: () => null,
    });
    return { deletedCustomerId: value ? String(id) : null, userErrors, replayed };
  },
};
