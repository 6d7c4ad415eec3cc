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
 * Stdout is written asynchronously and in batches (see `stdout`).
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
  return pino(options, destination ?? stdout());
}

/** Lines are written once this many bytes are waiting, or at the next flush. */
const BATCH_BYTES = 8 * 1024;
/** How long a line may wait for its batch. */
const FLUSH_EVERY_MS = 250;

/**
 * Stdout, written without blocking and in batches: one write per request line would cost
 * more than the request itself when the answer comes from the cache. A line waits at most
 * FLUSH_EVERY_MS; pino writes what is left when the process exits.
 */
function stdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  setInterval(() => destination.flush(), FLUSH_EVERY_MS).unref();
  return destination;
}

/**
 * Writes what stdout's batch holds now. Start-up calls it once the server listens, so that
 * its lines are out before the first request is answered.
 */
export function flushLogs(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void };
  try {
    stream.flushSync?.();
  } catch {
    logger.flush();
  }
}
