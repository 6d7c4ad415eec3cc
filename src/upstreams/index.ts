import { comagic } from './comagic';
import { helpcrunch } from './helpcrunch';

/**
 * Every upstream API the graph serves, each in its own folder (see upstream.ts for what one
 * holds). A new upstream is a new folder and one entry here. Only the composition root
 * (`src/server.ts`) reads this list; it hands it to the shared machinery, which knows the
 * `Upstream` contract alone (test/structure.test.ts checks it, and that no import circle forms).
 */
export const UPSTREAMS = [helpcrunch, comagic] as const;
