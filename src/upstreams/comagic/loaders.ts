import DataLoader from 'dataloader';
import type { EntityCache } from '../../cache/entityCache';
import { staleMayStandInFor } from '../../cache/staleData';
import type { CoMagicClient } from './client';
import { PERSON_SHAPE, type Person, type Visitor } from './person';
import { cachedBatch, fetchEach, type LoaderRequest } from '../../loaders/cachedBatch';
import type { TimeRange } from './history';
import type { HistoryLoaders } from './historyLoaders';

/** The visitor → person mapping does not change once made, so it is kept long. */
export const VISITOR_PERSON_TTL_SECONDS = 24 * 60 * 60;

export interface PersonLoaders {
  persons: DataLoader<number, Person | null>;
  visitors: DataLoader<number, Visitor | null>;
}

/** CoMagic's loaders of one request: persons, visitors and their communications. */
export interface CoMagicLoaders extends PersonLoaders, HistoryLoaders {
  /** The range a client asked for, with its defaults, checked against the account's reports (see history.ts). */
  reportRange(args: { from?: Date | string | null; to?: Date | string | null }): TimeRange;
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
  const persons = new DataLoader<number, Person | null>((ids) =>
    cachedBatch<Person>({
      ...common,
      loader: 'persons',
      ids,
      keyFor: (id) => `${scope}:person:v${PERSON_SHAPE}:${id}`,
      fetchMissing: (missing) =>
        fetchEach(missing, async (id) => {
          const visitors = await client.personVisitors(id, call);
          return visitors.length === 0 ? null : { id: String(id), visitors };
        }),
    }),
  );

  const personOfVisitor = new DataLoader<number, number | null>((ids) =>
    cachedBatch<number>({
      ...common,
      loader: 'personOfVisitor',
      ids,
      // A person id, whatever shape persons and visitors are stored in.
      keyFor: (id) => `${scope}:visitor-person:${id}`,
      foundTtlSeconds: () => VISITOR_PERSON_TTL_SECONDS,
      fetchMissing: (missing) => fetchEach(missing, (id) => client.personForVisitor(id, call)),
    }),
  );

  // Visitors of no person, as `get.visitors` answers them.
  const ofNoPerson = { ...common, loader: 'visitors', keyFor: (id: number) => `${scope}:visitor:v${PERSON_SHAPE}:${id}` };
  const visitorsOfNoPerson = new DataLoader<number, Visitor | null>((ids) =>
    cachedBatch<Visitor>({
      ...ofNoPerson,
      ids,
      fetchMissing: async (missing) => {
        const found = new Map((await client.visitors(missing, call)).map((visitor) => [Number(visitor.id), visitor]));
        return new Map(missing.map((id) => [id, found.get(id) ?? null]));
      },
    }),
  );

  async function loadVisitor(id: number): Promise<Visitor | null> {
    let personId: number | null;
    try {
      personId = await personOfVisitor.load(id);
    } catch (error) {
      if (!staleMayStandInFor(error)) throw error;
      // The visitor may belong to no person, and be kept as such: while the upstream fails,
      // that copy may stand in, as a person's copy does for a merged visitor. Nothing is
      // fetched: `get.visitors` answers for merged visitors too, without their person.
      const [kept] = await cachedBatch<Visitor>({ ...ofNoPerson, ids: [id], fetchMissing: () => Promise.reject(error) });
      if (kept instanceof Error) throw kept;
      return kept ?? null;
    }
    if (personId !== null) {
      const person = await persons.load(personId);
      const visitor = person?.visitors.find((candidate) => candidate.id === String(id));
      if (visitor) {
        stale.carryOver(person, visitor);
        return visitor;
      }
    }
    return visitorsOfNoPerson.load(id);
  }

  const visitors = new DataLoader<number, Visitor | null>((ids) =>
    Promise.all(ids.map((id) => loadVisitor(id).catch((error: unknown) => error as Error))),
  );

  return { persons, visitors };
}
