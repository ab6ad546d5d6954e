#!/usr/bin/env node
// `npm start`: build, generate the demo monitoring data once, and open VS Code on it with
// Pitwall in development mode — desktop `code` when present, otherwise code-server on 127.0.0.1.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshUserData, startCodeServer, stopGroup, waitForHttp } from './codeServer.mjs';
import { setup } from './setupTestDeps.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'demo');

function log(message) {
  process.stdout.write(`[pitwall] ${message}\n`);
}

function hasDesktopCode() {
  return spawnSync('sh', ['-c', 'command -v code'], { stdio: 'ignore' }).status === 0 && Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY || process.platform !== 'linux');
}

execFileSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
if (!existsSync(join(demo, 'data', 'monitoring'))) {
  log('generating the demo monitoring data (about 50,000 predictions, once)');
  mkdirSync(demo, { recursive: true });
  execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/generateData.ts'), '--out', join(demo, 'data')], {
    stdio: 'inherit',
  });
}

if (hasDesktopCode()) {
  log('opening VS Code on demo/ with Pitwall in development mode');
  const code = spawn('code', ['--extensionDevelopmentPath', root, demo], { stdio: 'inherit' });
  code.on('exit', (status) => process.exit(status ?? 0));
} else {
  const bin = setup();
  const port = Number(process.env.PITWALL_PORT ?? 8080);
  const profile = freshUserData({ 'workbench.colorTheme': process.env.PITWALL_THEME ?? 'Default Dark Modern' });
  mkdirSync(join(root, 'test-results'), { recursive: true });
  const logPath = join(root, 'test-results', 'code-server-start.log');
  const server = startCodeServer({
    bin,
    port,
    workspace: demo,
    userData: profile.userData,
    extensions: profile.extensions,
    logFile: openSync(logPath, 'w'),
  });
  const stop = async () => {
    log('stopping code-server');
    await stopGroup(server);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (status) => {
    log(`code-server exited (${status}); its log is ${logPath}`);
    process.exit(status ?? 1);
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`);
  // Development mode in the browser workbench: the payload names the extension to load from source.
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]];
  log(`VS Code with Pitwall on the demo data: ${base}/?folder=${encodeURIComponent(demo)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  log('press Ctrl-C to stop');
}
