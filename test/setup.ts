/**
 * Property tests run with a fixed fast-check seed so CI is reproducible; set FC_SEED to explore other seeds
 * (e.g. `FC_SEED=$RANDOM npx vitest run test/stats`). A failure prints the seed and the shrunk counterexample.
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261126) });
