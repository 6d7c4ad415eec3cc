import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { envVariables } from '../src/config';
import { mergedResolvers } from '../src/graphql/resolvers';
import { assertResolvesOnlyWhatExists } from '../src/graphql/schema';
import { LINKS } from '../src/links';
import { buildGraphSchema } from '../src/server';
import { UPSTREAMS } from '../src/upstreams';

const SRC = join(__dirname, '..', 'src');
const UPSTREAMS_DIR = join(SRC, 'upstreams');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('every folder under src/upstreams is one listed upstream with its schema and entry point, and every listed one has its folder', () => {
  const folders = readdirSync(UPSTREAMS_DIR).filter((name) => statSync(join(UPSTREAMS_DIR, name)).isDirectory());
  expect(UPSTREAMS.map((upstream) => upstream.name).sort()).toEqual(folders.sort());
  for (const folder of folders) {
    expect(existsSync(join(UPSTREAMS_DIR, folder, 'schema.graphql'))).toBe(true);
    expect(existsSync(join(UPSTREAMS_DIR, folder, 'index.ts'))).toBe(true);
  }
});

test('no module outside src/upstreams and src/links names an upstream: shared code knows them only through the list', () => {
  // A link joins named upstreams: that is what it is for.
  const shared = sourceFiles(SRC).filter(
    (file) => !file.startsWith(UPSTREAMS_DIR) && !file.startsWith(join(SRC, 'links')) && !file.startsWith(join(SRC, 'generated')),
  );
  const names = UPSTREAMS.flatMap(({ name, title, credential }) => [name, title, credential.variable, credential.header]);
  const pattern = new RegExp(names.join('|'), 'i');
  const naming = shared.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map((file) => relative(SRC, file));
  expect(naming).toEqual([]);
});

test('a field two upstream folders both resolve stops the start-up, naming it', () => {
  const first = { resolvers: { Query: { customer: () => null }, Customer: { __resolveReference: () => null } } };
  const second = { resolvers: { Query: { person: () => null, customer: () => null } } };
  expect(() => mergedResolvers([first, second])).toThrow('Query.customer is resolved in two upstream folders');
  expect(Object.keys(mergedResolvers([first, { resolvers: { Query: { person: () => null } } }]).Query!)).toEqual(['customer', 'person']);
});

test('each upstream\'s variables are its own, named after it, and read as its folder says', () => {
  for (const upstream of UPSTREAMS) {
    for (const [variable, schema] of Object.entries(upstream.env)) {
      expect(variable.startsWith(`${upstream.name.toUpperCase()}_`)).toBe(true);
      expect(envVariables(UPSTREAMS)[variable]).toBe(schema);
    }
  }
});

test('no two upstreams give a request\'s context a loader of the same name', () => {
  const names = UPSTREAMS.flatMap((upstream) => Object.keys(upstream.refusing(new Error('no credential'))));
  expect(new Set(names).size).toBe(names.length);
});

test('a resolver of a type or field the schema does not have stops the start-up, naming it', () => {
  const schema = buildGraphSchema();
  expect(() => assertResolvesOnlyWhatExists(schema, { Custmer: { __resolveReference: () => null } })).toThrow(
    'The resolvers name a type the schema does not have: Custmer',
  );
  expect(() => assertResolvesOnlyWhatExists(schema, { Customer: { __resolveReference: () => null, lenguage: () => null } })).toThrow(
    'The resolvers name fields Customer does not have: lenguage',
  );
  expect(() => assertResolvesOnlyWhatExists(schema, mergedResolvers([...UPSTREAMS, ...LINKS]))).not.toThrow();
});
