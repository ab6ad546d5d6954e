import * as vscode from 'vscode';
import { readRulesActivity, type RuleActivity, type RulesActivity } from '../core/alerting/ruleActivity';
import { measureOf } from '../core/alerting/ruleOptions';
import { describeError } from '../core/errors';
import type { Silence } from '../core/model/silence';
import { formatAlertTime } from './alertsTreeDataProvider';
import type { SourceManager } from './sourceManager';

export type RulesGrouping = 'state' | 'metric';
export type RuleState = 'firing' | 'ok' | 'disabled';

export type RulesNode =
  | { readonly kind: 'group'; readonly grouping: RulesGrouping; readonly key: string; readonly rules: readonly RuleActivity[] }
  | { readonly kind: 'rule'; readonly activity: RuleActivity; readonly now: number }
  | { readonly kind: 'silences'; readonly active: readonly Silence[] }
  | { readonly kind: 'silence'; readonly silence: Silence }
  | { readonly kind: 'problem'; readonly message: string };

const GROUPING_KEY = 'pitwall.rules.groupBy';
const STATE_ORDER: readonly RuleState[] = ['firing', 'ok', 'disabled'];
const STATE_LABELS: Readonly<Record<RuleState, string>> = { firing: 'Firing', ok: 'OK', disabled: 'Disabled' };

export function ruleState(activity: RuleActivity): RuleState {
  if (!activity.rule.enabled) return 'disabled';
  return activity.firing.length > 0 ? 'firing' : 'ok';
}

