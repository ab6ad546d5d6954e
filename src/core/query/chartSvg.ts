/**
 * A chart as a static SVG, drawn by Vega headless (no canvas, no DOM): the `image/svg+xml` item of
 * a notebook output, readable by viewers without Pitwall's renderer (GitHub, JupyterLab, an
 * exported .ipynb). Bundles that import this resolve `vega-canvas` to its browser build, which
 * returns null without a DOM instead of awaiting the optional `canvas` package at top level.
 */
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { ChartSpec } from '../charts/theme';

/** A container-width chart is drawn this wide: a static image has no container to fit. */
export const SVG_WIDTH = 640;

export async function svgOfChart(spec: ChartSpec): Promise<string> {
  const sized = fixedWidth(spec) as ChartSpec;
  const view = new View(parse(compile(sized).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The spec with every container width (the top level's, a concatenated view's) made SVG_WIDTH pixels. */
function fixedWidth(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fixedWidth);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).map(([key, child]) => [key, key === 'width' && child === 'container' ? SVG_WIDTH : key === 'data' ? child : fixedWidth(child)]);
  return Object.fromEntries(entries);
}
