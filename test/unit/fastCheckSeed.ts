/**
 * Loaded before the unit suites (.mocharc.json). fast-check's properties draw their cases from one
 * seed per commit: the same commit always runs the same cases (a landing never depends on the draw,
 * and a run can be repeated), and each new commit draws new ones. PITWALL_FC_SEED=<seed> replays the
 * seed a failure prints; PITWALL_FC_SEED=random draws new cases on every run.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';

function commitSeed(): number {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^[0-9a-f]{8,}$/.test(head)) return Number.parseInt(head.slice(0, 8), 16) | 0;
  } catch {
    // Not a git checkout (or no git): one fixed seed.
  }
  return 20261206;
}

const chosen = process.env.PITWALL_FC_SEED;
if (chosen !== 'random') fc.configureGlobal({ seed: chosen !== undefined && chosen !== '' ? Number(chosen) : commitSeed() });