/** "42 min", "3 h 5 min", "2 d 4 h": a cooldown or silence left, for a row. */
export function formatRemaining(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`;
  return `${Math.floor(hours / 24)} d${hours % 24 === 0 ? '' : ` ${hours % 24} h`}`;
}

function windowOf(activity: RuleActivity): string {
  try {
    return measureOf(activity.rule).options.window ?? '1h';
  } catch {
    return '?';
  }
}

export function silenceMatchersText(silence: Silence): string {
  const parts = Object.entries(silence.matchers).map(([key, value]) => `${key}=${String(value)}`);
  return parts.length === 0 ? 'every alert' : parts.join(', ');
}

/**
 * The Rules view: each rule with its condition, severity, window, channels, cooldown and how often
 * it fired in the last 7 days, grouped by state (firing / ok / disabled) or by metric; below them
 * the active silences. The grouping is kept per workspace.
 */
export class RulesTreeDataProvider implements vscode.TreeDataProvider<RulesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** The activity read for one source state; read again when the source changes. */
  private read: { source: unknown; activity: Promise<RulesActivity>; silences: Promise<readonly Silence[]> } | null = null;
  /** Each listed row's parent, for reveal. */
  private readonly parents = new WeakMap<RulesNode, RulesNode>();

  constructor(
    private readonly sources: SourceManager,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = sources.onDidChange(() => this.refresh());
    void this.setContext();
  }

  /** Counts groupings and refreshes: a first-level listing begun before the latest is stale. */
  private generation = 0;

  get grouping(): RulesGrouping {
    return this.state.get<RulesGrouping>(GROUPING_KEY) === 'metric' ? 'metric' : 'state';
  }

  async setGrouping(grouping: RulesGrouping): Promise<void> {
    this.generation++;
    await this.state.update(GROUPING_KEY, grouping);
    await this.setContext();
    this.changed.fire(undefined);
  }

  /** Reads the rules again (after a write of this editor, which the file watcher reports late). */
  refresh(): void {
    this.generation++;
    this.read = null;
    this.changed.fire(undefined);
  }

  private async setContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', GROUPING_KEY, this.grouping);
  }

  private reading(): { activity: Promise<RulesActivity>; silences: Promise<readonly Silence[]> } | null {
    const source = this.sources.source;
    if (!source) return null;
    if (this.read?.source !== source) {
      const now = Date.now() / 1000;
      this.read = { source, activity: readRulesActivity(source.store, { now }), silences: source.store.readSilences() };
      // A read of a source replaced before the view asked for it is never awaited: its failure (the store closed) is no one's.
      this.read.activity.catch(() => undefined);
      this.read.silences.catch(() => undefined);
    }
    return this.read;
  }

  async getChildren(node?: RulesNode): Promise<RulesNode[]> {
    if (node?.kind === 'group' || node?.kind === 'silences') {
      const children: RulesNode[] =
        node.kind === 'group' ? node.rules.map((activity) => ({ kind: 'rule', activity, now: Date.now() / 1000 })) : node.active.map((silence) => ({ kind: 'silence', silence }));
      for (const child of children) this.parents.set(child, node);
      return children;
    }
    if (node) return [];
    const generation = this.generation;
    const reading = this.reading();
    if (!reading) return [];
    let activity: RulesActivity;
    let silences: readonly Silence[];
    try {
      [activity, silences] = await Promise.all([reading.activity, reading.silences]);
      // Regrouped or read again meanwhile: the listing that change asked for follows; two in flight never give the view the same group twice.
      if (generation !== this.generation) return [];
    } catch (error) {
      // A tree never pops up a message: the row says it, the log has the detail.
      this.log.error(`Reading the rules failed: ${describeError(error)}`);
      return [{ kind: 'problem', message: describeError(error) }];
    }
    const groups: RulesNode[] = [];
    if (this.grouping === 'state') {
      for (const state of STATE_ORDER) {
        const rules = activity.rules.filter((row) => ruleState(row) === state);
        if (rules.length > 0) groups.push({ kind: 'group', grouping: 'state', key: state, rules });
      }
    } else {
      const metrics = [...new Set(activity.rules.map((row) => row.rule.metric_name))].sort();
      for (const metric of metrics) groups.push({ kind: 'group', grouping: 'metric', key: metric, rules: activity.rules.filter((row) => row.rule.metric_name === metric) });
    }
    const now = Date.now() / 1000;
    const active = silences.filter((silence) => silence.starts_at <= now && silence.ends_at > now).sort((a, b) => a.ends_at - b.ends_at);
    return [...groups, { kind: 'silences', active }];
  }

  getTreeItem(node: RulesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group':
        return this.groupItem(node);
      case 'rule':
        return this.ruleItem(node.activity, node.now);
      case 'silences': {
        const item = new vscode.TreeItem('Silences', node.active.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.id = 'silences';
        item.description = node.active.length === 0 ? 'none active' : `${node.active.length} active`;
        item.iconPath = new vscode.ThemeIcon('bell-slash');
        item.tooltip = 'Active silences: while one matches an alert, the alert is recorded but not delivered.';
        item.contextValue = 'silences';
        return item;
      }
      case 'silence':
        return this.silenceItem(node.silence);
      case 'problem': {
        const item = new vscode.TreeItem('Could not read the rules', vscode.TreeItemCollapsibleState.None);
        item.id = 'rules:problem';
        item.description = node.message;
        item.tooltip = node.message;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        return item;
      }
    }
  }

  getParent(node: RulesNode): RulesNode | undefined {
    return this.parents.get(node);
  }

  /** The row of this rule as the view lists it now, with its group as parent (to reveal it); undefined when there is none. */
  async ruleNode(ruleId: string): Promise<RulesNode | undefined> {
    for (const group of await this.getChildren()) {
      if (group.kind !== 'group' || !group.rules.some((row) => row.rule.rule_id === ruleId)) continue;
      return (await this.getChildren(group)).find((node) => node.kind === 'rule' && node.activity.rule.rule_id === ruleId);
    }
    return undefined;
  }

  private groupItem(node: Extract<RulesNode, { kind: 'group' }>): vscode.TreeItem {
    const label = node.grouping === 'state' ? STATE_LABELS[node.key as RuleState] : node.key;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `rules:${node.grouping}:${node.key}`;
    item.description = `${node.rules.length}`;
    item.contextValue = `ruleGroup:${node.grouping}`;
    if (node.grouping === 'state') {
      item.iconPath =
        node.key === 'firing'
          ? new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground'))
          : new vscode.ThemeIcon(node.key === 'ok' ? 'pass' : 'circle-slash');
    } else item.iconPath = new vscode.ThemeIcon('symbol-numeric');
    return item;
  }

  private ruleItem(activity: RuleActivity, now: number): vscode.TreeItem {
    const { rule } = activity;
    const state = ruleState(activity);
    const item = new vscode.TreeItem(rule.rule_id, vscode.TreeItemCollapsibleState.None);
    item.id = `rule:${rule.rule_id}`;
    const window = windowOf(activity);
    const parts = [
      `${rule.metric_name} ${rule.comparison} ${rule.threshold}`,
      rule.severity,
      `${window}${rule.for_minutes > 0 ? ` for ${rule.for_minutes}m` : ''}`,
      `${activity.fired}× in 7d`,
    ];
    if (activity.cooldown_remaining > 0) parts.push(`cooldown ${formatRemaining(activity.cooldown_remaining)}`);
    if (state === 'disabled') parts.push('disabled');
    item.description = parts.join(' · ');
    item.iconPath =
      state === 'firing'
        ? new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground'))
        : state === 'disabled'
          ? new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'))
          : new vscode.ThemeIcon('bell');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown('**');
    tooltip.appendText(rule.rule_id);
    tooltip.appendMarkdown('** — ');
    tooltip.appendText(state === 'firing' ? 'firing' : state === 'disabled' ? 'disabled' : 'enabled, not firing');
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(`${rule.metric_type} rule on ${rule.component}: fires ${rule.severity} when ${rule.metric_name} ${rule.comparison} ${rule.threshold} over ${window}`);
    if (rule.for_minutes > 0) tooltip.appendText(`, held for ${rule.for_minutes} min`);
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(`channels ${rule.channels.join(', ') || 'none'} · cooldown ${rule.cooldown_minutes} min`);
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(
      rule.last_triggered === null
        ? 'never fired'
        : `last fired ${formatAlertTime(rule.last_triggered)}${activity.cooldown_remaining > 0 ? ` · cooldown ${formatRemaining(activity.cooldown_remaining)} left` : ' · cooldown over'}`,
    );
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(`${activity.fired} alert(s) in the last 7 days${activity.shared_with.length > 0 ? ` (counted with ${activity.shared_with.join(', ')}: same metric, threshold, severity and component)` : ''}`);
    for (const firing of activity.firing) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(`firing for ${[firing.model_version, firing.segment].filter((p) => p !== null).join(', ') || 'the source'} since ${formatAlertTime(firing.since)} (${formatRemaining(Math.max(60, now - firing.since))})`);
    }
    item.tooltip = tooltip;
    item.contextValue = `rule:${rule.enabled ? 'on' : 'off'}:${state}`;
    return item;
  }

  private silenceItem(silence: Silence): vscode.TreeItem {
    const item = new vscode.TreeItem(silenceMatchersText(silence), vscode.TreeItemCollapsibleState.None);
    item.id = `silence:${silence.id}`;
    const by = silence.created_by === null ? '' : ` · by ${silence.created_by}`;
    item.description = `until ${formatAlertTime(silence.ends_at)}${by}${silence.comment === '' ? '' : ` · ${silence.comment}`}`;
    item.iconPath = new vscode.ThemeIcon('bell-slash');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`Silence ${silence.id}: ${silenceMatchersText(silence)}`);
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(`from ${formatAlertTime(silence.starts_at)} until ${formatAlertTime(silence.ends_at)} · created by ${silence.created_by ?? 'unknown'}`);
    if (silence.comment !== '') {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(silence.comment);
    }
    item.tooltip = tooltip;
    item.contextValue = 'silence:active';
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
