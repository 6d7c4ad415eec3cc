import type { FakeReply } from '../../sandbox/fakeHttpServer';

/** The HelpCrunch sandbox's error answers, as the documents show them. */

export function fail(status: number, code: string, message: string): FakeReply {
  return { status, body: { errors: [{ code, message }] } };
}

/** The newer docs' 400: a generic code, then one naming the field or entity at fault. */
export function invalid(field: string, message: string): FakeReply {
  return {
    status: 400,
    body: { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: field, message }] },
  };
}

/** The newer docs' 404: the generic code, then `not_found`. */
export function notFound(message: string): FakeReply {
  return { status: 404, body: { errors: [{ code: 'invalid_request', message: 'Invalid request' }, { code: 'not_found', message }] } };
}
