import { cacheControlFromInfo } from '@apollo/cache-control-types';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context';
import type { PersonResolvers, VisitorResolvers } from '../../generated/resolvers-types';
import { contactKeys } from '../../contacts';
import { customersOfContacts } from './customers';
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
  const { customers, someHaveNone } = await customersOfContacts(contactKeys(emails, phones, 'international'), context.customersByContact);
  // A contact of no customer may have one soon: the answer is kept only as long as a customer not found.
  if (someHaveNone) cacheControlFromInfo(info).setCacheHint({ maxAge: context.notFoundTtlSeconds });
  return customers;
}
