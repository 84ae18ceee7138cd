/** The project's seeded generator (mulberry32), so corpus sampling and training are reproducible bit for bit. */
export { createRandom } from '../../src/stats/random.js';

/** Fisher-Yates shuffle in place with the given generator. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}
