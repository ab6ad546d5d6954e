// Builds the bundles of Pitwall (extension host; the CLI and its launcher, dist/cli.js; the
// page-scan worker; chart webview; notebook renderer) and the integration test suites.
// `--production` minifies; otherwise sourcemaps. `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
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
 * Vega's Node build of vega-canvas tries `await import('canvas')` at its top level, which a CJS bundle
 * cannot hold. The reports render SVG only (no canvas), so the bundles for Node take its browser
 * build, which answers "no canvas" in Node as the Node build does without the canvas package.
 */
const vegaWithoutCanvas = {
  name: 'vega-without-canvas',
  setup(build) {
    const browserBuild = require.resolve('vega-canvas').replace(/vega-canvas\.node\.js$/, 'vega-canvas.browser.js');
    build.onResolve({ filter: /^vega-canvas$/ }, () => ({ path: browserBuild }));
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
    plugins: [copyWasm, vegaWithoutCanvas],
  },
  {
    ...common,
    // The CLI itself, run by the launcher below through V8's code cache (src/cli/launcher.ts).
    entryPoints: { 'pitwall-cli': 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [vegaWithoutCanvas],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/launcher.ts' },
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
    entryPoints: { notebookRenderer: 'webview/notebookRenderer.ts' },
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
    plugins: [vegaWithoutCanvas],
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
