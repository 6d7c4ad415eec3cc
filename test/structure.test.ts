import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The structure of src/, drawn from its imports (type imports included) by dpdm.

const ROOT = join(__dirname, '..');
const DPDM = require.resolve('dpdm/lib/bin/dpdm.js');
/** Where the list of upstreams and the list of links are: only the composition root reads them. */
const LISTS = ['src/upstreams/index.ts', 'src/links/index.ts'];
const COMPOSITION_ROOT = ['src/main.ts', 'src/server.ts'];

interface ImportGraph {
  /** Each file, relative to the checkout, with the files it imports (`id`; null where unresolved). */
  tree: Record<string, Array<{ id: string | null }> | null>;
  /** Each import circle, as the files in it. */
  circulars: string[][];
}

/** The import graph of the src/ files of a checkout. */
async function importGraph(checkout: string): Promise<ImportGraph> {
  const output = join(mkdtempSync(join(tmpdir(), 'contact-graph-imports-')), 'graph.json');
  try {
    await promisify(execFile)(process.execPath, [DPDM, '--no-tree', '--no-warning', '--no-progress', '--output', output, 'src/**/*.ts'], { cwd: checkout });
    return JSON.parse(readFileSync(output, 'utf8')) as ImportGraph;
  } finally {
    rmSync(join(output, '..'), { recursive: true, force: true });
  }
}

let graph: ImportGraph;
beforeAll(async () => {
  graph = await importGraph(ROOT);
});

test('no import circle among the files of src/, type imports included', () => {
  expect(Object.keys(graph.tree).filter((file) => file.startsWith('src/')).length).toBeGreaterThan(80);
  expect(graph.circulars).toEqual([]);
});

test('the check finds a circle when a shared module imports the list back', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'contact-graph-circle-'));
  try {
    cpSync(join(ROOT, 'src'), join(copy, 'src'), { recursive: true });
    cpSync(join(ROOT, 'tsconfig.json'), join(copy, 'tsconfig.json'));
    appendFileSync(join(copy, 'src', 'errors.ts'), "\nimport type { UPSTREAMS } from './upstreams';\n");
    const { circulars } = await importGraph(copy);
    expect(circulars.length).toBeGreaterThan(0);
    expect(circulars.every((circle) => circle.includes('src/errors.ts') && circle.includes('src/upstreams/index.ts'))).toBe(true);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('only the composition root (main.ts, server.ts), the upstreams and the links read the lists of upstreams and links', () => {
  const readers = Object.entries(graph.tree)
    .filter(([, imports]) => imports?.some(({ id }) => id !== null && LISTS.includes(id)))
    .map(([file]) => file);
  expect(readers.length).toBeGreaterThan(0);
  const elsewhere = readers.filter((file) => !COMPOSITION_ROOT.includes(file) && !file.startsWith('src/upstreams/') && !file.startsWith('src/links/'));
  expect(elsewhere).toEqual([]);
});
