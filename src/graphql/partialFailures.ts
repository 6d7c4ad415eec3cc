import type { Path } from 'graphql/jsutils/Path';

/** One part of a field's answer that could not be given, and why. */
export interface PartialFailure {
  path: Path;
  error: Error;
}

/**
 * The parts of fields a request answered without: a field that joins two upstreams (a
 * timeline) still answers when one of them fails, and records that one's error here, for the
 * response to carry in `errors` at the field's path (see plugins/partialFailures.ts).
 */
export class PartialFailures {
  readonly failures: PartialFailure[] = [];

  record(path: Path, error: Error): void {
    this.failures.push({ path, error });
  }
}
