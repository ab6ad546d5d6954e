import type { ChartHostMessage, ChartViewMessage } from '../src/shared/chartMessages';
import { renderChart } from './renderChart';

declare function acquireVsCodeApi(): { postMessage(message: ChartViewMessage): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('chart') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;

function showError(message: string): void {
  root.replaceChildren();
  status.textContent = message;
  status.className = 'error';
}

window.addEventListener('message', (event: MessageEvent<ChartHostMessage>) => {
  const message = event.data;
  if (message.type === 'error') {
    showError(message.message);
    return;
  }
  status.textContent = message.title;
  status.className = 'title';
  renderChart(root, message.spec).then(
    (marks) => vscode.postMessage({ type: 'rendered', marks }),
    (error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      showError(`The chart could not be drawn: ${text}`);
      vscode.postMessage({ type: 'failed', message: text });
    },
  );
});

vscode.postMessage({ type: 'ready' });
