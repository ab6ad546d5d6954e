import * as vscode from 'vscode';
import { basename } from 'node:path';
import { describeError } from '../core/errors';
import { openStore } from '../core/store/openStore';
import type { StoreCounts, Store, StoreDescription } from '../core/store/store';

export interface OpenSource {
  readonly path: string;
  readonly name: string;
  readonly store: Store;
  /** The store's own description (kind, writability, warnings, diagnostics). */
  readonly description: StoreDescription;
  readonly counts: StoreCounts;
  /** Set when the source must not be written, for this reason: an untrusted workspace or a store that cannot write. */
  readonly readOnlyReason: string | null;
}

const UNTRUSTED = 'The workspace is not trusted: Pitwall opened the source read-only. Trust the workspace to acknowledge alerts or edit rules.';

/** Holds the one open monitoring source, follows its files as other processes write, and tells the views. */
export class SourceManager implements vscode.Disposable {
  private current: OpenSource | null = null;
  /** Whether the current store was opened read-only because the workspace was not trusted. */
  private openedUntrusted = false;
  private watcher: vscode.FileSystemWatcher | null = null;
  private shuttingDown: Promise<void> | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;
  private readonly changed = new vscode.EventEmitter<OpenSource | null>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly wasmPath: string,
  ) {
    void this.setContext();
  }

  get source(): OpenSource | null {
    return this.current;
  }

  /**
   * Opens a source in place of the current one. In an untrusted workspace the store itself is
   * opened read-only, so no write reaches the files whatever asks for it. The current source is
   * closed only once the new one is open and described: when that fails, the new store is closed
   * and the current source stays open.
   */
  async open(path: string): Promise<OpenSource> {
    await vscode.commands.executeCommand('setContext', 'pitwall.sourceLoading', true);
    try {
      const trusted = vscode.workspace.isTrusted;
      const store = await openStore(path, trusted ? { wasmPath: this.wasmPath } : { wasmPath: this.wasmPath, readOnly: UNTRUSTED });
      let opened: OpenSource;
      try {
        opened = await this.describe(path, store);
      } catch (error) {
        await store.close().catch((closing: unknown) => this.log.warn(`Closing ${path}: ${describeError(closing)}`));
        throw error;
      }
      await this.closeStore();
      this.current = opened;
      this.openedUntrusted = !trusted;
      this.reportProblems(this.current);
      this.log.info(`Opened ${this.current.description.kind} source ${path}: ${this.current.counts.predictions} predictions, ${this.current.counts.alerts} alerts, ${this.current.counts.rules} rules`);
      this.watch(path, this.current.description.kind === 'jsonl');
      this.changed.fire(this.current);
      return this.current;
    } finally {
      await vscode.commands.executeCommand('setContext', 'pitwall.sourceLoading', false);
      await this.setContext();
    }
  }

  /** Re-reads what changed on disk; views are told only when something did. */
  async refresh(force = false): Promise<void> {
    const source = this.current;
    if (!source) return;
    try {
      const result = await source.store.refresh();
      if (!force && result.changes.length === 0) return;
      if (this.current !== source) return;
      this.current = await this.describe(source.path, source.store);
      for (const diagnostic of result.diagnostics) this.log.warn(diagnostic.message);
      this.changed.fire(this.current);
      await this.setContext();
    } catch (error) {
      this.log.error(`Refreshing ${source.path} failed: ${describeError(error)}`);
    }
  }

  async close(): Promise<void> {
    await this.closeStore();
    this.current = null;
    this.changed.fire(null);
    await this.setContext();
  }

  /**
   * Trust changed. A store opened read-only because the workspace was not trusted is opened
   * again, now writable; otherwise the same store is described again. Never rejects: a failure
   * is logged and the source stays as it was.
   */
  async updateTrust(): Promise<void> {
    const source = this.current;
    if (!source) return;
    try {
      if (vscode.workspace.isTrusted && this.openedUntrusted) {
        await this.open(source.path);
        return;
      }
      const described = await this.describe(source.path, source.store);
      if (this.current !== source) return;
      this.current = described;
      this.changed.fire(this.current);
      await this.setContext();
    } catch (error) {
      this.log.error(`Updating ${source.path} after the workspace trust changed failed: ${describeError(error)}`);
    }
  }

  private async describe(path: string, store: Store): Promise<OpenSource> {
    const [description, counts] = await Promise.all([store.describe(), store.counts()]);
    const readOnlyReason = !vscode.workspace.isTrusted ? UNTRUSTED : description.writable ? null : description.readOnlyReason;
    return { path, name: basename(path), store, description, counts, readOnlyReason };
  }

  private reportProblems(source: OpenSource): void {
    for (const warning of source.description.warnings) this.log.warn(`${source.name}: ${warning}`);
    for (const diagnostic of source.description.diagnostics) this.log.warn(diagnostic.message);
    const problems = source.description.diagnostics.length;
    if (problems > 0) {
      void vscode.window
        .showWarningMessage(`${source.name}: ${problems} record${problems === 1 ? '' : 's'} could not be read and ${problems === 1 ? 'was' : 'were'} skipped; the rest loaded.`, 'Show Details')
        .then((choice) => choice && this.log.show());
    }
  }

  private watch(path: string, isFolder: boolean): void {
    this.disposeWatcher();
    const pattern = isFolder
      ? new vscode.RelativePattern(vscode.Uri.file(path), '*')
      : new vscode.RelativePattern(vscode.Uri.joinPath(vscode.Uri.file(path), '..'), `${basename(path)}*`);
    this.watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const schedule = () => this.scheduleReload();
    this.watcher.onDidChange(schedule);
    this.watcher.onDidCreate(schedule);
    this.watcher.onDidDelete(schedule);
  }

  /** Writers append in bursts: coalesce file events into one refresh. */
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

  private async closeStore(): Promise<void> {
    this.disposeWatcher();
    const store = this.current?.store;
    if (store) await store.close().catch((error: unknown) => this.log.warn(`Closing ${this.current?.path}: ${describeError(error)}`));
  }

  private async setContext(): Promise<void> {
    const source = this.current;
    await vscode.commands.executeCommand('setContext', 'pitwall.sourceOpen', source !== null);
    await vscode.commands.executeCommand('setContext', 'pitwall.sourceKind', source?.description.kind ?? '');
    await vscode.commands.executeCommand('setContext', 'pitwall.alertCount', source?.counts.alerts ?? 0);
    await vscode.commands.executeCommand('setContext', 'pitwall.ruleCount', source?.counts.rules ?? 0);
    await vscode.commands.executeCommand('setContext', 'pitwall.readOnly', source ? source.readOnlyReason !== null : false);
  }

  /**
   * Closes the store for good, once: the promise settles when the store has finished what it
   * still had to write (lines carried into a rewritten alerts.jsonl). `deactivate()` returns it.
   */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.closeStore();
    return this.shuttingDown;
  }

  dispose(): void {
    void this.shutdown();
    this.changed.dispose();
  }
}
