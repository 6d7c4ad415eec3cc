import { GraphQLError } from 'graphql';
import { keysetPage, type KeysetOptions } from '../src/graphql/connection';

interface Item {
  id: string;
  at: number;
}
const PAGES: KeysetOptions<Item> = { name: 'items', maxFirst: 100, positionOf: (item) => [item.at, item.id.padStart(5, '0')] };
const ids = (page: { edges: Array<{ node: Item }> }) => page.edges.map((edge) => edge.node.id);

const items: Item[] = [
  { id: '1', at: 100 },
  { id: '2', at: 200 },
  { id: '3', at: 200 },
  { id: '4', at: 300 },
  { id: '5', at: 0 },
];

test('a page is newest first, ties by id, and items of no time last', () => {
  const page = keysetPage(items, { first: 10 }, PAGES);
  expect(ids(page)).toEqual(['4', '3', '2', '1', '5']);
  expect(page.totalCount).toBe(5);
  expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
});

test('a cursor is the item it follows: items that arrive meanwhile never move the next page', () => {
  const first = keysetPage(items, { first: 2 }, PAGES);
  expect(ids(first)).toEqual(['4', '3']);
  expect(first.pageInfo.hasNextPage).toBe(true);
  const arrived = [...items, { id: '6', at: 400 }, { id: '7', at: 350 }];
  const second = keysetPage(arrived, { first: 2, after: first.pageInfo.endCursor }, PAGES);
  expect(ids(second)).toEqual(['2', '1']);
  expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  // Even when the cursor's own item is gone.
  const gone = arrived.filter((item) => item.id !== '3');
  expect(ids(keysetPage(gone, { first: 2, after: first.pageInfo.endCursor }, PAGES))).toEqual(['2', '1']);
});

test.each([
  [{ first: 0 }, 'first must be from 1 to 100, got 0'],
  [{ first: 101 }, 'first must be from 1 to 100, got 101'],
  [{ first: 1.5 }, 'first must be from 1 to 100, got 1.5'],
  [{ after: '%%%' }, 'after is not a cursor of items'],
  [{ after: Buffer.from('["items",1]').toString('base64url') }, 'after is not a cursor of items'],
  [{ after: Buffer.from('["other",1,"1"]').toString('base64url') }, 'after is not a cursor of items'],
  [{ after: Buffer.from('["items",1,"1",-1]').toString('base64url') }, 'after is not a cursor of items'],
])('%j is a client error', (args, message) => {
  let thrown: unknown;
  try {
    keysetPage(items, args, PAGES);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(GraphQLError);
  expect((thrown as GraphQLError).message).toContain(message);
  expect((thrown as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
});
