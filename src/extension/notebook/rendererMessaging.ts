/**
 * The host side of the notebook renderer's messages: pages and sort orders of a kept result, and
 * "copy as CSV" onto the clipboard. The answers are the kernel's (core/query/notebookResults.ts).
 */
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import { answerRendererMessage, type NotebookResults } from '../../core/query/notebookResults';
import { RENDERER_ID } from '../../shared/notebookOutput';

/** Whether the extension's package.json contributes the notebook renderer (VS Code refuses messaging for any other). */
export function contributesRenderer(packageJson: unknown): boolean {
  const renderers = (packageJson as { contributes?: { notebookRenderer?: readonly { id?: unknown }[] } } | undefined)?.contributes?.notebookRenderer ?? [];
  return renderers.some((renderer) => renderer.id === RENDERER_ID);
}

/** Answers the renderer's messages; without the renderer contributed there is nobody to answer, and this says so in the log. */
export function registerRendererMessaging(results: NotebookResults, log: vscode.LogOutputChannel, packageJson: unknown): vscode.Disposable {
  if (!contributesRenderer(packageJson)) {
    log.info(`Notebook outputs are shown without Pitwall's renderer (${RENDERER_ID} is not contributed): no paging from the host.`);
    return new vscode.Disposable(() => undefined);
  }
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  return messaging.onDidReceiveMessage(({ editor, message }) => {
    void (async () => {
      const answer = answerRendererMessage(results, message);
      // Not a request of the contract for a result of the kernel: someone else's to answer.
      if (answer === undefined) {
        log.trace(`Notebook renderer message left unanswered: ${JSON.stringify(message).slice(0, 200)}`);
        return;
      }
      if (answer.clipboard !== undefined) await vscode.env.clipboard.writeText(answer.clipboard);
      await messaging.postMessage(answer.reply, editor);
    })().catch((error: unknown) => log.error(`Answering the notebook renderer failed: ${describeError(error)}`));
  });
}
