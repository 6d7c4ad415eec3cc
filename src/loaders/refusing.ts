import DataLoader from 'dataloader';

/** A loader for an upstream a request has no credential for: every id fails with `error`, and nothing is asked. */
export function refusingLoader<K = number>(error: Error): DataLoader<K, never> {
  return new DataLoader<K, never>(async (ids) => ids.map(() => error));
}
