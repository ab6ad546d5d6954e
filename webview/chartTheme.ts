import { vega } from 'vega-embed';

/** A chart's data is inline: any URL in a spec is refused rather than fetched. */
export const noUrlLoader = vega.loader();
noUrlLoader.load = () => Promise.reject(new Error('Pitwall charts load no external data.'));
noUrlLoader.sanitize = () => Promise.reject(new Error('Pitwall charts load no external data.'));

function cssVariable(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** Chart colours from the editor theme (light, dark, high contrast), read again on each render. */
export function themeConfig(): Record<string, unknown> {
  const foreground = cssVariable('--vscode-editor-foreground', '#333');
  const grid = cssVariable('--vscode-charts-lines', cssVariable('--vscode-editorWidget-border', '#8884'));
  const font = cssVariable('--vscode-font-family', 'sans-serif');
  const palette = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'].map((name, index) => cssVariable(`--vscode-charts-${name}`, ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#eeca3b'][index] as string));
  return {
    background: 'transparent',
    font,
    axis: { labelColor: foreground, titleColor: foreground, gridColor: grid, domainColor: grid, tickColor: grid },
    legend: { labelColor: foreground, titleColor: foreground },
    title: { color: foreground, subtitleColor: foreground },
    view: { stroke: 'transparent' },
    range: { category: palette },
  };
}
