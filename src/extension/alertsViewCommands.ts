/**
 * The Alerts view's own commands: grouping and filtering (remembered per workspace), the badge,
 * and the actions on a row or the selection other than acknowledging (acknowledge.ts): take
 * back, snooze, silence from an alert, copy id, show details, reveal the rule.
 */
import * as vscode from 'vscode';
import { ALERT_GROUPINGS, ALERT_STATES, alertRule, silenceScope, type AlertGrouping, type AlertViewFilter } from '../core/alertGroups';
import { parseDuration } from '../core/analytics/duration';
import { describeError } from '../core/errors';
import { ALERT_SEVERITIES, type AlertSeverity } from '../core/model/alert';
import type { Silence, SilenceMatchers } from '../core/model/silence';
import { acknowledgerName } from '../core/platform/acknowledger';
import { checkSilence } from '../core/store/silenceRecords';
import { alertSegment, newSilence, snoozeSilences } from '../core/alerting/snooze';
import { formatAlertTime, type AlertsNode, type AlertsTreeDataProvider } from './alertsTreeDataProvider';
import { GROUPING_LABELS, RECENT_RANGES } from './alertsViewText';
import type { RulesNode, RulesTreeDataProvider } from './rulesTreeDataProvider';
import type { SourceManager } from './sourceManager';

const GROUPING_KEY = 'pitwall.alerts.grouping';
const FILTER_KEY = 'pitwall.alerts.filter';

/** The grouping and filter this workspace last used; anything else stored there is ignored. */
export function rememberedView(state: vscode.Memento): { grouping: AlertGrouping; filter: AlertViewFilter } {
  const grouping = state.get<string>(GROUPING_KEY);
  const stored = state.get<unknown>(FILTER_KEY);
  const filter: { -readonly [K in keyof AlertViewFilter]: AlertViewFilter[K] } = {};
  if (typeof stored === 'object' && stored !== null) {
    const value = stored as Record<string, unknown>;
    if (typeof value.text === 'string' && value.text !== '') filter.text = value.text;
    if (Array.isArray(value.severities)) filter.severities = value.severities.filter((s): s is AlertSeverity => (ALERT_SEVERITIES as readonly unknown[]).includes(s));
    if ((ALERT_STATES as readonly unknown[]).includes(value.state)) filter.state = value.state as AlertViewFilter['state'];
    if (typeof value.modelVersion === 'string' || value.modelVersion === null) filter.modelVersion = value.modelVersion;
    if (typeof value.from === 'number') filter.from = value.from;
    if (typeof value.to === 'number') filter.to = value.to;
  }
  return { grouping: (ALERT_GROUPINGS as readonly unknown[]).includes(grouping) ? (grouping as AlertGrouping) : 'severity', filter };
}

function acknowledger(): string {
  return acknowledgerName(vscode.workspace.getConfiguration('pitwall.user').get<string>('name'));
}

function sameNode(a: AlertsNode, b: AlertsNode): boolean {
  return a.kind === 'alert' && b.kind === 'alert' ? a.alert.key === b.alert.key : a === b;
}

/**
 * The alert rows a command acts on: the clicked row and the rest of the selection when the row is
 * part of it; the clicked row alone when it is not (an inline button on a row that is not
 * selected); the selection when no row is given (a keybinding or the palette).
 */
export function rowsOf(node: AlertsNode | undefined, selected: readonly AlertsNode[] | undefined): Extract<AlertsNode, { kind: 'alert' }>[] {
  const selection = selected ?? [];
  const nodes = node === undefined ? selection : selection.some((n) => sameNode(n, node)) ? selection : [node];
  return nodes.flatMap((n) => (n.kind === 'alert' ? [n] : []));
}

/** "1h", "90m", "2d" as seconds; undefined when it is not a duration. */
function durationSeconds(text: string): number | undefined {
  try {
    const seconds = parseDuration(text.trim());
    return seconds > 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}

async function askDuration(title: string): Promise<number | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: '1 hour', seconds: 3600 },
      { label: '4 hours', seconds: 4 * 3600 },
      { label: '24 hours', seconds: 86_400 },
      { label: 'Custom…', seconds: 0 },
    ],
    { title, placeHolder: 'For how long?' },
  );
  if (!picked) return undefined;
  if (picked.seconds > 0) return picked.seconds;
  const typed = await vscode.window.showInputBox({
    title,
    prompt: 'How long: a number and a unit (m, h, d), e.g. 30m, 2h, 3d',
    validateInput: (value) => (durationSeconds(value) === undefined ? 'Write a duration such as 30m, 2h or 3d.' : undefined),
  });
  return typed === undefined ? undefined : durationSeconds(typed);
}

