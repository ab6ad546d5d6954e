import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';

/**
 * Renders a Vega-Lite spec into `element` without `eval`: the webview's CSP forbids
 * `unsafe-eval`, so expressions run through vega-interpreter. Returns the number of marks drawn.
 */
export async function renderChart(element: HTMLElement, spec: Record<string, unknown>): Promise<number> {
  await embed(element, spec as never, {
    actions: { export: true, source: false, compiled: false, editor: false },
    ast: true,
    expr: expressionInterpreter,
    renderer: 'svg',
    config: themeConfig(),
  });
  return element.querySelectorAll('svg path, svg line, svg rect').length;
}

function cssVariable(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** Chart colours follow the editor theme (light, dark, high contrast). */
function themeConfig(): Record<string, unknown> {
  const foreground = cssVariable('--vscode-editor-foreground', '#333');
  const grid = cssVariable('--vscode-editorWidget-border', '#8884');
  const font = cssVariable('--vscode-font-family', 'sans-serif');
  return {
    background: 'transparent',
    font,
    axis: { labelColor: foreground, titleColor: foreground, gridColor: grid, domainColor: grid, tickColor: grid },
    legend: { labelColor: foreground, titleColor: foreground },
    title: { color: foreground },
    view: { stroke: 'transparent' },
  };
}
