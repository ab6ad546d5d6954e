import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { noUrlLoader, themeConfig } from '../chartTheme';

export interface DrawnChart {
  /** Data marks drawn (legend symbols and axes not counted). */
  readonly marks: number;
  finalize(): void;
}

/**
 * Draws a Vega-Lite spec in an output, as the chart panels do: SVG, expressions through
 * vega-interpreter (no `eval`), no URL loaded, no injected styles (the renderer's stylesheet has
 * them), colours read from the editor theme now. A theme change draws it again.
 */
export async function drawChart(element: HTMLElement, spec: Record<string, unknown>): Promise<DrawnChart> {
  const result = await embed(element, spec as never, {
    actions: false,
    defaultStyle: false,
    ast: true,
    expr: expressionInterpreter,
    renderer: 'svg',
    loader: noUrlLoader,
    tooltip: { disableDefaultStyle: true, theme: 'custom' },
    config: themeConfig(),
  });
  return { marks: element.querySelectorAll('svg .role-mark path, svg .role-mark line, svg .role-mark rect').length, finalize: () => result.finalize() };
}