export interface AlertsViewDeps {
  readonly sources: SourceManager;
  readonly log: vscode.LogOutputChannel;
  readonly provider: AlertsTreeDataProvider;
  readonly view: vscode.TreeView<AlertsNode>;
  readonly rulesView: vscode.TreeView<RulesNode>;
  readonly rules: RulesTreeDataProvider;
  readonly state: vscode.Memento;
}

async function refuseIfReadOnly(sources: SourceManager): Promise<boolean> {
  const reason = sources.source?.readOnlyReason;
  if (!reason) return false;
  const choice = await vscode.window.showWarningMessage(reason, 'Manage Workspace Trust');
  if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
  return true;
}

/** Saves silences through the store, then refreshes the views; an error is shown with the log a click away. */
async function saveSilences(deps: AlertsViewDeps, silences: readonly Silence[], done: string): Promise<boolean> {
  const source = deps.sources.source;
  if (!source || silences.length === 0) return false;
  try {
    for (const silence of silences) await source.store.saveSilence(checkSilence(silence));
    deps.log.info(`Silences added in ${source.path}: ${silences.map((s) => `${s.id} ${JSON.stringify(s.matchers)} until ${formatAlertTime(s.ends_at)}`).join('; ')}`);
    await deps.sources.refresh(true);
    vscode.window.setStatusBarMessage(`$(bell-slash) ${done}`, 4000);
    return true;
  } catch (error) {
    deps.log.error(`Adding a silence in ${source.path} failed: ${describeError(error)}`);
    const choice = await vscode.window.showErrorMessage(`Could not silence: ${describeError(error)}`, 'Show Log');
    if (choice === 'Show Log') deps.log.show();
    return false;
  }
}

function silenceFor(matchers: SilenceMatchers, seconds: number, comment: string): Silence {
  return newSilence(matchers, { seconds, now: Date.now() / 1000, by: acknowledger(), comment });
}

/** Snooze: a silence per rule, version and segment of the alerts, that ends by itself. */
async function snooze(deps: AlertsViewDeps, rows: readonly Extract<AlertsNode, { kind: 'alert' }>[], seconds?: number): Promise<void> {
  if (rows.length === 0 || (await refuseIfReadOnly(deps.sources))) return;
  const context = await deps.provider.viewContext();
  if (!context) return;
  const request = { seconds: 1, now: Date.now() / 1000, by: acknowledger(), comment: 'Snoozed from the Alerts view' };
  const { silences: planned, unknown } = snoozeSilences(rows.map((row) => row.alert), context, request);
  if (planned.length === 0) {
    void vscode.window.showWarningMessage(
      `Cannot snooze: no single rule of the source has the metric, threshold, severity and component of ${unknown.length === 1 ? 'this alert' : 'these alerts'}. Use "Silence from Alert…" to choose what to mute.`,
    );
    return;
  }
  const duration = seconds ?? (await askDuration(`Snooze ${rows.length} alert${rows.length === 1 ? '' : 's'}`));
  if (duration === undefined) return;
  const silences = planned.map((silence) => silenceFor(silence.matchers, duration, 'Snoozed from the Alerts view'));
  const until = formatAlertTime((silences[0] as Silence).ends_at);
  const saved = await saveSilences(deps, silences, `Snoozed until ${until}.`);
  if (saved && unknown.length > 0) void vscode.window.showWarningMessage(`Snoozed until ${until}; ${unknown.length} alert(s) without a known rule were left as they were.`);
}

interface MatcherItem extends vscode.QuickPickItem {
  readonly matcher: keyof SilenceMatchers;
  readonly value: string;
}

