/**
 * A process that acknowledges an alert in a JSONL folder, for tests that stop it at the worst
 * moment. It says on stdout what it reached ("replacing": alerts.jsonl is about to be replaced,
 * and it waits for a line on stdin before going on; "acknowledged": the call returned while the
 * late appends still wait to be carried) and then waits to be killed or interrupted.
 *
 * Usage: rewriteChild.ts <kill|interrupt> <folder> <alert key>
 */
import { createInterface } from 'node:readline';
import { closeOnInterrupt, exitOnInterrupt } from '../../../../../src/cli/interrupt';
import { openJsonlStore } from '../../../../../src/core/store/jsonl/jsonlStore';

async function main(): Promise<void> {
  const [mode, folder, key] = process.argv.slice(2) as [string, string, string];
  const input = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const say = (what: string) => new Promise<void>((resolve) => process.stdout.write(`${what}\n`, () => resolve()));
  if (mode === 'interrupt') exitOnInterrupt();
  const store = await openJsonlStore(folder, {
    // Long enough that nothing is carried before the test has acted.
    lateAppendGraceMs: mode === 'kill' ? 600_000 : 1500,
    ...(mode === 'kill'
      ? {
          beforeReplace: async () => {
            await say('replacing');
            await input.next();
          },
        }
      : {}),
  });
  if (mode === 'interrupt') closeOnInterrupt(store);
  await store.acknowledgeAlerts([key], 'child', 1795000000);
  await say('acknowledged');
  // Reading stdin keeps the process alive until the test stops it.
  await input.next();
}

void main();
