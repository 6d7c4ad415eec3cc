import { GraphQLError } from 'graphql';
import type { EntityCache } from './cache/entityCache';
import type { IdempotencyRecords } from './cache/idempotency';
import type { Invalidation } from './cache/invalidation';
import type { ResponseCache } from './cache/responseCache';
import { UpstreamError, type UpstreamErrorCode } from './errors';
import type { Logger } from './logger';

/** The longest Idempotency-Key taken: a UUID is 36 characters; Stripe takes up to 255. */
export const MAX_IDEMPOTENCY_KEY = 255;

/**
 * Failures that say a write was not applied: held back here (budget, circuit, no
 * credential), or refused by the upstream (429, 401, 403, a 400). Any other failure of a
 * write that was sent (no answer, a 5xx, an answer that cannot be read) may hide one that was.
 */
const NOT_APPLIED: ReadonlySet<UpstreamErrorCode> = new Set(['RATE_LIMITED', 'UPSTREAM_UNAUTHENTICATED', 'UPSTREAM_FORBIDDEN', 'BAD_USER_INPUT', 'UNAUTHENTICATED']);

/** What every request's writes go through, shared by the whole server. */
export interface WriteServices {
  entityCache: EntityCache;
  responseCache: ResponseCache;
  invalidation: Invalidation;
  idempotency: IdempotencyRecords;
}

/** One write, as `once` runs it. */
export interface WriteCall<T> {
  /** The upstream written to. */
  service: string;
  /** The account's cache scope: a key is one tenant's. */
  scope: string;
  /** The mutation field's response name (its alias): each write of a request has its own record. */
  field: string;
  /** What it asks for (the field and its arguments): the same key sent with another ask is refused. */
  ask: unknown;
  /** Whether sending it twice leaves the same end state (an update, a tag): only such a write is sent again after no answer. */
  repeatable: boolean;
  /** Sends it; `retaking` when it is sent again for a key whose first write got no answer. */
  send(retaking: boolean): Promise<T>;
}

/**
 * A request's writes: each sent once, and with an Idempotency-Key at most once for every
 * request that sends that key (its first result is kept and answered again); and what they
 * change dropped from every cache of every replica before they are answered.
 */
export class Writes {
  constructor(
    private readonly services: WriteServices,
    /** The request's `Idempotency-Key` header, when it sent one. */
    private readonly idempotencyKey: string | undefined,
    private readonly log: () => Logger,
  ) {}

  /**
   * Runs a write. With no Idempotency-Key it is sent once, and a write that may have been
   * applied with no answer saying so fails with `writeOutcomeUnknown`: it is never sent again
   * here. With one, the key's first result is answered again, `replayed`, to a request
   * sending the key again; a write whose outcome is unknown (or whose request never finished
   * within its lease) is sent again only when it is `repeatable`; a key sent with another
   * write, or while its first write runs, is refused.
   */
  async once<T>(write: WriteCall<T>): Promise<{ result: T; replayed: boolean }> {
    const key = this.idempotencyKey;
    if (key === undefined) return { result: await sent(write, false), replayed: false };
    checkKey(key);
    const { idempotency } = this.services;
    const recordKey = JSON.stringify([write.scope, key, write.field]);
    const ask = canonical(write.ask);
    const claim = await unavailableUnless(idempotency.claim(recordKey, ask));
    let retaking = false;
    if (claim !== 'claimed') {
      const { record, text } = claim;
      if (record.ask !== ask) throw idempotencyError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was sent with another write: send a new key for a new write');
      if (record.state === 'done') return { result: record.result as T, replayed: true };
      if (record.state === 'pending' && record.leaseUntil > Date.now()) {
        throw idempotencyError('IDEMPOTENCY_KEY_IN_USE', "This Idempotency-Key's first write is still running: try again once it has answered");
      }
      // No answer came (`unknown`), or the request sending it never finished (its lease ran out).
      if (!write.repeatable) {
        const code = record.state === 'unknown' ? (record.code as UpstreamErrorCode) : 'UPSTREAM_TIMEOUT';
        throw new UpstreamError(code, 'The first write sent with this Idempotency-Key got no answer, so it may have been applied: it is not sent again. Read the data before writing again', { service: write.service }, { writeOutcomeUnknown: true });
      }
      if (!(await unavailableUnless(idempotency.retake(recordKey, text, ask)))) {
        throw idempotencyError('IDEMPOTENCY_KEY_IN_USE', "This Idempotency-Key's write is being sent again by another request: try again once it has answered");
      }
      retaking = true;
    }
    try {
      const result = await sent(write, retaking);
      await this.keep(idempotency.settle(recordKey, { ask, state: 'done', result }));
      return { result, replayed: false };
    } catch (error) {
      if (error instanceof UpstreamError && error.writeOutcomeUnknown) await this.keep(idempotency.settle(recordKey, { ask, state: 'unknown', code: error.code }));
      else await this.keep(idempotency.release(recordKey));
      throw error;
    }
  }