/** Silence from an alert: matchers prefilled from it, a live count of the alerts they match, a duration, a comment. */
async function silenceFromAlert(deps: AlertsViewDeps, row: Extract<AlertsNode, { kind: 'alert' }> | undefined): Promise<void> {
  const source = deps.sources.source;
  if (!row || !source || (await refuseIfReadOnly(deps.sources))) return;
  const context = await deps.provider.viewContext();
  if (!context) return;
  const { alert } = row;
  const rule = alertRule(alert, context);
  const segment = alertSegment(alert);
  const items: MatcherItem[] = [
    ...(rule ? [{ label: `$(law) rule = ${rule.rule_id}`, matcher: 'rule_id' as const, value: rule.rule_id }] : []),
    ...(alert.model_version !== null ? [{ label: `$(versions) model version = ${alert.model_version}`, matcher: 'model_version' as const, value: alert.model_version }] : []),
    ...(segment !== undefined ? [{ label: `$(filter) segment = ${segment}`, matcher: 'segment' as const, value: segment }] : []),
    { label: `$(warning) severity = ${alert.severity}`, matcher: 'severity' as const, value: alert.severity },
  ];
  const matchersOf = (picked: readonly MatcherItem[]): SilenceMatchers => Object.fromEntries(picked.map((item) => [item.matcher, item.value])) as SilenceMatchers;
  const pick = vscode.window.createQuickPick<MatcherItem>();
  pick.title = 'Silence from Alert';
  pick.placeholder = 'Untick what the silence should not match; Enter to choose how long';
  pick.canSelectMany = true;
  pick.items = items;
  pick.selectedItems = items.filter((item) => item.matcher !== 'severity' || rule === undefined);
  pick.ignoreFocusOut = true;
  let asked = 0;
  const preview = async (picked: readonly MatcherItem[]) => {
    const ask = ++asked;
    const matchers = matchersOf(picked);
    if (Object.keys(matchers).length === 0) {
      pick.title = 'Silence from Alert: pick at least one matcher (a silence that mutes everything is too easy to forget)';
      return;
    }
    const scope = silenceScope({ id: 'preview', matchers, starts_at: 0, ends_at: 1, comment: '', created_by: null, created_at: 0 }, context.rules);
    const filter = { scopes: [{ match: 'any' as const, scopes: scope === undefined ? [] : [scope] }] };
    const [all, open] = await Promise.all([source.store.countAlerts(filter), source.store.countAlerts({ ...filter, acknowledged: false })]);
    if (ask === asked) pick.title = `Silence from Alert: ${all === 1 ? '1 alert matches' : `${all} alerts match`} (${open} open)`;
  };
  const matchers = await new Promise<SilenceMatchers | undefined>((resolve) => {
    pick.onDidChangeSelection((picked) => void preview(picked).catch(() => undefined));
    pick.onDidAccept(() => {
      const chosen = matchersOf(pick.selectedItems);
      if (Object.keys(chosen).length === 0) return;
      resolve(chosen);
      pick.hide();
    });
    pick.onDidHide(() => resolve(undefined));
    void preview(pick.selectedItems).catch(() => undefined);
    pick.show();
  });
  pick.dispose();
  if (!matchers) return;
  const seconds = await askDuration('Silence from Alert: for how long?');
  if (seconds === undefined) return;
  const comment = await vscode.window.showInputBox({ title: 'Silence from Alert', prompt: 'Why (optional): kept with the silence', placeHolder: 'e.g. deploying v1.2' });
  if (comment === undefined) return;
  await saveSilences(deps, [silenceFor(matchers, seconds, comment.trim())], 'Silence added.');
}

/** Take back: the alerts read as never acknowledged again. */
async function unacknowledge(deps: AlertsViewDeps, rows: readonly Extract<AlertsNode, { kind: 'alert' }>[]): Promise<void> {
  const source = deps.sources.source;
  const keys = rows.filter((row) => row.alert.acknowledged).map((row) => row.alert.key);
  if (!source || keys.length === 0 || (await refuseIfReadOnly(deps.sources))) return;
  try {
    const result = await source.store.unacknowledgeAlerts(keys);
    deps.log.info(`Took back the acknowledgment of ${result.unacknowledged.length} alert(s) in ${source.path}: ${result.unacknowledged.join(', ')}`);
    await deps.sources.refresh(true);
    vscode.window.setStatusBarMessage(`$(bell) Took back ${result.unacknowledged.length} acknowledgment${result.unacknowledged.length === 1 ? '' : 's'}.`, 4000);
  } catch (error) {
    deps.log.error(`Taking back acknowledgments in ${source.path} failed: ${describeError(error)}`);
    void vscode.window.showErrorMessage(`Could not take back the acknowledgment: ${describeError(error)}`);
  }
}

