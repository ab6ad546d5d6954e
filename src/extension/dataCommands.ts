import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { migrateJsonlToSqlite, type MigrationPart } from '../core/store/migrate';
import { ModelPerformanceTracker } from '../core/tracker';
import { openSourceWithProgress, type CommandContext } from './commands';

/** Asks for a prediction id and what really happened, and records it in the open source. */
async function recordOutcome(context: CommandContext): Promise<void> {
  const source = context.sources.source;
  if (source === null) {
    const choice = await vscode.window.showInformationMessage('Open a monitoring source first: the outcome is recorded in it.', 'Open Monitoring Source…');
    if (choice) await vscode.commands.executeCommand('pitwall.openSource');
    return;
  }
  if (source.readOnlyReason !== null) {
    void vscode.window.showWarningMessage(`Cannot record an outcome: ${source.readOnlyReason}`);
    return;
  }
  const predictionId = await vscode.window.showInputBox({
    title: 'Pitwall: Record Actual Outcome (1/2)',
    prompt: `The id of the prediction whose ground truth is now known, in ${source.name}`,
    placeHolder: 'e.g. pred-0000042',
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? 'Type the prediction id, as the service logged it (prediction_id).' : undefined),
  });
  if (predictionId === undefined) return;
  const picked = await vscode.window.showQuickPick(
    [
      { label: '1', description: 'positive: the event happened', actual: 1 },
      { label: '0', description: 'negative: it did not', actual: 0 },
    ],
    { title: 'Pitwall: Record Actual Outcome (2/2)', placeHolder: `What really happened for ${predictionId.trim()}?`, ignoreFocusOut: true },
  );
  if (picked === undefined) return;
  const id = predictionId.trim();
  try {
    const evaluation = await new ModelPerformanceTracker(source.store).recordActualOutcome(id, picked.actual);
    if (evaluation === null) {
      const choice = await vscode.window.showWarningMessage(`No prediction "${id}" in ${source.name}: nothing was recorded.`, 'Try Another Id');
      if (choice) await recordOutcome(context);
      return;
    }
    context.log.info(`Recorded the outcome of ${id} in ${source.path}: predicted ${evaluation.predicted_outcome}, actual ${evaluation.actual_outcome}`);
    await context.sources.refresh(true);
    void vscode.window.showInformationMessage(
      `Recorded ${id}: predicted ${evaluation.predicted_outcome}, actual ${evaluation.actual_outcome} (${evaluation.correct ? 'correct' : 'wrong'}, model ${evaluation.model_version}).`,
    );
  } catch (error) {
    context.log.error(`Recording the outcome of ${id} failed: ${describeError(error)}`);
    void vscode.window.showErrorMessage(`Could not record the outcome: ${describeError(error)}`, 'Show Log').then((choice) => choice && context.log.show());
  }
}

const PART_LABEL: Partial<Record<MigrationPart, string>> = { predictions: 'predictions', outcomes: 'outcomes', alerts: 'alerts', alert_rules: 'rules' };

/** The JSONL folder to migrate: the open one when it is a folder, else one the user picks. */
async function folderToMigrate(context: CommandContext, given: unknown): Promise<string | undefined> {
  if (given instanceof vscode.Uri) return given.fsPath;
  const source = context.sources.source;
  if (source?.description.kind === 'jsonl') return source.path;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Migrate This Folder',
    title: 'Pitwall: choose the JSONL monitoring folder to copy into SQLite',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0]?.fsPath;
}

/** Copies a JSONL folder into a SQLite database, with progress and cancel, then offers to open it. */
async function migrate(context: CommandContext, given: unknown): Promise<void> {
  const folder = await folderToMigrate(context, given);
  if (folder === undefined) return;
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    void vscode.window.showErrorMessage(`Not a folder: ${folder}. Choose the folder your monitoring service writes JSONL files to.`);
    return;
  }
  const target = await vscode.window.showSaveDialog({
    title: `Pitwall: the SQLite database to copy ${basename(folder)} into (a new file, or one to add to)`,
    saveLabel: 'Migrate',
    defaultUri: vscode.Uri.file(join(dirname(folder), `${basename(folder)}.db`)),
    filters: { 'SQLite database': ['db', 'sqlite', 'sqlite3'] },
  });
  if (target === undefined) return;
  const abort = new AbortController();
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Migrating ${basename(folder)} to ${basename(target.fsPath)}`, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => abort.abort(new vscode.CancellationError()));
        return migrateJsonlToSqlite(folder, target.fsPath, {
          signal: abort.signal,
          ...(context.wasmPath === undefined ? {} : { wasmPath: context.wasmPath }),
          onProgress: (step) => {
            if (step.stage === 'rows') progress.report({ message: `${step.rows.toLocaleString('en-US')} ${PART_LABEL[step.part] ?? step.part.replace(/_/g, ' ')} read` });
            else progress.report({ message: 'writing the database…' });
          },
        });
      },
    );
    const rows = report.parts.reduce((sum, part) => sum + part.inserted, 0);
    context.log.info(`Migrated ${folder} to ${report.target}: ${rows} rows added in ${Math.round(report.elapsedMs)} ms`);
    for (const warning of report.warnings) context.log.warn(warning);
    for (const diagnostic of report.diagnostics) context.log.warn(diagnostic.message);
    const skipped = report.diagnostics.length > 0 ? ` ${report.diagnostics.length} bad record${report.diagnostics.length === 1 ? ' was' : 's were'} skipped (see the log).` : '';
    const choice = await vscode.window.showInformationMessage(
      `Migrated ${basename(folder)} to ${basename(report.target)}: ${rows.toLocaleString('en-US')} rows added.${skipped}`,
      'Open the Database',
      ...(skipped === '' ? [] : ['Show Log']),
    );
    if (choice === 'Open the Database') await openSourceWithProgress(context, report.target);
    if (choice === 'Show Log') context.log.show();
  } catch (error) {
    if (abort.signal.aborted) {
      void vscode.window.showInformationMessage(
        `Migration cancelled. A new database was not written; rows already added to an existing one stay, and migrating again adds the rest.`,
      );
      return;
    }
    context.log.error(`Migrating ${folder} failed: ${describeError(error)}`);
    void vscode.window.showErrorMessage(`Could not migrate ${basename(folder)}: ${describeError(error)}`, 'Show Log').then((choice) => choice && context.log.show());
  }
}

export function registerDataCommands(context: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('pitwall.recordOutcome', () => recordOutcome(context)),
    vscode.commands.registerCommand('pitwall.migrateToSqlite', (folder?: unknown) => migrate(context, folder)),
  ];
}
