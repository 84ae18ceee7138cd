/**
 * Seeded randomness. Statistics never call Math.random: a seed (or an injected generator) makes every bootstrap,
 * probe and simulation reproducible.
 */

/** A uniform generator on [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a tiny, fast 32-bit generator with good statistical quality for simulation and resampling
 * (not for cryptography). Same seed, same sequence, on every platform.
 */
export function createRandom(seed: number): Random {
  // State kept as an int32 so V8 holds it unboxed (a uint32 above 2^30 would be a heap number: 10x slower).
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller) from a uniform generator. */
export function normal(random: Random): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A seeded generator whose position can be saved and restored (routers and simulations checkpoint it with the
 * training run). It draws exactly the sequence of `createRandom(seed)`, and `createCheckpointedRandom(g.state())`
 * (or `createRandom(g.state())`) continues where `g` stopped: mulberry32's whole state is one int32 counter.
 */
export interface CheckpointedRandom {
  /** The next uniform draw on [0, 1). */
  readonly next: Random;
  /** The current position, an int32 (JSON-safe). */
  state(): number;
}

export function createCheckpointedRandom(seed: number): CheckpointedRandom {
  let state = seed | 0;
  return {
    next: () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => state,
  };
}
