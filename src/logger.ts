import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/** Where a credential could sit in any logged object: the authorization header. */
const AUTHORIZATION_PATHS = ['authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization'];

/**
 * JSON logs, on stdout unless a destination is given. Credentials are never passed to the
 * logger; the redact paths are a second guard for the places that could carry them: the
 * authorization header, and those `credentialPaths` names (each upstream's credential
 * header, and the places its folder names). Stdout is written asynchronously and in batches
 * (see `stdout`).
 */
export function createLogger(level: LogLevel, credentialPaths: readonly string[], destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'contact-graph' },
    redact: {
      paths: [...new Set([...AUTHORIZATION_PATHS, ...credentialPaths])],
      censor: '[REDACTED]',
    },
  };
  return pino(options, destination ?? stdout());
}

/** Lines wait at most this long to be written... */
const FLUSH_EVERY_MS = 100;
/** ...or until this much is waiting. */
const BATCH_CHARS = 64 * 1024;

/**
 * Stdout, written without blocking and in batches: a write per line, or per event-loop
 * turn, would cost more than a request answered from the cache (each write is a trip to
 * libuv's thread pool and back). Lines are kept as a list and joined once per batch:
 * sonic-boom's own batching (`minLength`) measures its whole pending buffer again for every
 * line it adds. What is pending is written at exit.
 */
function stdout(): DestinationStream {
  return new Batched(pino.destination({ dest: 1, sync: false }));
}

/** What a batch is handed to: sonic-boom, as `pino.destination` makes it. */
export interface LineSink {
  write(text: string): unknown;
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
}

export class Batched implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;

  constructor(private readonly out: LineSink) {
    setInterval(this.pass, FLUSH_EVERY_MS).unref();
    process.once('exit', () => this.flushSync());
  }

  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= BATCH_CHARS) this.pass();
  }

  /** Hands the pending lines to the destination, which writes them as soon as it can. */
  private readonly pass = (): void => {
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.out.write(text);
  };

  /** pino's `logger.flush(cb)`: calls back once every line so far is written. */
  flush(callback?: (error?: Error) => void): void {
    this.pass();
    this.out.flush(callback);
  }

  flushSync(): void {
    this.pass();
    this.out.flushSync();
  }
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
