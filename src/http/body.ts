import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** A request body this server will not read: answered with `status` and a GraphQL-shaped error. */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** The media type of a `Content-Type` header, lower-cased and without parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const end = contentType.indexOf(';');
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

/**
 * The request body as UTF-8 text, inflated when it is sent compressed (gzip, deflate, br).
 * Refuses a body larger than `limitBytes` (once inflated) with 413, before reading it when
 * its declared length already says so, and an unknown encoding or charset with 415.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const tooLarge = () => new BodyError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the ${limitBytes} bytes allowed`);
  const charset = /;\s*charset\s*=\s*"?([\w-]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new BodyError(415, 'BAD_REQUEST', `The request body must be UTF-8, not ${charset}`);
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let source: Readable | NodeJS.ReadWriteStream = req;
  if (encoding !== 'identity') {
    const decoder = DECODERS[encoding];
    if (!decoder) throw new BodyError(415, 'BAD_REQUEST', `The request body's content-encoding "${encoding}" is not supported`);
    source = req.pipe(decoder());
  } else if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
    throw tooLarge();
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const stop = (error: BodyError) => {
      // What is left is not read; the answer closes the connection.
      source.removeAllListeners('data');
      source.pause();
      reject(error);
    };
    source.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limitBytes) return stop(tooLarge());
      chunks.push(chunk);
    });
    source.once('error', () => stop(new BodyError(400, 'BAD_REQUEST', 'The request body could not be read')));
    source.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, length).toString('utf8')));
  });
}

/** Parses a JSON body: an object or an array, as GraphQL over HTTP sends. */
export function parseJsonBody(text: string): unknown {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(text);
    } catch {
      // answered below
    }
  }
  throw new BodyError(400, 'BAD_REQUEST', 'The request body is not valid JSON');
}
