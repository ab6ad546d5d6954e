/** Everything the notebook kernel registers: the controller, its cell status bar, renderer messaging, the source picker, New Notebook and Open in Notebook. */
import type * as vscode from 'vscode';
import type { SourceManager } from '../sourceManager';
import { registerCellStatusBar } from './cellStatusBar';
import { PitwallNotebookController, type ControllerOptions } from './controller';
import { registerNewNotebook } from './newNotebook';
import { registerNotebookSourcePicker } from './notebookSourcePicker';
import { registerOpenInNotebook } from './openInNotebook';
import { registerRendererMessaging } from './rendererMessaging';

export function registerNotebookKernel(sources: SourceManager, log: vscode.LogOutputChannel, options: ControllerOptions & { readonly packageJson: unknown }): { kernel: PitwallNotebookController; disposables: vscode.Disposable[] } {
  const kernel = new PitwallNotebookController(sources, log, options);
  return {
    kernel,
    disposables: [kernel, registerCellStatusBar(kernel), registerRendererMessaging(kernel.results, log, options.packageJson), registerNotebookSourcePicker(sources), registerNewNotebook(sources, log), registerOpenInNotebook(sources)],
  };
}
