/**
 * A chart as a static SVG, drawn by Vega headless (no canvas, no DOM): the `image/svg+xml` item of
 * a notebook output, readable by viewers without Pitwall's renderer (GitHub, JupyterLab, an
 * exported .ipynb). Bundles that import this resolve `vega-canvas` to its browser build, which
 * returns null without a DOM instead of awaiting the optional `canvas` package at top level.
 */
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { ChartSpec } from '../charts/theme';
import { withFixedWidth } from '../report/svg';

/** A container-width chart is drawn this wide: a static image has no container to fit. */
export const SVG_WIDTH = 640;

export async function svgOfChart(spec: ChartSpec): Promise<string> {
  // A standalone image (unlike the report's inline SVG): its namespaces kept, the chart's own colours.
  const sized = withFixedWidth(spec, SVG_WIDTH) as ChartSpec;
  const view = new View(parse(compile(sized).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
