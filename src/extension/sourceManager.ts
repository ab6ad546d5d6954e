import * as vscode from 'vscode';
import { basename } from 'node:path';
import { describeError } from '../core/errors';
import { loadPredictionCounts, readAlertGroups, type AlertGroup, type PredictionCounts } from '../core/sourceLoad';
import { openStore, type OpenStoreOptions } from '../core/store/openStore';
import type { Store, StoreDescription } from '../core/store/store';
import { openStoreInWorker, startSpareStoreWorker } from '../core/store/workerStore';
import { isPostgresSource, postgresSettingsOf } from '../core/store/postgres/connection';
import { splitPostgresPassword } from '../core/store/postgres/sourceForm';
import type { Worker } from 'node:worker_threads';

/** What a source holds that the store reads without its predictions. */
export interface SourceCounts {
  readonly alerts: number;
  readonly unacknowledgedAlerts: number;
  readonly rules: number;
}

export interface OpenSource {
  readonly path: string;
  readonly name: string;
  readonly store: Store;
  /** The store's own description (kind, writability, warnings, diagnostics). */
  readonly description: StoreDescription;
  readonly counts: SourceCounts;
  /** Alerts and open alerts per severity that has any, most severe first. */
  readonly groups: readonly AlertGroup[];
  /**
   * The counts that need the predictions (volume and label coverage per model version): null
   * while they are read, after the alerts and rules are on screen.
   */
  readonly predictions: PredictionCounts | null;
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
  /** A server source has no files to watch: it is asked what changed at an interval. */
  private pollTimer: NodeJS.Timeout | null = null;
  /** The password of the open PostgreSQL source, kept in memory only, for opening it again (trust granted). */
  private password: string | undefined;
  private readonly changed = new vscode.EventEmitter<OpenSource | null>();
  readonly onDidChange = this.changed.event;
  /** The open under way: a newer open or a close cancels it. */
  private opening: AbortController | null = null;
  /** A store worker thread started ahead, that the next open takes. */
  private spare: Worker | undefined;
  /** The prediction counts being read for the current source. */
  private predictionsLoad: Promise<PredictionCounts | null> = Promise.resolve(null);

