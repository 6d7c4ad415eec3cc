import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// The README is the newcomer's page; the rest lives in docs/, and every link between them leads somewhere.

const ROOT = join(__dirname, '..');
const README = join(ROOT, 'README.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(ROOT, 'docs', name));

/** The anchors GitHub gives a Markdown file's headings. */
function anchorsOf(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8').match(/^#{1,6} .+$/gm) ?? [];
  return new Set(headings.map((heading) => heading.replace(/^#+ /, '').toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

test('the README is a first screen: under 200 lines, with the quick start, the test command and every page of docs/', () => {
  const readme = readFileSync(README, 'utf8');
  expect(readme.split('\n').length).toBeLessThan(200);
  expect(readme).toContain('npm ci && npm start');
  expect(readme).toContain('npm test');
  for (const page of DOCS) expect(readme).toContain(`](${relative(ROOT, page)})`);
});

test('every relative link of the README and of docs/ leads to a file there, and to a heading of it', () => {
  const broken: string[] = [];
  for (const file of [README, ...DOCS]) {
    for (const [, target] of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split('#');
      const linked = path ? join(dirname(file), path) : file;
      if (!existsSync(linked)) broken.push(`${relative(ROOT, file)}: ${target}`);
      else if (anchor && linked.endsWith('.md') && !anchorsOf(linked).has(anchor)) broken.push(`${relative(ROOT, file)}: ${target}`);
    }
  }
  expect(broken).toEqual([]);
});
