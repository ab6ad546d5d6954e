import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/**
 * Runs compiled suites inside the extension host and writes mocha's JSON report where the
 * launcher waits for it (PITWALL_TEST_REPORT). Resolves even on failures: the launcher decides.
 */
export function runSuites(directory: string, accept: (file: string) => boolean): Promise<void> {
  const reportFile = process.env.PITWALL_TEST_REPORT;
  if (!reportFile) throw new Error('PITWALL_TEST_REPORT is not set: run the suites through scripts/testIntegration.mjs');
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    forbidOnly: true,
    reporter: 'json',
    reporterOptions: { output: reportFile },
  });
  const only = process.env.PITWALL_TEST_FILES?.split(',').filter(Boolean);
  const chosen = (name: string) => only === undefined || only.some((part) => name.includes(part));
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.test.js') && accept(name) && chosen(name)).sort()) {
    mocha.addFile(join(directory, file));
  }
  return new Promise((resolve) => mocha.run(() => resolve()));
}
