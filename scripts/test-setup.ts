/**
 * Loaded before every test file (scripts/test.mjs): property tests run from a fixed seed so
 * that a run is a function of the code. `FC_SEED=<n>` replays a reported seed; `FC_SEED=random`
 * explores new ones (fast-check prints the seed of any failure).
 */
import fc from 'fast-check';

const requested = process.env.FC_SEED ?? '20261121';
if (requested !== 'random') fc.configureGlobal({ seed: Number(requested) });
