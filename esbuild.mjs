// Builds the bundles of Pitwall (extension host; the CLI and its launcher, dist/cli.js; the
// page-scan worker; chart webview; notebook renderer) and the integration test suites.
// `--production` minifies; otherwise sourcemaps. `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
  legalComments: 'none',
};

/**
 * The build an alert index is made by, the same for both CLI bundles (src/cli/launcher.ts): a
 * digest of the sources, the locked dependencies and this script. `--watch` leaves it out (its
 * rebuilds would keep the first one's): each bundle is then named by its own text.
 */
function sourceDigest() {
  const files = [...readdirSync('src', { recursive: true }).map((name) => join('src', String(name))), 'package.json', 'package-lock.json', 'esbuild.mjs']
    .filter((name) => !name.startsWith('src') || /\.(ts|json)$/.test(name))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\u0000`).update(readFileSync(file)).update('\u0000');
  return hash.digest('hex').slice(0, 16);
}

/** sql.js loads its wasm at run time: ship it next to the bundle that needs it. */
const copyWasm = {
  name: 'copy-sql-wasm',
  setup(build) {
    build.onEnd(() => {
      mkdirSync('dist', { recursive: true });
      copyFileSync(join(dirname(require.resolve('sql.js')), 'sql-wasm.wasm'), 'dist/sql-wasm.wasm');
    });
  },
};

/**
 * vega-canvas's Node build awaits the optional `canvas` package at top level, which a CommonJS
 * bundle cannot hold; its browser build returns null without a DOM, and SVG needs no canvas.
 */
const vegaCanvasBrowser = {
  name: 'vega-canvas-browser',
  setup(build) {
    const browser = join(dirname(require.resolve('vega-canvas')), 'vega-canvas.browser.js');
    build.onResolve({ filter: /^vega-canvas$/ }, () => ({ path: browser }));
  },
};

const configs = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [copyWasm, vegaCanvasBrowser],
  },
  {
    ...common,
    // The CLI itself, run by the launcher below through V8's code cache (src/cli/launcher.ts).
    // Without comments or spaces even in a development build (names kept, for stack traces and
    // profiles): every command reads, hashes and decodes the whole bundle first, and a bundle of
    // ASCII alone is read as Latin-1, skipping UTF-8 decoding (comments keep non-ASCII letters).
    // The brief commands (summary, alerts, ack, unack) have a bundle of their own, a third of the
    // size (src/cli/briefMain.ts).
    entryPoints: { 'pitwall-cli': 'src/cli/main.ts', 'pitwall-brief': 'src/cli/briefMain.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [vegaCanvasBrowser],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/launcher.ts' },
    ...(watch ? {} : { define: { PITWALL_BUILD: JSON.stringify(sourceDigest()) } }),
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [{ name: 'executable', setup: (build) => build.onEnd(() => chmodSync('dist/cli.js', 0o755)) }],
  },
  {
    ...common,
    // Decodes half of a SQLite file's pages beside the CLI or the extension host (predictionScan.ts).
    entryPoints: { scanWorker: 'src/core/store/sqlite/scanWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    // Holds an open source off the extension host's thread (workerStore.ts).
    entryPoints: { storeWorker: 'src/core/store/storeWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    // Runs a notebook's cells off the extension host's thread; cancelling a cell ends it (queryRunner.ts).
    entryPoints: { queryWorker: 'src/core/query/queryWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [vegaCanvasBrowser],
  },
  {
    ...common,
    entryPoints: {
      chartView: 'webview/chartView.ts',
      trendView: 'webview/panels/trendView.ts',
      compareView: 'webview/panels/compareView.ts',
      calibrationView: 'webview/panels/calibrationView.ts',
      driftView: 'webview/panels/driftView.ts',
      alertDetailsView: 'webview/panels/alertDetailsView.ts',
      panel: 'webview/panels/panel.css',
    },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    ...common,
    entryPoints: { notebookRenderer: 'webview/renderer/index.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
  },
];

if (!production) {
  const suites = readdirSync('test/integration')
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join('test/integration', name));
  configs.push({
    ...common,
    entryPoints: suites,
    outdir: 'out/test/integration',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // mocha is loaded from node_modules at run time; bundling it breaks its dynamic requires.
    external: ['vscode', 'mocha'],
    plugins: [vegaCanvasBrowser],
  });
}

if (watch) {
  const contexts = await Promise.all(configs.map((config) => esbuild.context(config)));
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  // Only dist/ is wiped: the test bundles in out/ survive a production build for packaging.
  rmSync('dist', { recursive: true, force: true });
  await Promise.all(configs.map((config) => esbuild.build(config)));
}
