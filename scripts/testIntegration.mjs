#!/usr/bin/env node
// Runs the integration suites inside a real VS Code: code-server's extension host, driven by
// headless Debian Chromium through playwright-core. Two phases: the extension in development
// mode, then the packaged .vsix installed into a fresh code-server.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { appendFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, freePort, freshUserData, startCodeServer, stopGroup, waitForHttp } from './codeServer.mjs';
import { setup } from './setupTestDeps.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'test-results');
const PHASE_TIMEOUT_MS = Number(process.env.PITWALL_TEST_TIMEOUT_MS ?? 15 * 60_000);
const only = process.argv.slice(2).find((arg) => arg.startsWith('--phase='))?.slice('--phase='.length);
// --files=status,trend: only the suites whose file name contains one of these (while working on them).
const files = process.argv.slice(2).find((arg) => arg.startsWith('--files='))?.slice('--files='.length);

function log(message) {
  process.stdout.write(`[integration] ${message}\n`);
}

function generateData(out, predictions, format = 'both') {
  mkdirSync(out, { recursive: true });
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/generateData.ts'),
      '--out', out, '--predictions', String(predictions), '--seed', '7', '--format', format, '--quiet'],
    { stdio: 'inherit' },
  );
}

/** Predictions of the large source (a JSONL folder in data/large/) that the dev phase opens while its predictions are still read. */
const LARGE_PREDICTIONS = 1_000_000;
/** Open critical alerts added to it, more than the Alerts view lists at first. */
const LARGE_EXTRA_ALERTS = 450;

/** Appends open critical alerts in the Python service's line format, one a minute from the start of the data. */
function appendCriticalAlerts(file, count) {
  const start = Date.parse('2026-10-01T00:00:00Z') / 1000;
  const lines = [];
  for (let i = 1; i <= count; i++) {
    const at = start + i * 60 + 0.5;
    lines.push(JSON.stringify({
      timestamp: at, alert_id: `alert_${Math.round(at * 1000)}`, severity: 'critical', title: 'PERFORMANCE: accuracy Alert',
      message: `accuracy is 0.${5000 + i} (< 0.7000)`, metric_name: 'accuracy', metric_value: Number(`0.${5000 + i}`), threshold: 0.7,
      component: 'performance', model_version: 'v1.1', acknowledged: false, acknowledged_at: null, acknowledged_by: null,
    }));
  }
  appendFileSync(file, `${lines.join('\n')}\n`);
}

/**
 * The workspace the suites open: a folder with the generated monitoring data in data/monitoring,
 * and the workspace settings given (.vscode/settings.json).
 */
function prepareWorkspace(name, settings = {}) {
  const workspace = join(resultsDir, 'workspaces', name);
  rmSync(workspace, { recursive: true, force: true });
  generateData(join(workspace, 'data'), 5000);
  writeFileSync(join(workspace, 'README.md'), '# Pitwall integration workspace\n\nGenerated monitoring data in `data/`.\n');
  if (Object.keys(settings).length > 0) {
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  }
  return workspace;
}

/** The frame of a Pitwall chart panel: VS Code nests a webview's document in an inner frame. */
async function findPanelFrame(page) {
  for (const frame of page.frames()) {
    const found = await frame.evaluate(() => document.getElementById('app') !== null && document.body.dataset.cspViolations !== undefined).catch(() => false);
    if (found) return frame;
  }
  return null;
}

/** The notebook webview's frame that holds Pitwall's rendered outputs (webview/renderer). */
async function findNotebookOutputFrame(page) {
  for (const frame of page.frames()) {
    const found = await frame.evaluate(() => document.querySelector('.pitwall-output') !== null).catch(() => false);
    if (found) return frame;
  }
  return null;
}

