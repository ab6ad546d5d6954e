import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/** The notebook's query thread as the extension ships it: bundled by esbuild, vega-canvas resolved to its browser build. */
export async function bundleQueryWorker(outfile: string): Promise<void> {
  const canvas = join(dirname(require.resolve('vega-canvas')), 'vega-canvas.browser.js');
  await build({
    entryPoints: [join(__dirname, '../../../../src/core/query/queryWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
    plugins: [{ name: 'vega-canvas-browser', setup: (build) => build.onResolve({ filter: /^vega-canvas$/ }, () => ({ path: canvas })) }],
  });
}
