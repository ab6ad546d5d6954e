/**
 * The host side of the notebook renderer's messages: pages and sort orders of a kept result, and
 * "copy as CSV" onto the clipboard. The answers are the kernel's (core/query/notebookResults.ts).
 */
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import { answerRendererMessage, type NotebookResults } from '../../core/query/notebookResults';
import { RENDERER_ID } from '../../shared/notebookOutput';

export function registerRendererMessaging(results: NotebookResults, log: vscode.LogOutputChannel): vscode.Disposable {
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  return messaging.onDidReceiveMessage(({ editor, message }) => {
    void (async () => {
      const answer = answerRendererMessage(results, message);
      if (answer === undefined) {
        log.warn(`The notebook renderer sent a message Pitwall does not know: ${JSON.stringify(message).slice(0, 200)}`);
        return;
      }
      if (answer.clipboard !== undefined) await vscode.env.clipboard.writeText(answer.clipboard);
      await messaging.postMessage(answer.reply, editor);
    })().catch((error: unknown) => log.error(`Answering the notebook renderer failed: ${describeError(error)}`));
  });
}
