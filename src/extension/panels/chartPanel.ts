import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { z } from 'zod';

/**
 * What every Pitwall chart panel shares: one webview panel per kind and subject (asked again, it
 * is revealed), resources only from the webview bundle, a strict CSP (a script nonce, no
 * `unsafe-eval`, no inline styles), a `ready` handshake before the host posts, and every message
 * from the webview checked against a schema before it is acted on.
 */
export abstract class ChartPanel<Host, View extends { readonly type: string }> implements vscode.Disposable {
  private static readonly open = new Map<string, ChartPanel<unknown, { type: string }>>();

  protected readonly panel: vscode.WebviewPanel;
  private ready = false;
  /** The last message asked for before the webview was ready: posted once it is. */
  private pending: Host | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  /** The panel already open for this key, revealed; undefined when there is none. */
  static reveal(key: string): boolean {
    const existing = ChartPanel.open.get(key);
    if (existing === undefined) return false;
    existing.panel.reveal();
    return true;
  }

  /** The open panel of this key (tests and refreshes look it up). */
  static find(key: string): ChartPanel<unknown, { type: string }> | undefined {
    return ChartPanel.open.get(key);
  }

  protected constructor(
    readonly key: string,
    viewType: string,
    title: string,
    extensionUri: vscode.Uri,
    script: string,
    private readonly schema: z.ZodType<View>,
    protected readonly log: vscode.LogOutputChannel,
  ) {
    const bundle = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.panel = vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [bundle],
    });
    this.panel.webview.html = this.html(bundle, script);
    ChartPanel.open.set(key, this as ChartPanel<unknown, { type: string }>);
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  /** Posts now when the webview is ready, else once it says it is. */
  protected post(message: Host): void {
    if (!this.ready) {
      this.pending = message;
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /** A message from the webview, already checked against the schema; `ready` is handled by the base. */
  protected abstract onMessage(message: View): void | Promise<void>;

  /** The webview has (again) loaded and wants its content. */
  protected abstract onReady(): void | Promise<void>;

  private receive(raw: unknown): void {
    const parsed = this.schema.safeParse(raw);
    if (!parsed.success) {
      this.log.warn(`${this.key}: a message from the panel was refused: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
      return;
    }
    const message = parsed.data;
    const run = async () => {
      if (message.type === 'ready') {
        this.ready = true;
        const pending = this.pending;
        this.pending = undefined;
        if (pending !== undefined) void this.panel.webview.postMessage(pending);
        await this.onReady();
        return;
      }
      await this.onMessage(message);
    };
    run().catch((error: unknown) => this.log.error(`${this.key}: ${error instanceof Error ? error.message : String(error)}`));
  }

  private html(bundle: vscode.Uri, script: string): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(bundle, script));
    const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'panel.css'));
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri.toString()}">
</head>
<body>
<main id="app"></main>
<script nonce="${nonce}" src="${scriptUri.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ChartPanel.open.get(this.key) === (this as ChartPanel<unknown, { type: string }>)) ChartPanel.open.delete(this.key);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
    this.onDispose();
  }

  protected onDispose(): void {}
}
