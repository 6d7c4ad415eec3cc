import { GraphQLError } from 'graphql';
import type { EntityCache } from './cache/entityCache';
import type { IdempotencyRecords } from './cache/idempotency';
import type { Invalidation } from './cache/invalidation';
import type { ResponseCache } from './cache/responseCache';
import { UpstreamError } from './errors';
import type { Logger } from './logger';

/** The longest Idempotency-Key taken: a UUID is 36 characters; Stripe takes up to 255. */
export const MAX_IDEMPOTENCY_KEY = 255;

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
  send(): Promise<T>;
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
   * Runs a write. With no Idempotency-Key it is sent once, and a write that got no answer
   * (a timeout, a server error) fails saying its outcome is unknown: it is never sent again
   * here. With one, the key's first result is answered again, `replayed`, to a request
   * sending the key again; a write whose outcome is unknown is sent again only when it is
   * `repeatable`; a key sent with another write, or while its first write runs, is refused.
   */
  async once<T>(write: WriteCall<T>): Promise<{ result: T; replayed: boolean }> {
    const key = this.idempotencyKey;
    if (key === undefined) return { result: await sent(write), replayed: false };
    checkKey(key);
    const { idempotency } = this.services;
    const recordKey = JSON.stringify([write.scope, key, write.field]);
    const ask = JSON.stringify(write.ask);
    const record = await unavailableUnless(idempotency.claim(recordKey, ask));
    if (record !== 'claimed') {
      if (record.ask !== ask) throw idempotencyError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was sent with another write: send a new key for a new write');
      if (record.state === 'done') return { result: record.result as T, replayed: true };
      if (record.state === 'pending') throw idempotencyError('IDEMPOTENCY_KEY_IN_USE', "This Idempotency-Key's first write is still running: try again once it has answered");
      if (!write.repeatable) {
        throw new UpstreamError('UPSTREAM_TIMEOUT', 'The first write sent with this Idempotency-Key got no answer, so it may have been applied: it is not sent again. Read the data before writing again', { service: write.service }, { writeOutcomeUnknown: true });
      }
      if (!(await unavailableUnless(idempotency.retake(recordKey, ask)))) {
        throw idempotencyError('IDEMPOTENCY_KEY_IN_USE', "This Idempotency-Key's write is being sent again by another request: try again once it has answered");
      }
    }
    try {
      const result = await sent(write);
      await this.keep(idempotency.settle(recordKey, { ask, state: 'done', result }));
      return { result, replayed: false };
    } catch (error) {
      if (error instanceof UpstreamError && error.writeOutcomeUnknown) await this.keep(idempotency.settle(recordKey, { ask, state: 'unknown' }));
      else await this.keep(idempotency.release(recordKey));
      throw error;
    }
  }

  /**
   * Drops every copy of `entities` (their entity-cache keys) on every replica: their entity
   * entries, the answers that hold them, and the memory copies of those (through Redis).
   * `fresh` are entries to store afterwards, as the write's answer tells them. A failure is
   * logged: the write itself stands, and its copies expire with their TTL.
   */
  async invalidate(entities: readonly string[], fresh: ReadonlyArray<[key: string, value: unknown]> = []): Promise<void> {
    const { entityCache, responseCache, invalidation } = this.services;
    const failures: unknown[] = [];
    await Promise.all([entityCache.delete(entities), responseCache.dropShared(entities)]).catch((error: unknown) => failures.push(error));
    // This replica's memory is dropped even when Redis failed: publish drops it before it sends.
    await invalidation.publish(entities).catch((error: unknown) => failures.push(error));
    if (failures.length === 0) {
      for (const [key, value] of fresh) entityCache.setBehind(key, value);
      return;
    }
    const message = failures.map((error) => (error instanceof Error ? error.message : String(error))).join('; ');
    this.log().error({ err: { message } }, 'a write could not drop every cached copy of what it changed; they expire with their TTL');
  }

  /** A record that cannot be kept is logged: the write's answer has been decided already. */
  private async keep(work: Promise<void>): Promise<void> {
    await work.catch((error: unknown) =>
      this.log().error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'an Idempotency-Key record could not be kept'),
    );
  }
}

/** Sends a write; no answer, or a server error, is an outcome unknown. */
async function sent<T>(write: WriteCall<T>): Promise<T> {
  try {
    return await write.send();
  } catch (error) {
    if (error instanceof UpstreamError && error.isTransient) {
      throw new UpstreamError(
        error.code,
        `${error.message}. The write was sent and may have been applied: it is not sent again. Read the data before writing again, or send the write with an Idempotency-Key`,
        error.upstream,
        { writeOutcomeUnknown: true, cause: error },
      );
    }
    throw error;
  }
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
