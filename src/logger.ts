import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/**
 * JSON logs, on stdout unless a destination is given. Credentials are never passed to the
 * logger; the redact paths are a second guard for the places that could carry them.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'contact-graph' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.access_token', 'access_token'],
      censor: '[REDACTED]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
