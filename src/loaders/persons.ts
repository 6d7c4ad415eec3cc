import DataLoader from 'dataloader';
import type { EntityCache } from '../cache/entityCache';
import { staleMayStandInFor } from '../cache/staleData';
import type { CoMagicClient } from '../comagic/client';
import type { WirePersonVisitor, WireVisitor } from '../comagic/wire';
import { cachedBatch, fetchEach, type LoaderRequest } from './cachedBatch';

/** A person with every visitor merged into it, as `get.person_visitors` returns them. */
export interface PersonRecord {
  id: number;
  visitors: WirePersonVisitor[];
}

/**
 * A visitor: a `get.person_visitors` row, or, for a visitor that belongs to no person,
 * a `get.visitors` row lifted into the same shape (no person, company or commentary).
 */
export type VisitorRecord = Omit<WirePersonVisitor, 'person_id'> & { person_id: number | null };

/** The visitor → person mapping does not change once made, so it is kept long. */
export const VISITOR_PERSON_TTL_SECONDS = 24 * 60 * 60;

export interface PersonLoaders {
  persons: DataLoader<number, PersonRecord | null>;
  visitors: DataLoader<number, VisitorRecord | null>;
}

/**
 * Persons and visitors for one request. The Data API takes no batches, so each distinct
 * person is one `get.person_visitors` call (the client caps how many run at once); a
 * visitor is found through its person, so a person is fetched once however it is reached.
 */
export function createPersonLoaders(
  client: CoMagicClient,
  cache: EntityCache,
  scope: string,
  request: LoaderRequest,
): PersonLoaders {
  const { call, stale } = request;
  const common = { service: 'comagic' as const, cache, request };
  const persons = new DataLoader<number, PersonRecord | null>((ids) =>
    cachedBatch<PersonRecord>({
      ...common,
      loader: 'persons',
      ids,
      keyFor: (id) => `${scope}:person:${id}`,
      fetchMissing: (missing) =>
        fetchEach(missing, async (id) => {
          const visitors = await client.personVisitors(id, call);
          return visitors.length === 0 ? null : { id, visitors };
        }),
    }),
  );

  const personOfVisitor = new DataLoader<number, number | null>((ids) =>
    cachedBatch<number>({
      ...common,
      loader: 'personOfVisitor',
      ids,
      keyFor: (id) => `${scope}:visitor-person:${id}`,
      foundTtlSeconds: VISITOR_PERSON_TTL_SECONDS,
      fetchMissing: (missing) => fetchEach(missing, (id) => client.personForVisitor(id, call)),
    }),
  );

  const bareVisitors = new DataLoader<number, WireVisitor | null>((ids) =>
    cachedBatch<WireVisitor>({
      ...common,
      loader: 'visitors',
      ids,
      keyFor: (id) => `${scope}:visitor:${id}`,
      fetchMissing: async (missing) => {
        const found = new Map((await client.visitors(missing, call)).map((visitor) => [visitor.id, visitor]));
        return new Map(missing.map((id) => [id, found.get(id) ?? null]));
      },
    }),
  );

  async function loadVisitor(id: number): Promise<VisitorRecord | null> {
    const personId = await personOfVisitor.load(id).catch((error: unknown) => {
      // A visitor of no person is kept as a bare visitor only: while the upstream fails, that
      // copy may stand in, as a person's copy does for a merged visitor.
      if (staleMayStandInFor(error)) return null;
      throw error;
    });
    if (personId !== null) {
      const person = await persons.load(personId);
      const row = person?.visitors.find((visitor) => visitor.visitor_id === id);
      if (row) {
        stale.carryOver(person, row);
        return row;
      }
    }
    const bare = await bareVisitors.load(id);
    if (!bare) return null;
    const visitor: VisitorRecord = {
      visitor_id: bare.id,
      person_id: null,
      name: bare.name,
      emails: bare.emails,
      phones: bare.phones,
      company: null,
      commentary: null,
    };
    stale.carryOver(bare, visitor);
    return visitor;
  }

  const visitors = new DataLoader<number, VisitorRecord | null>((ids) =>
    Promise.all(ids.map((id) => loadVisitor(id).catch((error: unknown) => error as Error))),
  );

  return { persons, visitors };
}
