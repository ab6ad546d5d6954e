import embed, { vega } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { noUrlLoader, themeConfig } from '../chartTheme';
import { urlsIn } from './output';
import { text } from './text';

export interface DrawnChart {
  /** Data marks drawn (legend symbols and axes not counted). */
  readonly marks: number;
  finalize(): void;
}

/**
 * Draws a Vega-Lite spec in an output, as the chart panels do: SVG, expressions through
 * vega-interpreter (no `eval`), no URL loaded, no injected styles (the renderer's stylesheet has
 * them), colours read from the editor theme now. A theme change draws it again. An error Vega only
 * logs fails the drawing, so the output shows it.
 */
export async function drawChart(element: HTMLElement, spec: Record<string, unknown>): Promise<DrawnChart> {
  // The loader refuses any URL, but Vega only logs a refused load and draws the chart empty: say why instead.
  const [url] = urlsIn(spec);
  if (url !== undefined) throw new Error(text.chartUrl(url));
  const errors: string[] = [];
  const logger = vega.logger(vega.Warn);
  const logError = logger.error.bind(logger);
  logger.error = (...args: readonly unknown[]) => {
    errors.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' '));
    return logError(...args);
  };
  const result = await embed(element, spec as never, {
    actions: false,
    defaultStyle: false,
    ast: true,
    expr: expressionInterpreter,
    renderer: 'svg',
    loader: noUrlLoader,
    logger,
    tooltip: { disableDefaultStyle: true, theme: 'custom' },
    config: themeConfig(),
  });
  if (errors.length > 0) {
    result.finalize();
    throw new Error(errors[0]);
  }
  return { marks: element.querySelectorAll('svg .role-mark path, svg .role-mark line, svg .role-mark rect').length, finalize: () => result.finalize() };
}