/** Lets suites inside the extension host ask for screenshots and read the rendered workbench. */
function startControlServer(getPage) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    try {
      const page = getPage();
      if (!page) throw new Error('no browser page yet');
      if (url.pathname === '/screenshot') {
        const name = (url.searchParams.get('name') ?? 'shot').replace(/[^\w.-]+/g, '-');
        const file = join(resultsDir, `${name}.png`);
        await page.screenshot({ path: file });
        log(`screenshot ${file}`);
        response.end(JSON.stringify({ file }));
      } else if (url.pathname === '/text') {
        const selector = url.searchParams.get('selector') ?? 'body';
        // Menus (the title bar's "…" and submenus) render inside open shadow roots: those are searched too.
        const text = await page.evaluate((s) => {
          const found = [];
          const search = (root) => {
            found.push(...root.querySelectorAll(s));
            for (const host of root.querySelectorAll('*')) if (host.shadowRoot) search(host.shadowRoot);
          };
          search(document);
          return found.map((e) => e.innerText).join('\n');
        }, selector);
        response.end(JSON.stringify({ text }));
      } else if (url.pathname === '/frames') {
        const texts = [];
        for (const frame of page.frames()) {
          texts.push(await frame.evaluate(() => ({ url: location.href, text: document.body?.innerText ?? '', svgMarks: document.querySelectorAll('svg path, svg rect, svg line').length })).catch(() => null));
        }
        response.end(JSON.stringify({ frames: texts.filter(Boolean) }));
      } else if (url.pathname === '/webview') {
        // A Pitwall panel's webview: the inner frame whose document holds #app. `select` (an id) and
        // `value` change a control as a person would, `fill` (an id) types `value` into an input,
        // `click` (an id) presses a button; the answer is what the panel shows.
        const frame = await findPanelFrame(page);
        if (!frame) throw new Error('no Pitwall panel webview is open');
        const id = url.searchParams.get('select');
        if (id) await frame.selectOption(`#${id}`, url.searchParams.get('value') ?? '', { timeout: 10_000 });
        const filled = url.searchParams.get('fill');
        if (filled) await frame.fill(`#${filled}`, url.searchParams.get('value') ?? '', { timeout: 10_000 });
        const clicked = url.searchParams.get('click');
        if (clicked) await frame.click(`#${clicked}`, { timeout: 10_000 });
        // `clickAt` (a CSS selector in the panel) clicks there with the real pointer; `key` then presses a key.
        const clickedAt = url.searchParams.get('clickAt');
        if (clickedAt) await frame.click(clickedAt, { timeout: 10_000 });
        const key = url.searchParams.get('key');
        if (key) await page.keyboard.press(key);
        response.end(JSON.stringify(await frame.evaluate(() => {
          const chart = document.getElementById('chart');
          const note = document.getElementById('note');
          const label = document.querySelector('svg .role-axis-label text');
          return {
            text: document.body.innerText,
            points: chart?.dataset.points === undefined ? null : Number(chart.dataset.points),
            every: chart?.dataset.every === undefined ? null : Number(chart.dataset.every),
            slide: chart?.dataset.slide === undefined ? null : Number(chart.dataset.slide),
            estimates: chart?.dataset.estimates === undefined ? null : Number(chart.dataset.estimates),
            from: chart?.dataset.from || null,
            to: chart?.dataset.to || null,
            overlays: chart?.dataset.overlays === undefined ? null : JSON.parse(chart.dataset.overlays),
            busy: chart?.getAttribute('aria-busy') === 'true',
            // What the drawn chart shows (the controls may already show a newer choice).
            metric: chart?.dataset.metric ?? null,
            range: chart?.dataset.range ?? null,
            theme: chart?.dataset.theme ?? null,
            symbols: document.querySelectorAll('svg .mark-symbol path').length,
            note: note && !note.hidden ? note.textContent : null,
            violations: Number(document.body.dataset.cspViolations ?? 'NaN'),
            cspDetails: document.body.dataset.cspDetails ?? '',
            images: document.querySelectorAll('img').length,
            versions: [...document.querySelectorAll('.version-name')].map((e) => e.textContent),
            checked: [...document.querySelectorAll('.versions input:checked')].map((e) => e.value),
            state: document.getElementById('state')?.innerText ?? null,
            axisLabelFill: label ? getComputedStyle(label).fill || label.getAttribute('fill') : null,
            // Every chart of the panel: what it says it drew, and the marks in its SVG.
            charts: [...document.querySelectorAll('.chart[id]')].map((e) => ({
              id: e.id,
              points: e.dataset.points === undefined ? null : Number(e.dataset.points),
              options: e.dataset.options ?? null,
              feature: e.dataset.feature ?? null,
              // Data marks only: a legend's symbols are not counted.
              symbols: e.querySelectorAll('svg .mark-symbol.role-mark path').length,
              rects: e.querySelectorAll('svg .mark-rect.role-mark path').length,
            })),
            focused: document.activeElement?.id || null,
            // When a control last asked for a change, and when a chart was last drawn (epoch ms; the trend panel stamps them).
            askedAt: document.body.dataset.askedAt === undefined ? null : Number(document.body.dataset.askedAt),
            drawnAt: document.body.dataset.drawnAt === undefined ? null : Number(document.body.dataset.drawnAt),
          };
        })));
      } else if (url.pathname === '/notebookOutputs') {
        // Pitwall's notebook renderer outputs: the notebook webview's frame holding .pitwall-output.
        // `instrument` first counts every call of Function and eval in that frame (a renderer
        // that compiled code would show it); `focus` (a selector) then focuses, `click` clicks with
        // the real pointer, `key` presses a key. The answer is what each output shows.
        const frame = await findNotebookOutputFrame(page);
        if (!frame) throw new Error('no Pitwall notebook output is rendered');
        if (url.searchParams.get('instrument')) {
          await frame.evaluate(() => {
            if (window.pitwallEvals !== undefined) return;
            // Calls from the renderer's bundle (vega included) are counted, with where they came
            // from; the driver's own evaluations (playwright evaluates through eval) are not.
            const counts = { calls: 0, callers: [], all: 0 };
            const seen = () => {
              counts.all += 1;
              const stack = new Error().stack ?? '';
              if (!/notebookRenderer\.js/.test(stack)) return;
              counts.calls += 1;
              if (counts.callers.length < 5) counts.callers.push(stack.split('\n').slice(3, 7).join(' < '));
            };
            const count = (target) => new Proxy(target, {
              apply: (fn, self, args) => { seen(); return Reflect.apply(fn, self, args); },
              construct: (fn, args) => { seen(); return Reflect.construct(fn, args); },
            });
            window.Function = count(window.Function);
            window.eval = count(window.eval);
            // The wrapper sees a global Function call: this probe is one.
            if (Function('return 1')() !== 1 || counts.all !== 1) throw new Error('Function is not counted');
            window.pitwallEvals = counts;
          });
        }
        const focused = url.searchParams.get('focus');
        if (focused) await frame.focus(focused, { timeout: 10_000 });
        const clicked = url.searchParams.get('click');
        if (clicked) await frame.click(clicked, { timeout: 10_000 });
        const key = url.searchParams.get('key');
        if (key) await page.keyboard.press(key);
        response.end(JSON.stringify(await frame.evaluate(() => ({
          bodyClass: document.body.className,
          violations: Number(document.body.dataset.pitwallCspViolations ?? 'NaN'),
          cspDetails: document.body.dataset.pitwallCspDetails ?? '',
          evals: window.pitwallEvals?.calls ?? null,
          evalCallers: window.pitwallEvals?.callers ?? [],
          views: Number(document.body.dataset.pitwallViews ?? 'NaN'),
          focused: document.activeElement?.dataset?.column ?? document.activeElement?.className ?? null,
          outputs: [...document.querySelectorAll('.pitwall-output')].map((e) => {
            const label = e.querySelector('svg .role-axis-label text');
            const notice = e.querySelector('.notice');
            return {
              resultId: e.dataset.resultId ?? null,
              kind: e.dataset.kind ?? null,
              view: e.dataset.view ?? null,
              state: e.dataset.state ?? null,
              offset: e.dataset.offset === undefined ? null : Number(e.dataset.offset),
              marks: e.dataset.marks === undefined ? null : Number(e.dataset.marks),
              draws: e.dataset.draws === undefined ? 0 : Number(e.dataset.draws),
              theme: e.dataset.theme ?? null,
              chartError: e.dataset.chartError ?? null,
              outputError: e.dataset.outputError ?? null,
              symbols: e.querySelectorAll('svg .mark-symbol.role-mark path').length,
              axisLabelFill: label ? getComputedStyle(label).fill || label.getAttribute('fill') : null,
              rowsLabel: e.querySelector('.rows-label')?.textContent ?? null,
              // Whether the chart takes space on screen (a hidden one has no layout box).
              chartVisible: (e.querySelector('.chart')?.getClientRects().length ?? 0) > 0,
              notice: notice && !notice.hidden ? notice.textContent : null,
              headers: [...e.querySelectorAll('th')].map((th) => ({ column: th.querySelector('button')?.dataset.column ?? '', sort: th.getAttribute('aria-sort') })),
              rows: [...e.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
              sql: e.querySelector('details.sql pre')?.textContent ?? null,
              footer: e.querySelector('.footer')?.textContent ?? null,
              text: e.innerText,
            };
          }),
        }))));
      } else if (url.pathname === '/click' || url.pathname === '/hover') {
        // Like a person: move the pointer there (and click), so hover-only actions appear.
        // `modifiers` (e.g. Control) holds keys down during the click, as for adding a row to a selection.
        const target = page.locator(url.searchParams.get('selector') ?? 'body').first();
        await target.hover({ timeout: 10_000 });
        const modifiers = (url.searchParams.get('modifiers') ?? '').split(',').filter(Boolean);
        // `button=right` opens the context menu, as a person would.
        const button = url.searchParams.get('button') === 'right' ? 'right' : 'left';
        if (url.pathname === '/click') await target.click({ timeout: 10_000, modifiers, button });
        response.end('{}');
      } else if (url.pathname === '/press') {
        await page.keyboard.press(url.searchParams.get('key') ?? 'Escape');
        response.end('{}');
      } else if (url.pathname === '/type') {
        await page.keyboard.type(url.searchParams.get('text') ?? '');
        response.end('{}');
      } else if (url.pathname === '/style') {
        // A computed style of the first element matching a selector, e.g. a background colour.
        const value = await page.evaluate(
          ([s, property]) => {
            const element = document.querySelector(s);
            return element ? getComputedStyle(element).getPropertyValue(property) : null;
          },
          [url.searchParams.get('selector') ?? 'body', url.searchParams.get('property') ?? 'color'],
        );
        response.end(JSON.stringify({ value }));
      } else {
        response.statusCode = 404;
        response.end('{}');
      }
    } catch (error) {
      response.statusCode = 500;
      response.end(JSON.stringify({ error: String(error?.message ?? error) }));
    }
  });
  return new Promise((resolvePort) => server.listen(0, '127.0.0.1', () => resolvePort({ server, port: server.address().port })));
}

