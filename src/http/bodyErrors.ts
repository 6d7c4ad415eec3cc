import type { ErrorRequestHandler } from 'express';
import { recordErrorCodes, requestSummary } from './requestLog';

/**
 * Answers body-parser failures (too large, not JSON) the way GraphQL clients expect: a JSON
 * `errors` array with a code and the right status, never an HTML page or a stack trace.
 */
export function bodyErrorHandler(limitBytes: number): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, req, res, next) => {
    if (res.headersSent) return next(error);
    const answer = (status: number, code: string, message: string) => {
      recordErrorCodes(requestSummary(req), [code]);
      res.status(status).json({ errors: [{ message, extensions: { code } }] });
    };
    if (error.type === 'entity.too.large') {
      return answer(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the ${limitBytes} bytes allowed`);
    }
    if (error.type === 'entity.parse.failed') return answer(400, 'BAD_REQUEST', 'The request body is not valid JSON');
    if (error.status && error.status >= 400 && error.status < 500) return answer(error.status, 'BAD_REQUEST', 'The request could not be read');
    return next(error);
  };
}
