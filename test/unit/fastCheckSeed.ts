/**
 * Loaded before the unit suites (.mocharc.json). fast-check's properties draw new cases on every
 * run; under CI they draw the same ones, so that a landing never depends on the draw, and
 * PITWALL_FC_SEED replays any run (fast-check prints the seed of a failure).
 */
import fc from 'fast-check';

const chosen = process.env.PITWALL_FC_SEED;
if (chosen !== undefined && chosen !== '') fc.configureGlobal({ seed: Number(chosen) });
else if (process.env.CI) fc.configureGlobal({ seed: 20261206 });
