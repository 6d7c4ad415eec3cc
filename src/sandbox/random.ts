/** Seeded generators for the sandbox data: every run serves the same records. */

/** mulberry32: small, fast and good enough to make test data repeatable. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


export const FIRST_NAMES = ['Olena', 'Taras', 'Anna', 'Ivan', 'Maria', 'Petro', 'Sofia', 'Dmytro', 'Iryna', 'Andrii'];
export const LAST_NAMES = ['Koval', 'Shevchenko', 'Bondar', 'Tkachenko', 'Melnyk', 'Kravets', 'Oliinyk', 'Lysenko'];
export const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', null];

/**
 * The contact (an email, a phone in digits) that the `index`-th linked record of each
 * sandbox has, each sandbox writing it its own way, so that a link between two upstreams
 * has real data to find.
 */
export function sandboxContact(index: number): { email: string; phone: string } {
  return { email: `contact${index}@example.com`, phone: `7900${String(index).padStart(7, '0')}` };
}

/** How many generated records of each sandbox share a contact. */
export const LINKED_CONTACTS = 40;