/** The Alert Details panel of the row's alert. */
async function showDetails(row: Extract<AlertsNode, { kind: 'alert' }> | undefined): Promise<void> {
  if (row) await vscode.commands.executeCommand('pitwall.showAlertDetails', row.alert);
}

async function revealRule(deps: AlertsViewDeps, row: Extract<AlertsNode, { kind: 'alert' }> | undefined): Promise<void> {
  if (!row) return;
  const context = await deps.provider.viewContext();
  const rule = context ? alertRule(row.alert, context) : undefined;
  if (!rule) {
    void vscode.window.showInformationMessage('No single rule of the source has this alert’s metric, threshold, severity and component.');
    return;
  }
  const node = await deps.rules.ruleNode(rule.rule_id);
  if (node === undefined) {
    void vscode.window.showInformationMessage(`The rule ${rule.rule_id} is not listed in the Rules view.`);
    return;
  }
  await deps.rulesView.reveal(node, { select: true, focus: true });
}

interface FilterItem extends vscode.QuickPickItem {
  readonly field?: 'severity' | 'state' | 'modelVersion' | 'range';
  readonly value?: string | number | null;
}

/** The filter's "custom range…" item. */
const CUSTOM_RANGE = -1;

/** One end of a range: an ISO date or date and time, read as UTC when it names no zone. */
function parseRangeEnd(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/.test(trimmed)) return undefined;
  const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(trimmed) || trimmed.length === 10 ? trimmed : `${trimmed.replace(' ', 'T')}Z`;
  const at = Date.parse(zoned);
  return Number.isFinite(at) ? at / 1000 : undefined;
}