  /**
   * `workerScript`: the bundled store worker; a store then lives in its own thread, so reading a
   * large source never holds the extension host. Without it, stores open in this thread.
   */
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly wasmPath: string,
    private readonly workerScript?: string,
  ) {
    // A thread with its code and SQLite's engine loaded waits for the first source.
    if (workerScript !== undefined) this.spare = startSpareStoreWorker(workerScript, wasmPath);
    void this.setContext();
  }

  get source(): OpenSource | null {
    return this.current;
  }

  /**
   * Opens a source in place of the current one. In an untrusted workspace the store itself is
   * opened read-only, so no write reaches the files whatever asks for it. The current source is
   * closed only once the new one is open and described: when that fails, the new store is closed
   * and the current source stays open. A PostgreSQL URL's password is taken out of the path
   * (which is shown and logged) and given to the store apart, as `password` is.
   */
  async open(source: string, password?: string): Promise<OpenSource> {
    const split = splitPostgresPassword(source);
    const path = split.source;
    const secret = password ?? split.password;
    await vscode.commands.executeCommand('setContext', 'pitwall.sourceLoading', true);
    try {
      const trusted = vscode.workspace.isTrusted;
      this.opening?.abort();
      const opening = new AbortController();
      this.opening = opening;
      const options: OpenStoreOptions = trusted ? { wasmPath: this.wasmPath } : { wasmPath: this.wasmPath, readOnly: UNTRUSTED };
      const store = await this.openStore(path, isPostgresSource(path) ? { ...options, postgres: postgresOptions(secret) } : options, opening.signal);
      let opened: OpenSource;
      try {
        opened = await this.describe(path, store, null);
        // A newer open, or a close, came while this one was reading.
        if (opening.signal.aborted) throw new Error(`Opening ${path} was cancelled.`);
      } catch (error) {
        await store.close().catch((closing: unknown) => this.log.warn(`Closing ${path}: ${describeError(closing)}`));
        throw error;
      } finally {
        if (this.opening === opening) this.opening = null;
      }
      // The old store is taken (synchronously) to be closed, and the new source is current before that
      // close ends: a view still reading the old one then knows its read is no longer wanted.
      const closing = this.closeStore();
      this.current = opened;
      await closing;
      this.password = secret;
      this.openedUntrusted = !trusted;
      this.reportProblems(this.current);
      this.log.info(`Opened ${this.current.description.kind} source ${path}: ${this.current.counts.alerts} alerts, ${this.current.counts.rules} rules; reading its predictions`);
      // A database reached through a link is written beside the file it points to (its -wal too): that is the file to watch.
      if (this.current.description.kind === 'postgres') this.poll();
      else this.watch(this.current.description.kind === 'sqlite' ? this.current.description.path : path, this.current.description.kind === 'jsonl');
      this.changed.fire(this.current);
      this.loadPredictions(this.current);
      return this.current;
    } finally {
      await vscode.commands.executeCommand('setContext', 'pitwall.sourceLoading', false);
      await this.setContext();
    }
  }

  /** The password the open PostgreSQL source was opened with, for a notebook's thread on that same source; undefined otherwise. */
  passwordFor(path: string): string | undefined {
    return this.current?.path === path ? this.password : undefined;
  }

  /** Re-reads what changed on disk; views are told only when something did. `force` (the Refresh command) also has a server source count everything again. */
  async refresh(force = false): Promise<void> {
    const source = this.current;
    if (!source) return;
    try {
      const result = await source.store.refresh(force ? { full: true } : {});
      if (!force && result.changes.length === 0) return;
      // The same store, though its entry may have been replaced meanwhile (its prediction counts read, another
      // refresh): what this refresh took from the store is shown, or no later tick would report it again.
      const current = this.current;
      if (current?.store !== source.store) return;
      // The prediction counts shown stay until the new ones are read.
      const described = await this.describe(current.path, current.store, current.predictions);
      if (this.current?.store !== source.store) return;
      this.current = { ...described, predictions: this.current.predictions };
      for (const diagnostic of result.diagnostics) this.log.warn(diagnostic.message);
      this.changed.fire(this.current);
      this.loadPredictions(this.current);
      await this.setContext();
    } catch (error) {
      this.log.error(`Refreshing ${source.path} failed: ${describeError(error)}`);
    }
  }

  /** The prediction counts of the current source once read (null when there is no source, or they could not be read). */
  predictionsLoaded(): Promise<PredictionCounts | null> {
    return this.predictionsLoad;
  }

  async close(): Promise<void> {
    this.opening?.abort();
    const closing = this.closeStore();
    this.current = null;
    await closing;
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
        await this.open(source.path, this.password);
        return;
      }
      const described = await this.describe(source.path, source.store, source.predictions);
      if (this.current !== source) return;
      this.current = described;
      this.changed.fire(this.current);
      await this.setContext();
    } catch (error) {
      this.log.error(`Updating ${source.path} after the workspace trust changed failed: ${describeError(error)}`);
    }
  }

  private openStore(path: string, options: OpenStoreOptions, signal: AbortSignal): Promise<Store> {
    if (this.workerScript === undefined) return openStore(path, options);
    // The thread kept ready takes this source; another is made ready for the next.
    const spare = this.spare;
    this.spare = startSpareStoreWorker(this.workerScript, this.wasmPath);
    return openStoreInWorker(path, this.workerScript, { ...options, signal, ...(spare === undefined ? {} : { spare }) });
  }

  /** What the views show first: nothing here reads the predictions. */
  private async describe(path: string, store: Store, predictions: PredictionCounts | null): Promise<OpenSource> {
    const description = await store.describe();
    const groups = await readAlertGroups(store);
    const rules = (await store.readRules()).length;
    const counts = {
      alerts: groups.reduce((sum, group) => sum + group.total, 0),
      unacknowledgedAlerts: groups.reduce((sum, group) => sum + group.open, 0),
      rules,
    };
    const readOnlyReason = !vscode.workspace.isTrusted ? UNTRUSTED : description.writable ? null : description.readOnlyReason;
    return { path, name: sourceName(path), store, description, counts, groups, predictions, readOnlyReason };
  }

  /**
   * Reads the prediction counts of a source after its first screen, with progress in the Models
   * view; the views are told when they arrive. Closing or replacing the source stops the read.
   */
  private loadPredictions(source: OpenSource): void {
    const load = loadPredictionCounts(source.store).then(
      (predictions) => {
        if (this.current?.store !== source.store) return null;
        this.current = { ...this.current, predictions };
        this.log.info(`${source.name}: ${predictions.predictions} predictions, ${predictions.labelled} labelled, ${predictions.versions.length} model versions`);
        this.changed.fire(this.current);
        return predictions;
      },
      (error: unknown) => {
        // A source closed meanwhile stops its read: nothing to say about that.
        if (this.current?.store === source.store) this.log.error(`Reading the predictions of ${source.path} failed: ${describeError(error)}`);
        return null;
      },
    );
    this.predictionsLoad = load;
    void vscode.window.withProgress({ location: { viewId: 'pitwall.models' }, title: `Reading the predictions of ${source.name}…` }, () => load);
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

  /** Asks the server what changed every `pitwall.postgres.pollInterval` seconds; a tick still running skips the next. */
  private poll(): void {
    this.disposeWatcher();
    const seconds = vscode.workspace.getConfiguration('pitwall.postgres').get<number>('pollInterval', 5);
    let running = false;
    this.pollTimer = setInterval(() => {
      if (running) return;
      running = true;
      void this.refresh().finally(() => (running = false));
    }, Math.max(1, seconds) * 1000);
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
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private async closeStore(): Promise<void> {
    this.disposeWatcher();
    this.password = undefined;
    const closed = this.current;
    if (closed) await closed.store.close().catch((error: unknown) => this.log.warn(`Closing ${closed.path}: ${describeError(error)}`));
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
    void this.spare?.terminate();
    this.spare = undefined;
    this.changed.dispose();
  }
}

/** The password, and how far back each refresh reads labels again (`pitwall.postgres.labelHorizon`, hours). */
function postgresOptions(password: string | undefined): NonNullable<OpenStoreOptions['postgres']> {
  const hours = vscode.workspace.getConfiguration('pitwall.postgres').get<number>('labelHorizon', 24);
  // Polled every few seconds: the label window is read when the server says rows were updated, and once a minute anyway.
  return { ...(password === undefined ? {} : { password }), labelHorizonSeconds: Math.max(0, hours) * 3600, labelRescanSeconds: 60 };
}

/** What a source is called in messages: a file's or folder's name; a database's name and server. */
export function sourceName(path: string): string {
  if (!isPostgresSource(path)) return basename(path);
  const settings = postgresSettingsOf(path);
  return `${settings.database} on ${settings.host}`;
}
