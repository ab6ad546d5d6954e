import * as vscode from 'vscode';
import { registerAcknowledgeCommands } from './acknowledge';
import { registerAlerting, type AlertingApi } from './alerting';
import { AlertsTreeDataProvider, type AlertsNode } from './alertsTreeDataProvider';
import { LatestListingTreeDataProvider } from './latestListing';
import { registerAlertsViewCommands, rememberedView } from './alertsViewCommands';
import { openSourceWithProgress, registerCommands } from './commands';
import { registerPostgresCommands, rememberedPostgresSource, reopenPostgresDatabase } from './postgresCommand';
import { ModelsTreeDataProvider, type ModelNode } from './modelsTreeDataProvider';
import { registerRuleCommands } from './ruleCommands';
import { RulesTreeDataProvider, type RulesNode } from './rulesTreeDataProvider';
import { SourceManager } from './sourceManager';
import { CalibrationPanel } from './panels/calibrationPanel';
import { DriftPanel } from './panels/driftPanel';
import { AlertDetailsPanel } from './panels/alertDetailsPanel';
import { ChartPanel, setNextExportTarget } from './panels/chartPanel';
import { CompareVersionsPanel } from './panels/compareVersionsPanel';
import { Sessions, TrendPanel } from './panels/trendPanel';
import { StatusBar } from './statusBar';
import { AlertNotifier } from './alertNotifier';
import { registerDataCommands } from './dataCommands';
import { registerReportCommands } from './reportCommands';
import { findWorkspaceSource } from './workspaceSource';
import { registerNotebookSerializer } from './notebook/serializer';
import { registerLanguageFeatures } from './notebook/languageFeatures';
import { registerNotebookKernel } from './notebook/kernel';
import type { PitwallNotebookController } from './notebook/controller';

/** What the extension returns from `activate`: used by other extensions and by Pitwall's own tests. */
export interface PitwallApi {
  readonly sources: SourceManager;
  readonly alerts: AlertsTreeDataProvider;
  readonly rules: RulesTreeDataProvider;
  readonly models: ModelsTreeDataProvider;
  readonly alertsView: vscode.TreeView<AlertsNode>;
  readonly rulesView: vscode.TreeView<RulesNode>;
  readonly modelsView: vscode.TreeView<ModelNode>;
  readonly alerting: AlertingApi;
  readonly statusBar: StatusBar;
  readonly notifier: AlertNotifier;
  readonly panels: {
    /** The next export from a chart panel is saved at this file without the save dialog (tests use it); undefined asks again. */
    nextExportTarget(target: vscode.Uri | undefined): void;
    /** Posts the open panel's last chart again without recomputing it (the control-change benchmark's baseline); false when it cannot. */
    repost(key: string): boolean;
  };
  /** The notebook kernel (its runs, kept results and query threads): Pitwall's tests read it. */
  readonly notebookKernel: PitwallNotebookController;
}

/**
 * The workspace's `pitwall.source.path`, when it exists inside its folder: a JSONL folder, or a
 * database inside or at it. A path that leaves the folder is not opened, and the log says why.
 */
async function workspaceSource(log: vscode.LogOutputChannel): Promise<string | null> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const configured = vscode.workspace.getConfiguration('pitwall.source', folder.uri).get<string>('path', 'data/monitoring');
    const found = await findWorkspaceSource(folder.uri.fsPath, configured);
    if (found?.kind === 'found') return found.path;
    if (found?.kind === 'outside') log.warn(`pitwall.source.path leads out of the workspace folder ${folder.uri.fsPath} (${found.path}): not opened.`);
  }
  return null;
}

/**
 * When a new source opens, the most severe alert group is revealed expanded once the view is visible.
 * The tree item's initial Expanded state alone is not enough: a refresh that lands while the view is
 * still rendering leaves the group collapsed. Later refreshes keep whatever the user expanded or collapsed.
 */
