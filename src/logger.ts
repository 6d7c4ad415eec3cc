import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/** Where a credential could sit in a logged object: request headers, CoMagic params, client options. */
const CREDENTIAL_PATHS = [
  'authorization',
  'apiKey',
  'accessToken',
  'access_token',
  'headers.authorization',
  'headers["x-helpcrunch-api-key"]',
  'headers["x-comagic-access-token"]',
  'req.headers.authorization',
  'req.headers["x-helpcrunch-api-key"]',
  'req.headers["x-comagic-access-token"]',
  'params.access_token',
  '*.apiKey',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
];

/**
 * JSON logs, on stdout unless a destination is given. Credentials are never passed to the
 * logger; the redact paths are a second guard for the places that could carry them.
 * Stdout is written asynchronously: lines logged while a write is under way go out together
 * in the next one, instead of one blocking write per line (pino still writes what is left
 * when the process exits).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'contact-graph' },
    redact: {
      paths: CREDENTIAL_PATHS,
      censor: '[REDACTED]',
    },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
