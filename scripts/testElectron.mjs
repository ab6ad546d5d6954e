#!/usr/bin/env node
// The same integration suites through @vscode/test-electron, for machines that can download VS Code.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const workspace = join(root, 'test-results', 'workspaces', 'electron');
rmSync(workspace, { recursive: true, force: true });
mkdirSync(join(workspace, 'data'), { recursive: true });
execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/generateData.ts'),
  '--out', join(workspace, 'data'), '--predictions', '5000', '--seed', '7', '--quiet'], { stdio: 'inherit' });
const report = join(root, 'test-results', 'report-electron.json');
await runTests({
  extensionDevelopmentPath: root,
  extensionTestsPath: join(root, 'out/test/integration/index.js'),
  launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  extensionTestsEnv: { PITWALL_TEST_REPORT: report, PITWALL_TEST_WORKSPACE: workspace, TZ: 'UTC' },
});
process.stdout.write(`report: ${report}\n`);
