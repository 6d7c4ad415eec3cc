import type * as Graph from '../../generated/resolvers-types';
import type { AllCovered, Covers } from '../../graphql/coverage';
import { personVisitorsResultSchema, visitorsResultSchema, type WirePersonVisitor, type WireVisitor } from './wire';

/** A person as this graph serves it: every visitor merged into it. */
export interface Person {
  id: string;
  visitors: Visitor[];
}

/**
 * A visitor as this graph serves it, from a `get.person_visitors` row or, for a visitor of
 * no person, a `get.visitors` row (which has no company or commentary).
 */
export interface Visitor {
  id: string;
  /** Not a field: `Visitor.person` loads the person from it. */
  personId: number | null;
  name: string | null;
  emails: string[];
  phones: string[];
  company: string | null;
  commentary: string | null;
}

/** GraphQL's `Person` and `Visitor` are resolved from these (codegen reads it: see graphql/mappers.ts). */
declare module '../../graphql/mappers' {
  interface Mappers {
    Person: Person;
    Visitor: Visitor;
  }
}

/** Every field of the GraphQL types is filled here, or resolved where it says: a field added to the schema alone fails to compile. */
// `customers` and `timeline` are the links' (src/links/); `communications` comes from the reports' loader.
export type Covered = AllCovered<[Covers<Person, Graph.Person, 'customers' | 'communications' | 'timeline'>, Covers<Visitor, Graph.Visitor, 'person' | 'customers' | 'communications'>]>;

/**
 * The shape of stored persons and visitors: part of every cache key, so that a deploy that
 * changes the shapes above (or what fills them) never reads the old entries as new. Bump it then.
 */
export const PERSON_SHAPE = 2;

/** `get.person_visitors`' result, as the person's visitors. */
export const personVisitorsSchema = personVisitorsResultSchema.transform((result) => result.data.map(visitorOfPerson));

/** `get.visitors`' result, as visitors. */
export const visitorsSchema = visitorsResultSchema.transform((result) => result.data.map(visitorOfNoPerson));

function visitorOfPerson(row: WirePersonVisitor): Visitor {
  return {
    id: String(row.visitor_id),
    personId: row.person_id,
    name: row.name ?? null,
    emails: row.emails,
    phones: row.phones,
    company: row.company ?? null,
    commentary: row.commentary ?? null,
  };
}

function visitorOfNoPerson(row: WireVisitor): Visitor {
  return { id: String(row.id), personId: null, name: row.name ?? null, emails: row.emails, phones: row.phones, company: null, commentary: null };
}
