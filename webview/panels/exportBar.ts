import type { PanelExportMessage } from '../../src/shared/panelMessages';
import { currentView } from './renderPanelChart';

const LABELS = [
  ['png', 'PNG'],
  ['svg', 'SVG'],
  ['csv', 'Data (CSV)'],
  ['json', 'Spec (JSON)'],
] as const;

/**
 * The export buttons of a chart panel. PNG and SVG are rendered here from the drawn chart (Vega
 * draws them itself: nothing is fetched, nothing evaluated); the CSV and the spec come from the host.
 * The host asks where to save each one.
 */
export function exportBar(post: (message: PanelExportMessage) => void): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'export';
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', 'Export');
  const caption = document.createElement('span');
  caption.className = 'export-caption';
  caption.textContent = 'Export:';
  bar.append(caption);
  for (const [format, label] of LABELS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = `export-${format}`;
    button.className = 'secondary';
    button.textContent = label;
    button.addEventListener('click', () => {
      const view = currentView();
      if (format === 'csv' || format === 'json') {
        post({ type: 'export', format });
      } else if (view !== null && format === 'png') {
        void view.toImageURL('png', 2).then((data) => post({ type: 'export', format, data }));
      } else if (view !== null) {
        void view.toSVG().then((data) => post({ type: 'export', format: 'svg', data }));
      }
    });
    bar.append(button);
  }
  return bar;
}
