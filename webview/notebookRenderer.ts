import type { ActivationFunction } from 'vscode-notebook-renderer';
import { renderChart } from './renderChart';

/** Notebook renderer for Pitwall chart outputs (a Vega-Lite spec as JSON). */
export const activate: ActivationFunction = () => ({
  renderOutputItem(item, element) {
    const spec = item.json() as Record<string, unknown>;
    const container = document.createElement('div');
    element.replaceChildren(container);
    renderChart(container, spec).catch((error: unknown) => {
      const message = document.createElement('pre');
      message.textContent = `The chart could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
      element.replaceChildren(message);
    });
  },
});
