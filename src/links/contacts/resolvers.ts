import { cacheControlFromInfo } from '@apollo/cache-control-types';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context';
import type { PersonResolvers, VisitorResolvers } from '../../generated/resolvers-types';
import { contactKeys } from '../../contacts';
import type { Customer } from '../../upstreams/helpcrunch/customer';
import type { HelpCrunchLoaders } from '../../upstreams/helpcrunch/loaders';

/** What the link's resolvers are handed: a request's context with HelpCrunch's loaders, whose search it uses. */
type LinkContext = Context & HelpCrunchLoaders;

/**
 * A contact across both APIs: the HelpCrunch customers of a CoMagic person or visitor, by
 * their emails and phones. Every person and visitor a request asks this of shares one
 * batch of contacts, so the whole request costs one HelpCrunch search per 100 contacts (or
 * 1,000 filters: a phone is 22).
 */
export const Person: PersonResolvers<LinkContext> = {
  customers: (person, _, context, info) =>
    customersOf(
      person.visitors.flatMap((visitor) => visitor.emails),
      person.visitors.flatMap((visitor) => visitor.phones),
      context,
      info,
    ),
};

export const Visitor: VisitorResolvers<LinkContext> = {
  customers: (visitor, _, context, info) => customersOf(visitor.emails, visitor.phones, context, info),
};

async function customersOf(emails: string[], phones: string[], context: LinkContext, info: GraphQLResolveInfo): Promise<Customer[]> {
  // CoMagic gives phones as international digits.
  const keys = contactKeys(emails, phones, 'international');
  if (keys.length === 0) return [];
  const lists = await context.customersByContact.loadMany(keys);
  const failed = lists.find((list) => list instanceof Error);
  if (failed) throw failed;
  // A contact of no customer may have one soon: the answer is kept only as long as a customer not found.
  if (lists.some((list) => (list as Customer[]).length === 0)) cacheControlFromInfo(info).setCacheHint({ maxAge: context.notFoundTtlSeconds });
  const byId = new Map<string, Customer>();
  for (const list of lists as Customer[][]) for (const customer of list) byId.set(customer.id, customer);
  return [...byId.values()].sort((a, b) => seen(b) - seen(a) || Number(a.id) - Number(b.id));
}

function seen(customer: Customer): number {
  return customer.lastSeen === null ? 0 : Date.parse(customer.lastSeen);
}
