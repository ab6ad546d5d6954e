/**
 * The one place a chart becomes an SVG string, for the HTML reports: Vega-Lite compiles the spec,
 * Vega renders it headless (no canvas: text is measured by estimate). The page must read without
 * scripts, so the chart is drawn here, in Node, where Vega may compile its expressions.
 *
 * Text, axes, legends and grid take `currentColor`, so one SVG reads on the page's light and dark
 * backgrounds alike (the page sets `color`); the data colours are the charts' own mid-tones. Ids
 * inside the SVG (clip paths) get a prefix, so that several charts in one page never share one.
 * The SVG namespace attributes are dropped: inline SVG in HTML needs none, and the page then holds
 * no URL at all. Vega and Vega-Lite are loaded on first use (import(), not require(): Vega's Node
 * build has a top-level await), so a command that draws nothing does not pay for them.
 */
import type { ChartSpec } from '../charts/theme';

export interface SvgOptions {
  /** Width in pixels of a chart whose spec fills its container. */
  readonly width: number;
  /** Prepended to every id in the SVG; unique per chart within one page. */
  readonly idPrefix: string;
}

const INK = 'currentColor';

/** Axes, titles and legends in the page's text colour; the grid a faint tint of it. */
const REPORT_CONFIG = {
  background: null,
  // No per-mark ARIA labels: they repeat each tooltip in the file and double its size; the tables beside the charts hold the numbers.
  aria: false,
  view: { stroke: INK, strokeOpacity: 0.25 },
  axis: { labelColor: INK, titleColor: INK, domainColor: INK, tickColor: INK, gridColor: INK, gridOpacity: 0.15 },
  title: { color: INK, subtitleColor: INK },
  legend: { labelColor: INK, titleColor: INK },
  header: { labelColor: INK, titleColor: INK },
  text: { color: INK },
};

/** A spec with every container width replaced by `width` (a page has no container to measure). */
export function withFixedWidth(spec: unknown, width: number): unknown {
  if (Array.isArray(spec)) return spec.map((item) => withFixedWidth(item, width));
  if (spec === null || typeof spec !== 'object') return spec;
  // Data values are the chart's rows: never rewritten, however their fields are named.
  return Object.fromEntries(Object.entries(spec).map(([key, value]) => [key, key === 'values' ? value : key === 'width' && value === 'container' ? width : withFixedWidth(value, width)]));
}

/** Renders a Vega-Lite spec to an SVG element's text, for inlining in an HTML page. */
export async function renderChartSvg(spec: ChartSpec, options: SvgOptions): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(withFixedWidth(spec, options.width) as ChartSpec, { config: REPORT_CONFIG as never });
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return prefixIds(stripNamespaces(await view.toSVG()), options.idPrefix);
  } finally {
    view.finalize();
  }
}

function stripNamespaces(svg: string): string {
  return svg.replace(/^<svg([^>]*)>/, (_, attributes: string) => `<svg${attributes.replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')}>`);
}

function prefixIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`);
}
