// Starting and stopping code-server (VS Code's server and web workbench) for tests and `npm start`.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A fresh user-data directory with settings that keep the workbench quiet and deterministic. */
export function freshUserData(settings = {}) {
  const root = mkdtempSync(join(tmpdir(), 'pitwall-vscode-'));
  const userData = join(root, 'user-data');
  const extensions = join(root, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
        'window.dialogStyle': 'custom',
        'git.openRepositoryInParentFolders': 'never',
        'git.enabled': false,
        ...settings,
      },
      null,
      2,
    ),
  );
  return { root, userData, extensions };
}

/** Starts code-server in its own process group so that everything it forks can be stopped together. */
export function startCodeServer({ bin, port, userData, extensions, workspace, env = {}, logFile, extraArgs = [], workspaceTrust = false }) {
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir', userData,
    '--extensions-dir', extensions,
    ...extraArgs,
    workspace,
  ];
  const child = spawn(bin, args, {
    detached: true,
    stdio: ['ignore', logFile ?? 'ignore', logFile ?? 'ignore'],
    env: { ...process.env, ...env },
  });
  return child;
}

export async function waitForHttp(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs / 1000}s: ${lastError?.message}`);
}

/** Stops a process group started with `detached: true`: SIGTERM, then SIGKILL if it lingers. */
export async function stopGroup(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), graceMs));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