function printReport(phase, report) {
  const { stats, tests = [], failures = [] } = report;
  for (const test of tests) {
    const failed = failures.some((f) => f.fullTitle === test.fullTitle);
    const pending = test.duration === undefined && !failed && report.pending?.some((p) => p.fullTitle === test.fullTitle);
    process.stdout.write(`  ${failed ? '✗' : pending ? '-' : '✓'} ${test.fullTitle}${test.duration ? ` (${test.duration}ms)` : ''}\n`);
  }
  for (const failure of failures) {
    process.stdout.write(`\n  FAILED ${failure.fullTitle}\n    ${String(failure.err?.stack ?? failure.err?.message ?? '').split('\n').join('\n    ')}\n`);
  }
  process.stdout.write(`\n  [${phase}] ${stats.passes} passing (${stats.duration}ms)\n`);
  if (stats.pending) process.stdout.write(`  [${phase}] ${stats.pending} pending\n`);
  if (stats.failures) process.stdout.write(`  [${phase}] ${stats.failures} failing\n`);
}

async function runPhase({ name, bin, workspace, developmentPath, testsPath, installVsix, untrusted = false, settings = {}, env = {} }) {
  const port = await freePort();
  // Untrusted: workspace trust on, and the folder never trusted (no prompt), so Pitwall runs in restricted mode.
  const trust = untrusted ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' } : {};
  const profile = freshUserData({ ...trust, ...settings });
  const reportFile = join(profile.root, 'report.json');
  let page = null;
  const control = await startControlServer(() => page);
  const logFile = openSync(join(resultsDir, `code-server-${name}.log`), 'w');
  if (installVsix) {
    log(`installing ${installVsix}`);
    execFileSync(bin, ['--user-data-dir', profile.userData, '--extensions-dir', profile.extensions, '--install-extension', installVsix], { stdio: 'inherit' });
  }
  const server = startCodeServer({
    bin,
    port,
    workspace,
    logFile,
    workspaceTrust: untrusted,
    userData: profile.userData,
    extensions: profile.extensions,
    env: {
      PITWALL_TEST_REPORT: reportFile,
      PITWALL_TEST_CONTROL: `http://127.0.0.1:${control.port}`,
      PITWALL_TEST_WORKSPACE: workspace,
      PITWALL_TEST_EXTENSIONS_DIR: profile.extensions,
      TZ: 'UTC',
      ...(files ? { PITWALL_TEST_FILES: files } : {}),
      ...env,
    },
  });
  let browser = null;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`);
    const remote = (path) => `vscode-remote://127.0.0.1:${port}${path}`;
    const payload = [
      ['extensionDevelopmentPath', remote(developmentPath)],
      ['extensionTestsPath', remote(testsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    const url = `${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('console', (message) => {
      if (message.type() === 'error' && !/gallery|marketplace|open-vsx|ENOTFOUND|ERR_NAME_NOT_RESOLVED|Failed to load resource/i.test(message.text())) {
        process.stdout.write(`[workbench] ${message.text().slice(0, 400)}\n`);
      }
    });
    log(`${name}: code-server on ${base}, running ${testsPath}`);
    await page.goto(url);
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    while (!existsSync(reportFile)) {
      if (Date.now() > deadline) throw new Error(`${name}: no test report after ${PHASE_TIMEOUT_MS / 1000}s (see test-results/code-server-${name}.log)`);
      if (server.exitCode !== null) throw new Error(`${name}: code-server exited with ${server.exitCode}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 300));
    await page.screenshot({ path: join(resultsDir, `${name}-final.png`) });
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    cpSync(reportFile, join(resultsDir, `report-${name}.json`));
    printReport(name, report);
    // Tests that failed once and passed when run again: printed, counted, never silent.
    const retries = existsSync(`${reportFile}.retries`) ? readFileSync(`${reportFile}.retries`, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
    for (const retry of retries) process.stdout.write(`  RETRIED [${name}] ${retry.fullTitle}\n    first run: ${retry.message}\n`);
    if (retries.length > 0) cpSync(`${reportFile}.retries`, join(resultsDir, `retries-${name}.jsonl`));
    else rmSync(join(resultsDir, `retries-${name}.jsonl`), { force: true });
    return { ...report.stats, retried: retries.length };
  } finally {
    await browser?.close().catch(() => {});
    await stopGroup(server);
    control.server.close();
    // code-server's own logs (its extension host's among them) outlive the throw-away profile.
    const logs = join(resultsDir, `logs-${name}`);
    rmSync(logs, { recursive: true, force: true });
    if (existsSync(join(profile.userData, 'logs'))) cpSync(join(profile.userData, 'logs'), logs, { recursive: true });
    rmSync(profile.root, { recursive: true, force: true });
  }
}

async function main() {
  mkdirSync(resultsDir, { recursive: true });
  const bin = setup();
  const suitesIndex = join(root, 'out/test/integration/index.js');
  if (!existsSync(suitesIndex) || !existsSync(join(root, 'dist/extension.js'))) {
    throw new Error('The build is missing: run `npm run build` first.');
  }
  const totals = { passes: 0, failures: 0, tests: 0, retried: 0 };
  const add = (stats) => {
    totals.retried += stats.retried ?? 0;
    totals.passes += stats.passes;
    totals.failures += stats.failures;
    totals.tests += stats.tests;
  };
  if (!only || only === 'dev') {
    const workspace = prepareWorkspace('dev');
    generateData(join(workspace, 'data', 'large'), LARGE_PREDICTIONS, 'jsonl');
    appendCriticalAlerts(join(workspace, 'data', 'large', 'monitoring', 'alerts.jsonl'), LARGE_EXTRA_ALERTS);
    add(await runPhase({ name: 'dev', bin, workspace, developmentPath: root, testsPath: suitesIndex, env: { PITWALL_TEST_LARGE_PREDICTIONS: String(LARGE_PREDICTIONS) } }));
  }
  if (!only || only === 'reload') {
    // The suite reloads the window once and runs again in the new extension host (test/integration/reloadPanels.test.ts).
    add(await runPhase({ name: 'reload', bin, workspace: prepareWorkspace('reload'), developmentPath: root, testsPath: join(root, 'out/test/integration/reloadIndex.js') }));
  }
  if (!only || only === 'autoOpen') {
    // The configured source is a file that is no monitoring source: the automatic open fails.
    const workspace = prepareWorkspace('autoOpen', { 'pitwall.source.path': 'notes.txt' });
    writeFileSync(join(workspace, 'notes.txt'), 'Not a monitoring source.\n');
    add(await runPhase({
      name: 'autoOpen',
      bin,
      workspace,
      developmentPath: root,
      testsPath: join(root, 'out/test/integration/autoOpenIndex.js'),
    }));
  }
  if (!only || only === 'untrusted') {
    // The workspace's own settings point at a source outside it; untrusted, they must not count.
    const outside = join(resultsDir, 'workspaces', 'untrusted-outside');
    rmSync(outside, { recursive: true, force: true });
    generateData(outside, 300);
    add(await runPhase({
      name: 'untrusted',
      bin,
      workspace: prepareWorkspace('untrusted', { 'pitwall.source.path': '../untrusted-outside/monitoring' }),
      developmentPath: root,
      testsPath: join(root, 'out/test/integration/untrustedIndex.js'),
      untrusted: true,
    }));
  }
  if (!only || only === 'no-auto-open') {
    add(await runPhase({
      name: 'no-auto-open',
      bin,
      workspace: prepareWorkspace('no-auto-open'),
      developmentPath: root,
      testsPath: join(root, 'out/test/integration/noAutoOpenIndex.js'),
      settings: { 'pitwall.source.autoOpen': false },
    }));
  }
  if (!only || only === 'vsix') {
    const vsix = join(resultsDir, 'pitwall.vsix');
    execFileSync(process.execPath, [join(root, 'scripts/package.mjs'), '--out', vsix], { stdio: 'inherit' });
    add(await runPhase({
      name: 'vsix',
      bin,
      workspace: prepareWorkspace('vsix'),
      developmentPath: join(root, 'test/vsixProbe'),
      testsPath: join(root, 'out/test/integration/vsixIndex.js'),
      installVsix: vsix,
    }));
  }
  if (only === 'bench') {
    // Only on request (bench/panelControl.ts): the chart panels on the benchmark's 1M-prediction source.
    const source = process.env.PITWALL_BENCH_SOURCE;
    if (!source) throw new Error('PITWALL_BENCH_SOURCE is not set: run `npm run bench -- panelControl`');
    add(await runPhase({
      name: 'bench',
      bin,
      workspace: prepareWorkspace('bench', { 'pitwall.source.autoOpen': false }),
      developmentPath: root,
      testsPath: join(root, 'out/test/integration/benchIndex.js'),
      env: { PITWALL_BENCH_SOURCE: source, PITWALL_BENCH_OUT: process.env.PITWALL_BENCH_OUT ?? join(resultsDir, 'bench-panel.json') },
    }));
  }
  process.stdout.write(`\nintegration: ${totals.passes} passed, ${totals.failures} failed, ${totals.retried} passed only when run again (RETRIED above)\n`);
  if (totals.tests === 0) throw new Error('No integration tests ran.');
  if (totals.failures > 0) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`[integration] ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