/** `FROM..TO` (either end may be empty, not both; FROM before TO) as a time range; undefined when it is not one. */
export function parseTimeRange(text: string): { from?: number; to?: number } | undefined {
  const parts = text.split('..');
  if (parts.length !== 2) return undefined;
  const [fromText = '', toText = ''] = parts;
  if (fromText.trim() === '' && toText.trim() === '') return undefined;
  const from = fromText.trim() === '' ? undefined : parseRangeEnd(fromText);
  const to = toText.trim() === '' ? undefined : parseRangeEnd(toText);
  if ((fromText.trim() !== '' && from === undefined) || (toText.trim() !== '' && to === undefined)) return undefined;
  if (from !== undefined && to !== undefined && !(from < to)) return undefined;
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** The filter: one quick pick, typed text for title, message or id, and picks for severity, state, version and time. */
async function askFilter(deps: AlertsViewDeps): Promise<AlertViewFilter | undefined> {
  const source = deps.sources.source;
  if (!source) return undefined;
  const current = deps.provider.currentFilter;
  const versions = await source.store.readModelVersions();
  const separator = (label: string): FilterItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const items: FilterItem[] = [
    separator('Severity'),
    ...ALERT_SEVERITIES.slice().reverse().map((severity) => ({ label: severity, field: 'severity' as const, value: severity, alwaysShow: true })),
    separator('State (one)'),
    ...ALERT_STATES.map((state) => ({ label: state, field: 'state' as const, value: state, alwaysShow: true })),
    separator('Model version (one)'),
    ...[...versions, null].map((version) => ({ label: version ?? '(none)', field: 'modelVersion' as const, value: version, alwaysShow: true })),
    separator('Time (one)'),
    ...RECENT_RANGES.map((range) => ({ label: range.label, field: 'range' as const, value: range.seconds, alwaysShow: true })),
    { label: 'custom range…', field: 'range' as const, value: CUSTOM_RANGE, alwaysShow: true },
  ];
  const pick = vscode.window.createQuickPick<FilterItem>();
  pick.title = 'Filter Alerts';
  pick.placeholder = 'Type to find text in title, message or id; pick severities, a state, a version, a time range; Enter applies';
  pick.canSelectMany = true;
  pick.items = items;
  pick.value = current.text ?? '';
  pick.selectedItems = items.filter(
    (item) =>
      (item.field === 'severity' && current.severities?.includes(item.value as AlertSeverity)) ||
      (item.field === 'state' && current.state === item.value) ||
      (item.field === 'modelVersion' && current.modelVersion !== undefined && current.modelVersion === item.value),
  );
  // State, version and time take one value each: picking one unpicks the other.
  let previous = new Set(pick.selectedItems);
  pick.onDidChangeSelection((selected) => {
    const added = selected.filter((item) => !previous.has(item));
    const single = added.filter((item) => item.field !== 'severity').map((item) => item.field);
    if (single.length > 0) {
      const kept = selected.filter((item) => !single.includes(item.field) || added.includes(item));
      if (kept.length !== selected.length) {
        previous = new Set(kept);
        pick.selectedItems = kept;
        return;
      }
    }
    previous = new Set(selected);
  });
  const accepted = await new Promise<boolean>((resolve) => {
    pick.onDidAccept(() => {
      resolve(true);
      pick.hide();
    });
    pick.onDidHide(() => resolve(false));
    pick.show();
  });
  const picked = pick.selectedItems;
  const text = pick.value.trim();
  pick.dispose();
  if (!accepted) return undefined;
  const severities = picked.filter((item) => item.field === 'severity').map((item) => item.value as AlertSeverity);
  const state = picked.find((item) => item.field === 'state')?.value as AlertViewFilter['state'];
  const version = picked.find((item) => item.field === 'modelVersion');
  let range = picked.find((item) => item.field === 'range')?.value as number | undefined;
  let custom: { from?: number; to?: number } | undefined;
  if (range === CUSTOM_RANGE) {
    range = undefined;
    const typed = await vscode.window.showInputBox({
      title: 'Filter Alerts: time range',
      prompt: 'FROM..TO in UTC, either end may be left out: 2026-10-01..2026-10-15, 2026-10-12T06:00.., ..2026-10-08',
      validateInput: (value) => (parseTimeRange(value) === undefined ? 'Write FROM..TO with ISO dates, e.g. 2026-10-01..2026-10-15' : undefined),
    });
    custom = typed === undefined ? undefined : parseTimeRange(typed);
    if (custom === undefined) return undefined;
  }
  if (custom !== undefined) {
    return {
      ...(text !== '' ? { text } : {}),
      ...(severities.length > 0 && severities.length < ALERT_SEVERITIES.length ? { severities } : {}),
      ...(state !== undefined ? { state } : {}),
      ...(version !== undefined ? { modelVersion: version.value as string | null } : {}),
      ...custom,
    };
  }
  return {
    ...(text !== '' ? { text } : {}),
    ...(severities.length > 0 && severities.length < ALERT_SEVERITIES.length ? { severities } : {}),
    ...(state !== undefined ? { state } : {}),
    ...(version !== undefined ? { modelVersion: version.value as string | null } : {}),
    ...(range !== undefined ? { from: Math.floor(Date.now() / 1000 - range) } : current.from !== undefined || current.to !== undefined ? { ...(current.from !== undefined ? { from: current.from } : {}), ...(current.to !== undefined ? { to: current.to } : {}) } : {}),
  };
}

export function registerAlertsViewCommands(deps: AlertsViewDeps): vscode.Disposable[] {
  const { provider, view, state } = deps;
  const showState = () => {
    view.message = deps.sources.source?.readOnlyReason ? `Read-only: ${deps.sources.source.readOnlyReason}` : provider.filterMessage;
    void vscode.commands.executeCommand('setContext', 'pitwall.alerts.grouping', provider.currentGrouping);
    void vscode.commands.executeCommand('setContext', 'pitwall.alerts.filtered', provider.filterMessage !== undefined);
  };
  const setFilter = async (filter: AlertViewFilter) => {
    provider.setFilter(filter);
    await state.update(FILTER_KEY, Object.keys(filter).length === 0 ? undefined : filter);
    showState();
  };
  const groupBy = async (grouping: AlertGrouping) => {
    provider.setGrouping(grouping);
    await state.update(GROUPING_KEY, grouping);
    showState();
  };
  const rowsFrom = (node?: AlertsNode, selected?: AlertsNode[]) => rowsOf(node ?? view.selection[0], selected ?? [...view.selection]);
  showState();
  return [
    deps.sources.onDidChange(showState),
    provider.onDidChangeUrgent((count) => {
      view.badge = count > 0 ? { value: count, tooltip: `${count} open critical and warning alert${count === 1 ? '' : 's'}` } : undefined;
    }),
    // One command per grouping, for the title menu's "Group By". VS Code draws no check for an
    // extension's command (package.json has no `toggled`), so the active grouping's entry is a twin
    // command titled with a tick, shown in its place while it is the grouping.
    vscode.commands.registerCommand('pitwall.alerts.groupBySeverity', () => groupBy('severity')),
    vscode.commands.registerCommand('pitwall.alerts.groupByModelVersion', () => groupBy('modelVersion')),
    vscode.commands.registerCommand('pitwall.alerts.groupByRule', () => groupBy('rule')),
    vscode.commands.registerCommand('pitwall.alerts.groupByComponent', () => groupBy('component')),
    vscode.commands.registerCommand('pitwall.alerts.groupByState', () => groupBy('state')),
    vscode.commands.registerCommand('pitwall.alerts.groupBySeverity.active', () => groupBy('severity')),
    vscode.commands.registerCommand('pitwall.alerts.groupByModelVersion.active', () => groupBy('modelVersion')),
    vscode.commands.registerCommand('pitwall.alerts.groupByRule.active', () => groupBy('rule')),
    vscode.commands.registerCommand('pitwall.alerts.groupByComponent.active', () => groupBy('component')),
    vscode.commands.registerCommand('pitwall.alerts.groupByState.active', () => groupBy('state')),
    vscode.commands.registerCommand('pitwall.alerts.groupBy', async (grouping?: AlertGrouping) => {
      const chosen =
        grouping ??
        (
          await vscode.window.showQuickPick(
            ALERT_GROUPINGS.map((g) => ({ label: GROUPING_LABELS[g], description: g === provider.currentGrouping ? 'current' : undefined, grouping: g })),
            { title: 'Group Alerts By' },
          )
        )?.grouping;
      if (chosen) await groupBy(chosen);
    }),
    vscode.commands.registerCommand('pitwall.alerts.filter', async (filter?: AlertViewFilter) => {
      const chosen = filter ?? (await askFilter(deps));
      if (chosen) await setFilter(chosen);
    }),
    vscode.commands.registerCommand('pitwall.alerts.clearFilter', () => setFilter({})),
    vscode.commands.registerCommand('pitwall.alerts.loadMore', (group: AlertsNode | string | null) => provider.loadMore(group)),
    vscode.commands.registerCommand('pitwall.alerts.unacknowledge', (node?: AlertsNode, selected?: AlertsNode[]) => unacknowledge(deps, rowsFrom(node, selected))),
    vscode.commands.registerCommand('pitwall.alerts.snooze', (node?: AlertsNode, selected?: AlertsNode[], seconds?: number) =>
      snooze(deps, rowsFrom(node, selected).filter((row) => !row.alert.acknowledged), typeof seconds === 'number' ? seconds : undefined),
    ),
    vscode.commands.registerCommand('pitwall.alerts.silence', (node?: AlertsNode) => silenceFromAlert(deps, rowsFrom(node, node ? [node] : undefined)[0])),
    vscode.commands.registerCommand('pitwall.alerts.copyId', async (node?: AlertsNode, selected?: AlertsNode[]) => {
      const ids = rowsFrom(node, selected).map((row) => row.alert.alert_id);
      if (ids.length > 0) await vscode.env.clipboard.writeText(ids.join('\n'));
    }),
    vscode.commands.registerCommand('pitwall.alerts.showDetails', (node?: AlertsNode) => showDetails(rowsFrom(node, node ? [node] : undefined)[0])),
    vscode.commands.registerCommand('pitwall.alerts.revealRule', (node?: AlertsNode) => revealRule(deps, rowsFrom(node, node ? [node] : undefined)[0])),
  ];
}
