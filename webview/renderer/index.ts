/**
 * Pitwall's notebook renderer (`contributes.notebookRenderer`, an ES module): draws
 * `application/vnd.pitwall.result+json` outputs as a chart and a table, and talks to the extension
 * host for pages, other orders and "Copy as CSV" of results larger than the output holds.
 */
import type { ActivationFunction } from 'vscode-notebook-renderer';
import type { RendererToHost } from '../../src/shared/notebookOutput';
import { readHostMessage, readOutput } from './output';
import { ResultView } from './resultView';
import { ensureStyle } from './style';
import { text } from './text';

/**
 * Counts Content-Security-Policy refusals in the notebook's document, where a test (or a person in
 * the developer tools) reads them: `data-pitwall-csp-violations` and `-details` on body.
 */
function countCspViolations(): void {
  if (document.body.dataset.pitwallCspViolations !== undefined) return;
  let violations = 0;
  const details: string[] = [];
  document.body.dataset.pitwallCspViolations = '0';
  document.addEventListener('securitypolicyviolation', (event) => {
    violations += 1;
    details.push(`${event.effectiveDirective} refused ${event.blockedURI || 'inline'}`);
    document.body.dataset.pitwallCspViolations = String(violations);
    document.body.dataset.pitwallCspDetails = details.slice(-20).join('\n');
  });
}

export const activate: ActivationFunction = (context) => {
  countCspViolations();
  const views = new Map<string, ResultView>();
  const post = context.postMessage === undefined ? undefined : (message: RendererToHost) => context.postMessage?.(message);
  context.onDidReceiveMessage?.((message: unknown) => {
    const known = readHostMessage(message);
    if (known === null) return;
    for (const view of views.values()) view.receive(known);
  });

  // How many outputs hold a live view (with its Vega view and observer), for tests and the developer tools.
  const counted = () => {
    document.body.dataset.pitwallViews = String(views.size);
  };
  const dispose = (id: string) => {
    views.get(id)?.dispose();
    views.delete(id);
    counted();
  };

  return {
    renderOutputItem(item, element) {
      dispose(item.id);
      ensureStyle(element);
      let json: unknown;
      try {
        json = item.json();
      } catch (error) {
        json = error;
      }
      const read = json instanceof Error ? { problem: `it is not JSON (${json.message}).` } : readOutput(json);
      if ('problem' in read) {
        const message = document.createElement('p');
        message.className = 'error';
        message.textContent = text.badOutput(read.problem);
        const root = document.createElement('div');
        root.className = 'pitwall-output';
        root.dataset.outputError = read.problem;
        root.append(message);
        element.replaceChildren(root);
        return;
      }
      const view = new ResultView(read.output, post);
      view.root.dataset.outputId = item.id;
      views.set(item.id, view);
      counted();
      element.replaceChildren(view.root);
    },
    disposeOutputItem(id) {
      if (id !== undefined) {
        dispose(id);
        return;
      }
      for (const key of [...views.keys()]) dispose(key);
    },
  };
};
