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
 * The contact (an email, a phone in international digits) that the `index`-th linked record
 * of each sandbox has, each sandbox writing it its own way, so that a link between two
 * upstreams has real data to find. Most phones are Russian; of every ten, one is of the US,
 * Ukraine, the UK, Germany and France each (`country`).
 */
export function sandboxContact(index: number): { email: string; phone: string; country: SandboxCountry } {
  const country = COUNTRY_EVERY_TEN[index % 10] ?? 'RU';
  return { email: `contact${index}@example.com`, phone: `${COUNTRY_PREFIX[country]}${phoneDigits(index + 1, PREFIXED_DIGITS[country], 2_654_437)}`, country };
}

/**
 * `digits` digits that look like a phone number's, a different number for every `n` below
 * 10^digits: `multiplier` must have no factor 2 or 5. Each generator takes its own, so that
 * the numbers of one rarely share their last digits with another's.
 */
export function phoneDigits(n: number, digits: number, multiplier: number): string {
  return String((n * multiplier) % 10 ** digits).padStart(digits, '0');
}

export type SandboxCountry = 'RU' | 'US' | 'UA' | 'GB' | 'DE' | 'FR';

const COUNTRY_EVERY_TEN: Partial<Record<number, SandboxCountry>> = { 4: 'US', 5: 'UA', 6: 'GB', 7: 'DE', 8: 'FR' };
/** Each country's code and an area code of it: Moscow's mobile 900, New York's 555, Kyiv, London, Berlin, Paris. */
const COUNTRY_PREFIX: Record<SandboxCountry, string> = { RU: '7900', US: '1555', UA: '38044', GB: '4420', DE: '4930', FR: '331' };
/** The digits after the prefix. */
const PREFIXED_DIGITS: Record<SandboxCountry, number> = { RU: 7, US: 7, UA: 7, GB: 8, DE: 8, FR: 8 };

/** How many generated records of each sandbox share a contact. */
export const LINKED_CONTACTS = 40;
