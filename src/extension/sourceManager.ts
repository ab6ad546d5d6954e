import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { readSourcePreview, type SourcePreview } from '../core/store/alertsPreview';
import { describeError } from '../core/errors';

export type SourceKind = 'jsonl' | 'sqlite';

export interface OpenSource {
  path: string;
  kind: SourceKind;
  readOnly: boolean;
  readOnlyReason: string | null;
  data: SourcePreview;
}

const SQLITE_EXTENSIONS = ['.db', '.sqlite', '.sqlite3'];

/** Holds the one open monitoring source, reloads it when its files change, and tells the views. */
export class SourceManager implements vscode.Disposable {
  private current: OpenSource | null = null;
  private watcher: vscode.FileSystemWatcher | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;
  private readonly changed = new vscode.EventEmitter<OpenSource | null>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    void this.setContext();
  }

  get source(): OpenSource | null {
    return this.current;
  }

  async open(path: string): Promise<OpenSource> {
    const info = await stat(path).catch(() => null);
    if (!info) throw new Error(`No monitoring source at ${path}: choose a JSONL folder or a SQLite file.`);
    const kind: SourceKind = info.isDirectory() ? 'jsonl' : 'sqlite';
    if (kind === 'sqlite' && !SQLITE_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext))) {
      throw new Error(`${path} is neither a JSONL monitoring folder nor a SQLite database (.db, .sqlite, .sqlite3).`);
    }
    await vscode.commands.executeCommand('setContext', 'pitwall.sourceLoading', true);
    try {
      const data = kind === 'jsonl' ? await readSourcePreview(path) : { alerts: [], rules: [], problems: [] };
      const readOnly = !vscode.workspace.isTrusted;
      this.current = {
        path,
        kind,
        readOnly,
        readOnlyReason: readOnly ? 'The workspace is not trusted: Pitwall opened the source read-only.' : null,
        data,
      };
      for (const problem of data.problems) this.log.warn(`${basename(path)}: ${problem}`);
      this.log.info(`Opened ${kind} source ${path}: ${data.alerts.length} alerts, ${data.rules.length} rules`);
      this.watch(path, kind);
      this.changed.fire(this.current);
      return this.current;
    } finally {
      await vscode.commands.executeCommand('setContext', 'pitwall.sourceLoading', false);
      await this.setContext();
    }
  }

  async refresh(): Promise<void> {
    if (!this.current) return;
    try {
      const data = await readSourcePreview(this.current.path);
      this.current = { ...this.current, data };
      this.changed.fire(this.current);
      await this.setContext();
    } catch (error) {
      this.log.error(`Refreshing ${this.current.path} failed: ${describeError(error)}`);
    }
  }

  async close(): Promise<void> {
    this.disposeWatcher();
    this.current = null;
    this.changed.fire(null);
    await this.setContext();
  }

  private watch(path: string, kind: SourceKind): void {
    this.disposeWatcher();
    const base = vscode.Uri.file(path);
    const pattern = kind === 'jsonl' ? new vscode.RelativePattern(base, '*') : new vscode.RelativePattern(vscode.Uri.file(path + '/..'), `${basename(path)}*`);
    this.watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const schedule = () => this.scheduleReload();
    this.watcher.onDidChange(schedule);
    this.watcher.onDidCreate(schedule);
    this.watcher.onDidDelete(schedule);
  }

  /** Writers append in bursts: coalesce file events into one reload. */
  private scheduleReload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      void this.refresh();
    }, 300);
  }

  private disposeWatcher(): void {
    this.watcher?.dispose();
    this.watcher = null;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
  }

  private async setContext(): Promise<void> {
    const source = this.current;
    await vscode.commands.executeCommand('setContext', 'pitwall.sourceOpen', source !== null);
    await vscode.commands.executeCommand('setContext', 'pitwall.alertCount', source?.data.alerts.length ?? 0);
    await vscode.commands.executeCommand('setContext', 'pitwall.ruleCount', source?.data.rules.length ?? 0);
    await vscode.commands.executeCommand('setContext', 'pitwall.readOnly', source?.readOnly ?? false);
  }

  dispose(): void {
    this.disposeWatcher();
    this.changed.dispose();
  }
}