  /**
   * Drops every copy of `entities` (their entity-cache keys) on every replica, in the order
   * Invalidation explains: marks, then the entity entries and the answers holding them, then
   * the other replicas' memories. `fresh` are entries to store afterwards, as the write's answer
   * tells them. A failure (Redis down) is logged, and the whole is tried again until Redis
   * takes it: the write itself stands.
   */
  async invalidate(entities: readonly string[], fresh: ReadonlyArray<[key: string, value: unknown]> = []): Promise<void> {
    const { invalidation } = this.services;
    try {
      await this.drop(entities);
      for (const [key, value] of fresh) this.services.entityCache.setBehind(key, value);
    } catch (error) {
      this.log().error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'a write could not drop every cached copy of what it changed yet; trying again until Redis takes it');
      invalidation.retry(() => this.drop(entities));
    }
  }

  private async drop(entities: readonly string[]): Promise<void> {
    const { entityCache, responseCache, invalidation } = this.services;
    await invalidation.mark(entities);
    await Promise.all([entityCache.delete(entities), responseCache.dropShared(entities)]);
    await invalidation.publish(entities);
  }

  /** A record that cannot be kept is logged: the write's answer has been decided already. */
  private async keep(work: Promise<void>): Promise<void> {
    await work.catch((error: unknown) =>
      this.log().error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'an Idempotency-Key record could not be kept'),
    );
  }
}

/** Sends a write; a failure that may hide a write applied is an outcome unknown. */
async function sent<T>(write: WriteCall<T>, retaking: boolean): Promise<T> {
  try {
    return await write.send(retaking);
  } catch (error) {
    if (error instanceof UpstreamError && (error.heldBack || NOT_APPLIED.has(error.code))) throw error;
    const code: UpstreamErrorCode = error instanceof UpstreamError ? error.code : 'UPSTREAM_BAD_RESPONSE';
    const said = error instanceof Error ? `${error.message}. ` : '';
    throw new UpstreamError(
      code,
      `${said}The write was sent and may have been applied: it is not sent again. Read the data before writing again, or send the write with an Idempotency-Key`,
      error instanceof UpstreamError ? error.upstream : { service: write.service },
      { writeOutcomeUnknown: true, cause: error },
    );
  }
}

/** JSON with every object's keys in order: the same arguments written in another order ask the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : inner,
  );
}

function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY || !/^[\x21-\x7e]+$/.test(key)) {
    throw new GraphQLError(`The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY} printable ASCII characters with no spaces (a UUID, say)`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
}

async function unavailableUnless<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch {
    throw new GraphQLError('The Idempotency-Key cannot be kept right now (the shared store does not answer): nothing was sent. Try again shortly', {
      extensions: { code: 'IDEMPOTENCY_UNAVAILABLE' },
    });
  }
}

function idempotencyError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}
