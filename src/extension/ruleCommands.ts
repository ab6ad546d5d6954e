/**
 * The Rules view's commands: enable / disable, add (the input steps), edit (alert_rules.json at
 * the rule for a folder, the input steps prefilled for a database), delete, duplicate, backtest,
 * the grouping, and expiring a silence. Every write goes through the kernel's rule edits and the
 * store's own safe writes; the view then reads the source again.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { backtestRule, type RuleBacktest } from '../core/alerting/backtestRule';
import { addRule, duplicateRule, editRule, removeRule, setRuleEnabled } from '../core/alerting/ruleEdits';
import { canonicalMetricName } from '../core/analytics/metricNames';
import { describeError } from '../core/errors';
import type { AlertRule } from '../core/model/alertRule';
import { formatAlertTime } from './alertsTreeDataProvider';
import { PANEL_METRICS } from './panels/trendPanel';
import { askRuleInput, ruleFields } from './ruleInput';
import { formatRemaining, silenceMatchersText, type RulesNode, type RulesTreeDataProvider } from './rulesTreeDataProvider';
import type { OpenSource, SourceManager } from './sourceManager';

interface RuleCommandContext {
  readonly sources: SourceManager;
  readonly rules: RulesTreeDataProvider;
  readonly log: vscode.LogOutputChannel;
}

/** The source to write to; a message saying why not otherwise (none open, or read-only). */
function writableSource(context: RuleCommandContext): OpenSource | undefined {
  const source = context.sources.source;
  if (!source) {
    void vscode.window.showInformationMessage('Open a monitoring source first: rules live in its alert_rules.json or alert_rules table.');
    return undefined;
  }
  if (source.readOnlyReason) {
    void vscode.window.showWarningMessage(`The rules cannot be changed: the source is read-only (${source.readOnlyReason}).`);
    return undefined;
  }
  return source;
}

/** The rule a command acts on: the clicked row, a rule_id (from a test or a link), or one picked from the source's rules. */
async function ruleOf(source: OpenSource, node: unknown, placeHolder: string): Promise<AlertRule | undefined> {
  const rules = await source.store.readRules();
  const wanted =
    typeof node === 'string' ? node : typeof node === 'object' && node !== null && (node as RulesNode).kind === 'rule' ? (node as Extract<RulesNode, { kind: 'rule' }>).activity.rule.rule_id : undefined;
  if (wanted !== undefined) return rules.find((rule) => rule.rule_id === wanted);
  const picked = await vscode.window.showQuickPick(
    rules.map((rule) => ({ label: rule.rule_id, description: `${rule.metric_name} ${rule.comparison} ${rule.threshold} · ${rule.severity}${rule.enabled ? '' : ' · disabled'}`, rule })),
    { title: 'Pitwall: which rule?', placeHolder },
  );
  return picked?.rule;
}

async function failed(context: RuleCommandContext, what: string, error: unknown): Promise<undefined> {
  context.log.error(`${what}: ${describeError(error)}`);
  const choice = await vscode.window.showErrorMessage(describeError(error), 'Show Log');
  if (choice) context.log.show();
  return undefined;
}

/** After a write: the views read the source again at once, without waiting for the file watcher. */
async function reread(context: RuleCommandContext): Promise<void> {
  await context.sources.refresh(true);
  context.rules.refresh();
}

