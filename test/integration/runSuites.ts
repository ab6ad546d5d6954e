import { appendFileSync, readdirSync } from 'node:fs';
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
    // A test the workbench's timing failed once runs once more; each such retry is written down
    // (PITWALL_TEST_REPORT.retries) and printed by the launcher, so that no flaky test goes unseen.
    retries: 1,
    forbidOnly: true,
    reporter: 'json',
    reporterOptions: { output: reportFile },
  });
  const only = process.env.PITWALL_TEST_FILES?.split(',').filter(Boolean);
  const chosen = (name: string) => only === undefined || only.some((part) => name.includes(part));
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.test.js') && accept(name) && chosen(name)).sort()) {
    mocha.addFile(join(directory, file));
  }
  // A failed test leaves a picture of the workbench as it was: test-results/failed-<title>.png.
  mocha.suite.afterEach(async function () {
    const test = this.currentTest;
    const control = process.env.PITWALL_TEST_CONTROL;
    if (test?.state !== 'failed' || !control) return;
    const name = `failed-${test.fullTitle().replace(/[^\w-]+/g, '-').slice(0, 80)}`;
    await fetch(`${control}/screenshot?name=${encodeURIComponent(name)}`).catch(() => undefined);
  });
  return new Promise((resolve) => {
    const runner = mocha.run(() => resolve());
    const firstErrors = new Map<string, string>();
    runner.on(Mocha.Runner.constants.EVENT_TEST_RETRY, (test: Mocha.Test, error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      firstErrors.set(test.fullTitle(), message.split('\n')[0] ?? '');
      // The workbench as the first run left it: the retry may draw over it.
      const control = process.env.PITWALL_TEST_CONTROL;
      const name = `retried-${test.fullTitle().replace(/[^\w-]+/g, '-').slice(0, 80)}`;
      if (control) void fetch(`${control}/screenshot?name=${encodeURIComponent(name)}`).catch(() => undefined);
    });
    // Written when the run again passes: a test failing both times is a failure, counted once.
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test: Mocha.Test) => {
      if (!firstErrors.has(test.fullTitle())) return;
      appendFileSync(`${reportFile}.retries`, `${JSON.stringify({ fullTitle: test.fullTitle(), message: firstErrors.get(test.fullTitle()) ?? '' })}\n`);
    });
  });
}
