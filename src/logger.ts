import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/**
 * JSON logs on stdout. Credentials are never passed to the logger; the redact paths are a
 * second guard for headers that carry them.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'contact-graph' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.access_token', 'access_token'],
      censor: '[REDACTED]',
    },
  });
}