function expandMostSevereOnOpen(
  sources: SourceManager,
  alerts: AlertsTreeDataProvider,
  view: vscode.TreeView<AlertsNode>,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  let openedPath: string | undefined;
  let pending = false;
  const expand = async () => {
    if (!pending || !sources.source || !view.visible) return;
    pending = false;
    const store = sources.source.store;
    // A view shown a moment ago may not hold the group yet ("Data tree node not found"): asked again shortly.
    for (let attempt = 0; ; attempt++) {
      const [first] = await alerts.getChildren();
      if (sources.source?.store !== store) return;
      // Revealing shows the view: when the user moved to another view meanwhile, the sidebar stays
      // theirs and the group expands the next time the view is shown.
      if (!view.visible) {
        pending = true;
        return;
      }
      if (!first) return;
      try {
        await view.reveal(first, { expand: true, select: false, focus: false });
        return;
      } catch (error) {
        if (attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
      }
    }
  };
  const run = () => void expand().catch((error: unknown) => log.warn(`Could not expand the alert groups: ${String(error)}`));
  return [
    sources.onDidChange((source) => {
      // A refresh of the same source keeps the user's own expansion; only a newly opened source resets it.
      if (source?.path !== openedPath) pending = source !== null;
      openedPath = source?.path;
      run();
    }),
    view.onDidChangeVisibility(run),
  ];
}

/** The active extension's sources, for `deactivate()`. */
let activeSources: SourceManager | null = null;

export async function activate(context: vscode.ExtensionContext): Promise<PitwallApi> {
  const log = vscode.window.createOutputChannel('Pitwall', { log: true });
  const sources = new SourceManager(log, context.asAbsolutePath('dist/sql-wasm.wasm'), context.asAbsolutePath('dist/storeWorker.js'));
  activeSources = sources;
  const remembered = rememberedView(context.workspaceState);
  const alerts = new AlertsTreeDataProvider(sources, remembered.grouping, remembered.filter);
  const rules = new RulesTreeDataProvider(sources, context.workspaceState, log);
  const models = new ModelsTreeDataProvider(sources, log);
  const commandContext = { sources, log, wasmPath: context.asAbsolutePath('dist/sql-wasm.wasm'), onRefreshed: () => alerts.refreshAll() };
  const alerting = registerAlerting(context, sources, log);
  const statusBar = new StatusBar(sources, log);
  const notifier = new AlertNotifier(sources, log);
  // One analysis session of the open source, shared by every chart panel.
  const sessions = new Sessions(sources);
  const notebooks = registerNotebookKernel(sources, log, { workerScript: context.asAbsolutePath('dist/queryWorker.js'), wasmPath: context.asAbsolutePath('dist/sql-wasm.wasm'), packageJson: context.extension.packageJSON });
  // Each view lists through a guard: two first-level listings in flight never hand it the same ids.
  const viewListings = [new LatestListingTreeDataProvider(alerts), new LatestListingTreeDataProvider(rules), new LatestListingTreeDataProvider(models)] as const;
  const alertsView = vscode.window.createTreeView('pitwall.alerts', { treeDataProvider: viewListings[0], showCollapseAll: true, canSelectMany: true });
  const rulesView = vscode.window.createTreeView('pitwall.rules', { treeDataProvider: viewListings[1], showCollapseAll: true });
  const modelsView = vscode.window.createTreeView('pitwall.models', { treeDataProvider: viewListings[2] });
  context.subscriptions.push(
    log,
    sources,
    alerts,
    rules,
    models,
    statusBar,
    notifier,
    alertsView,
    ...expandMostSevereOnOpen(sources, alerts, alertsView, log),
    ...registerAcknowledgeCommands(sources, log, alertsView),
    rulesView,
    ...registerAlertsViewCommands({ sources, log, provider: alerts, view: alertsView, rulesView, rules, state: context.workspaceState }),
    modelsView,
    ...registerRuleCommands({ sources, rules, log }),
    ...registerCommands(commandContext),
    ...registerDataCommands(commandContext),
    ...registerReportCommands(commandContext),
    ...alerting.disposables,
    sessions,
    ...TrendPanel.register(context, sources, sessions, log),
    ...CompareVersionsPanel.register(context, sources, sessions, log),
    ...CalibrationPanel.register(context, sources, sessions, log),
    ...DriftPanel.register(context, sources, sessions, log),
    ...AlertDetailsPanel.register(context, {
      sources,
      sessions,
      log,
      revealRule: async (ruleId) => {
        const node = await rules.ruleNode(ruleId);
        if (node !== undefined) await rulesView.reveal(node, { select: true, focus: true });
      },
    }),
    registerNotebookSerializer(log),
    ...registerLanguageFeatures({ sources, rules, log }),
    ...notebooks.disposables,
    vscode.workspace.onDidGrantWorkspaceTrust(() => void sources.updateTrust()),
    ...registerPostgresCommands({ ...commandContext, secrets: context.secrets, state: context.workspaceState }),
  );

  const autoOpen = vscode.workspace.getConfiguration('pitwall.source').get<boolean>('autoOpen', true);
  // The PostgreSQL database open when the workspace was last left comes back first: the user chose it.
  const database = autoOpen && !sources.source ? rememberedPostgresSource(context.workspaceState) : undefined;
  if (database) await reopenPostgresDatabase({ ...commandContext, secrets: context.secrets, state: context.workspaceState }, database);
  if (autoOpen && !sources.source) {
    // Opening is awaited, so the API returns with the source; a failure's notification is not.
    const found = await workspaceSource(log);
    if (found) await openSourceWithProgress(commandContext, found);
  }
  return {
    sources,
    alerts,
    rules,
    models,
    alertsView,
    rulesView,
    modelsView,
    alerting: alerting.api,
    statusBar,
    notifier,
    panels: { nextExportTarget: setNextExportTarget, repost: (key: string) => ChartPanel.find(key)?.repost() ?? false },
    notebookKernel: notebooks.kernel,
  };
}

/**
 * VS Code waits for the returned promise before unloading the extension (a window reload):
 * closing the store finishes what it still had to write, such as lines carried into a
 * rewritten alerts.jsonl, which would otherwise be lost with the replaced file.
 */
export function deactivate(): Promise<void> | undefined {
  const sources = activeSources;
  activeSources = null;
  return sources?.shutdown();
}