/** The offset of a rule's `"rule_id": "<id>"` in the text of alert_rules.json; 0 when it is not found. */
export function ruleOffset(text: string, ruleId: string): number {
  const pattern = new RegExp(`"rule_id"\\s*:\\s*${JSON.stringify(ruleId).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  const match = pattern.exec(text);
  return match === null ? 0 : match.index;
}

/** What the trend panel opens on for a rule: its metric, and its version when it names only one; null when the panel does not draw the metric. */
export function ruleTrendArguments(rule: AlertRule): { metric: string; modelVersion?: string } | null {
  const metric = canonicalMetricName(rule.metric_name) ?? rule.metric_name;
  if (!(PANEL_METRICS as readonly string[]).includes(metric)) return null;
  const versions = Array.isArray(rule.conditions.model_versions) ? rule.conditions.model_versions : [];
  return { metric, ...(versions.length === 1 && typeof versions[0] === 'string' ? { modelVersion: versions[0] } : {}) };
}

async function showBacktest(report: RuleBacktest, rule: AlertRule): Promise<void> {
  const trend = ruleTrendArguments(rule);
  const trendable = trend !== null;
  type Item = vscode.QuickPickItem & { readonly trend?: boolean };
  const items: Item[] = [];
  if (trendable) items.push({ label: `$(graph-line) Show Trend of ${rule.metric_name}`, description: 'the performance trend panel for this metric', trend: true });
  if (report.alerts.length > 0) items.push({ label: 'Would have fired', kind: vscode.QuickPickItemKind.Separator });
  for (const alert of report.alerts) {
    items.push({
      label: `$(flame) ${formatAlertTime(alert.at)}`,
      description: [alert.model_version, alert.segment].filter((part) => part !== null).join(' · '),
      detail: alert.reason,
    });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: `Backtest of ${rule.rule_id}: ${report.alerts.length} alert(s), ${report.resolutions.length} resolution(s) over ${report.evaluations} evaluations every ${formatRemaining(report.every)}, ${formatAlertTime(report.from)} … ${formatAlertTime(report.to)}`,
    placeHolder: report.alerts.length === 0 ? 'The rule would not have fired over this history' : 'When the rule would have fired (nothing was written)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked?.trend && trend !== null) await vscode.commands.executeCommand('pitwall.showTrend', trend);
}

export function registerRuleCommands(context: RuleCommandContext): vscode.Disposable[] {
  const { sources, rules } = context;
  const setEnabled = (enabled: boolean) => async (node?: unknown) => {
    const source = writableSource(context);
    if (!source) return undefined;
    try {
      const rule = await ruleOf(source, node, enabled ? 'Rule to enable' : 'Rule to disable');
      if (!rule) return undefined;
      const result = await setRuleEnabled(source.store, rule.rule_id, enabled);
      await reread(context);
      return result.rule;
    } catch (error) {
      return failed(context, enabled ? 'Enabling a rule' : 'Disabling a rule', error);
    }
  };

  return [
    vscode.commands.registerCommand('pitwall.rules.enable', setEnabled(true)),
    vscode.commands.registerCommand('pitwall.rules.disable', setEnabled(false)),

    vscode.commands.registerCommand('pitwall.rules.add', async () => {
      const source = writableSource(context);
      if (!source) return undefined;
      try {
        const taken = new Set((await source.store.readRules()).map((rule) => rule.rule_id));
        const input = await askRuleInput('Pitwall: Add Alert Rule', taken);
        if (!input) return undefined;
        const added = await addRule(source.store, ruleFields(input));
        await reread(context);
        void vscode.window.showInformationMessage(`Rule ${added.rule_id} added: ${added.metric_name} ${added.comparison} ${added.threshold}.`);
        return added;
      } catch (error) {
        return failed(context, 'Adding a rule', error);
      }
    }),

    vscode.commands.registerCommand('pitwall.rules.edit', async (node?: unknown) => {
      const source = writableSource(context);
      if (!source) return undefined;
      try {
        const rule = await ruleOf(source, node, 'Rule to edit');
        if (!rule) return undefined;
        if (source.description.kind === 'jsonl') {
          // The file itself, where the JSON schema's diagnostics help; the store picks the saved file up.
          const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(source.description.path, 'alert_rules.json')));
          const position = document.positionAt(ruleOffset(document.getText(), rule.rule_id));
          await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
          return rule;
        }
        const input = await askRuleInput(`Pitwall: Edit Rule ${rule.rule_id}`, new Set(), rule);
        if (!input) return undefined;
        const edited = await editRule(source.store, rule.rule_id, ruleFields(input, rule));
        await reread(context);
        return edited;
      } catch (error) {
        return failed(context, 'Editing a rule', error);
      }
    }),

    vscode.commands.registerCommand('pitwall.rules.delete', async (node?: unknown) => {
      const source = writableSource(context);
      if (!source) return undefined;
      try {
        const rule = await ruleOf(source, node, 'Rule to delete');
        if (!rule) return undefined;
        const where = source.description.kind === 'jsonl' ? 'alert_rules.json' : 'the alert_rules table';
        const choice = await vscode.window.showWarningMessage(
          `Delete the rule ${rule.rule_id}?`,
          { modal: true, detail: `${rule.metric_name} ${rule.comparison} ${rule.threshold} · ${rule.severity}. It is removed from ${where}; its alerts stay.` },
          'Delete',
        );
        if (choice !== 'Delete') return undefined;
        await removeRule(source.store, rule.rule_id);
        await reread(context);
        return rule.rule_id;
      } catch (error) {
        return failed(context, 'Deleting a rule', error);
      }
    }),

    vscode.commands.registerCommand('pitwall.rules.duplicate', async (node?: unknown) => {
      const source = writableSource(context);
      if (!source) return undefined;
      try {
        const rule = await ruleOf(source, node, 'Rule to duplicate');
        if (!rule) return undefined;
        const copy = await duplicateRule(source.store, rule.rule_id);
        await reread(context);
        void vscode.window.showInformationMessage(`Rule ${copy.rule_id} added, disabled: a copy of ${rule.rule_id}. Edit it, then enable it.`);
        return copy;
      } catch (error) {
        return failed(context, 'Duplicating a rule', error);
      }
    }),

    vscode.commands.registerCommand('pitwall.rules.backtest', async (node?: unknown) => {
      const source = sources.source;
      if (!source) {
        void vscode.window.showInformationMessage('Open a monitoring source first: a rule is replayed over its history.');
        return undefined;
      }
      try {
        const rule = await ruleOf(source, node, 'Rule to replay over the history');
        if (!rule) return undefined;
        const report = await vscode.window.withProgress(
          { location: { viewId: 'pitwall.rules' }, title: `Backtesting ${rule.rule_id}` },
          () => backtestRule(source.store, rule),
        );
        context.log.info(`Backtest of ${rule.rule_id}: ${report.alerts.length} alert(s) over ${report.evaluations} evaluations`);
        await showBacktest(report, rule);
        return report;
      } catch (error) {
        return failed(context, 'Backtesting a rule', error);
      }
    }),

    vscode.commands.registerCommand('pitwall.rules.showTrend', async (node?: unknown) => {
      const source = sources.source;
      if (!source) {
        void vscode.window.showInformationMessage('Open a monitoring source first: the trend is drawn from its predictions.');
        return undefined;
      }
      try {
        const rule = await ruleOf(source, node, 'Rule whose metric to draw');
        if (!rule) return undefined;
        const trend = ruleTrendArguments(rule);
        if (trend === null) {
          void vscode.window.showInformationMessage(
            `The trend panel draws ${PANEL_METRICS.join(', ')}; rule ${rule.rule_id} watches ${rule.metric_name}, which it does not draw. Run its backtest to see when it would fire.`,
          );
          return undefined;
        }
        return await vscode.commands.executeCommand('pitwall.showTrend', trend);
      } catch (error) {
        return failed(context, 'Showing a rule\'s trend', error);
      }
    }),

    vscode.commands.registerCommand('pitwall.rules.groupByState', () => rules.setGrouping('state')),
    vscode.commands.registerCommand('pitwall.rules.groupByMetric', () => rules.setGrouping('metric')),
    // The title menu's ticked entries for the active grouping (see registerAlertsViewCommands).
    vscode.commands.registerCommand('pitwall.rules.groupByState.active', () => rules.setGrouping('state')),
    vscode.commands.registerCommand('pitwall.rules.groupByMetric.active', () => rules.setGrouping('metric')),

    vscode.commands.registerCommand('pitwall.silences.expire', async (node?: unknown) => {
      const source = writableSource(context);
      if (!source) return false;
      try {
        const now = Date.now() / 1000;
        const silences = (await source.store.readSilences()).filter((s) => s.starts_at <= now && s.ends_at > now);
        let id = typeof node === 'string' ? node : typeof node === 'object' && node !== null && (node as RulesNode).kind === 'silence' ? (node as Extract<RulesNode, { kind: 'silence' }>).silence.id : undefined;
        if (id === undefined) {
          const picked = await vscode.window.showQuickPick(
            silences.map((s) => ({ label: silenceMatchersText(s), description: `until ${formatAlertTime(s.ends_at)}`, detail: s.comment || undefined, id: s.id })),
            { title: 'Pitwall: expire which silence?' },
          );
          id = picked?.id;
        }
        if (id === undefined) return false;
        const expired = await source.store.expireSilence(id, now);
        await reread(context);
        return expired;
      } catch (error) {
        await failed(context, 'Expiring a silence', error);
        return false;
      }
    }),
  ];
}
