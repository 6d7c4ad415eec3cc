import DataLoader from 'dataloader';

/** A loader for an upstream a request has no credential for: every id fails with `error`, and nothing is asked. */
export function refusingLoader(error: Error): DataLoader<number, never> {
  return new DataLoader<number, never>(async (ids) => ids.map(() => error));
}
