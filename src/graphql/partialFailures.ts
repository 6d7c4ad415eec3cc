import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import type { Path } from 'graphql/jsutils/Path';

/** One part of a field's answer that could not be given, and why. */
export interface PartialFailure {
  path: Path;
  /** The field's nodes in the query: the error's `locations`. */
  nodes: readonly FieldNode[];
  error: Error;
}

/**
 * The parts of fields a request answered without: a field that joins two upstreams (a
 * timeline) still answers when one of them fails, and records that one's error here, for the
 * response to carry in `errors` at the field's path (see plugins/partialFailures.ts).
 */
export class PartialFailures {
  readonly failures: PartialFailure[] = [];

  /** The field `info` resolves answered without a part, for `error`. */
  record(info: Pick<GraphQLResolveInfo, 'path' | 'fieldNodes'>, error: Error): void {
    this.failures.push({ path: info.path, nodes: info.fieldNodes, error });
  }
}
