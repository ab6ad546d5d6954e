import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { z } from 'zod';
import { describeError } from '../../core/errors';
import { readSavedKeys } from './savedState';
import { MAX_EXPORT_CHARS, type ExportFormat, type PanelExportMessage } from '../../shared/panelMessages';

const PNG_DATA_URL = 'data:image/png;base64,';

const ExportMessageSchema: z.ZodType<PanelExportMessage> = z.union([
  z.object({ type: z.literal('export'), format: z.literal('png'), data: z.string().max(MAX_EXPORT_CHARS).startsWith(PNG_DATA_URL).regex(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/) }),
  z.object({ type: z.literal('export'), format: z.literal('svg'), data: z.string().max(MAX_EXPORT_CHARS).regex(/^\s*<svg[\s>]/) }),
  z.object({ type: z.literal('export'), format: z.enum(['csv', 'json']) }),
]);

const SAVE_FILTERS: Readonly<Record<ExportFormat, Record<string, string[]>>> = {
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
  csv: { 'CSV (comma-separated values)': ['csv'] },
  json: { 'Vega-Lite specification': ['json'] },
};

/**
 * Where an export is saved: the save dialog's answer. Tests replace the dialog's answer with a
 * path of their own through the extension's API (`panels.nextExportTarget`); the writing is the same.
 */
let nextExportTarget: vscode.Uri | undefined;

/** The next export is saved at `target` without asking (the extension's API hands this to tests). */
export function setNextExportTarget(target: vscode.Uri | undefined): void {
  nextExportTarget = target;
}

async function askExportTarget(suggested: vscode.Uri, format: ExportFormat): Promise<vscode.Uri | undefined> {
  if (nextExportTarget !== undefined) {
    const target = nextExportTarget;
    nextExportTarget = undefined;
    return target;
  }
  return vscode.window.showSaveDialog({ defaultUri: suggested, filters: SAVE_FILTERS[format], saveLabel: 'Export' });
}

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
  /** Recomputations asked for: an older answer that lands after a newer question is dropped. */
  private asked = 0;
  /** The last message posted, for `repost`. */
  private last: Host | undefined;

  /** Reveals the panel already open for this key (keeping the focus where it is when asked); false when there is none. */
  static reveal(key: string, preserveFocus = false): boolean {
    const existing = ChartPanel.open.get(key);
    if (existing === undefined) return false;
    existing.panel.reveal(undefined, preserveFocus);
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
    restored?: vscode.WebviewPanel,
    /** Opened without taking the focus (a preview from a click in a view, which keeps the keyboard there). */
    preserveFocus = false,
  ) {
    const bundle = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const options = { enableScripts: true, localResourceRoots: [bundle] };
    if (restored === undefined) {
      this.panel = vscode.window.createWebviewPanel(viewType, title, { viewColumn: vscode.ViewColumn.Active, preserveFocus }, options);
    } else {
      // A panel VS Code brought back after a reload: its options are set again, as they are not kept.
      this.panel = restored;
      this.panel.webview.options = options;
      this.panel.title = title;
    }
    this.panel.webview.html = this.html(bundle, script);
    ChartPanel.open.set(key, this as ChartPanel<unknown, { type: string }>);
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  /**
   * Restores the panels of `viewType` after a window reload: `revive` gets the panel VS Code kept and
   * the keys its webview saved, or null when the saved state is missing, of another version or
   * unreadable (the panel then opens with its defaults).
   */
  protected static registerSerializer<Keys>(viewType: string, keys: z.ZodType<Keys>, revive: (panel: vscode.WebviewPanel, keys: Keys | null) => void): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(viewType, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel, state: unknown) => {
        revive(panel, readSavedKeys(state, keys));
        return Promise.resolve();
      },
    });
  }

  /** Posts now when the webview is ready, else once it says it is. */
  /**
   * Recomputes what the panel shows on the open source and posts it: `noSource` when none is open,
   * `busy` meanwhile, then what `compute` makes of it, or `failed` with the reason (logged). Answers
   * arrive in order of asking: an older one that lands late is dropped, and none is posted once the
   * panel is closed.
   */
  protected async recompute<Source>(
    source: Source | null,
    steps: { readonly noSource: () => Host; readonly busy: Host; readonly compute: (source: Source) => Promise<Host>; readonly failed: (reason: string) => Host },
  ): Promise<void> {
    const asked = ++this.asked;
    if (source === null) {
      this.post(steps.noSource());
      return;
    }
    this.post(steps.busy);
    let answer: Host;
    try {
      answer = await steps.compute(source);
    } catch (error) {
      this.log.error(`${this.key}: ${describeError(error)}`);
      answer = steps.failed(describeError(error));
    }
    if (asked === this.asked && !this.disposed) this.post(answer);
  }

  protected post(message: Host): void {
    this.last = message;
    if (!this.ready) {
      this.pending = message;
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /**
   * Posts the last message again without recomputing it: the webview draws the same chart anew.
   * The benchmark of a control change measures against this (message and drawing, no kernel work).
   * False when nothing was posted yet or the webview is not ready.
   */
  repost(): boolean {
    if (this.last === undefined || !this.ready || this.disposed) return false;
    void this.panel.webview.postMessage(this.last);
    return true;
  }

  /** A message from the webview, already checked against the schema; `ready`, `openSource` and `failed` are handled by the base. */
  protected abstract onMessage(message: View): void | Promise<void>;

  /** The webview has (again) loaded and wants its content. */
  protected abstract onReady(): void | Promise<void>;

  /**
   * The text of a CSV or JSON export: the charted rows, or the Vega-Lite spec as drawn; null when
   * the panel shows nothing to export.
   */
  protected exportText(_format: 'csv' | 'json'): string | null {
    return null;
  }

  /** Saves an export the webview asked for where the person chooses; the file name suggested is the panel's title. */
  private async export(message: PanelExportMessage): Promise<void> {
    const content = message.format === 'png' ? Buffer.from(message.data.slice(PNG_DATA_URL.length), 'base64') : message.format === 'svg' ? message.data : this.exportText(message.format);
    if (content === null) {
      void vscode.window.showWarningMessage(`${this.panel.title}: there is no chart to export yet.`);
      return;
    }
    const name = `${this.panel.title.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'chart'}.${message.format}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const suggested = folder === undefined ? vscode.Uri.file(name) : vscode.Uri.joinPath(folder, name);
    const target = await askExportTarget(suggested, message.format);
    if (target === undefined) return;
    await vscode.workspace.fs.writeFile(target, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    this.log.info(`${this.key}: exported ${message.format.toUpperCase()} to ${target.fsPath}`);
  }

  private receive(raw: unknown): void {
    if (typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'export') {
      const exported = ExportMessageSchema.safeParse(raw);
      if (!exported.success) {
        this.log.warn(`${this.key}: an export from the panel was refused: ${exported.error.issues.map((issue) => issue.message).join('; ')}`);
        return;
      }
      this.export(exported.data).catch((error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        this.log.error(`${this.key}: the export failed: ${text}`);
        void vscode.window.showErrorMessage(`Pitwall could not save the export: ${text}`);
      });
      return;
    }
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
      // What every panel's webview may say alike: open a source (from its empty state), or that it could not draw.
      if (message.type === 'openSource') {
        await vscode.commands.executeCommand('pitwall.openSource');
        return;
      }
      if (message.type === 'failed') {
        this.log.error(`${this.key}: the chart could not be drawn: ${(message as { readonly message?: unknown }).message as string}`);
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
