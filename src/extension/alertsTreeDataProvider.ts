import * as vscode from 'vscode';
import {
  alertRule,
  alertState,
  countUrgentAlerts,
  readAlertViewContext,
  readAlertViewGroups,
  readAlertViewPage,
  type AlertGrouping,
  type AlertState,
  type AlertViewContext,
  type AlertViewFilter,
  type AlertViewGroup,
} from '../core/alertGroups';
import { readRecordedWhy } from '../core/alerting/alertContext';
import { driftMetricParts } from '../core/alerting/ruleOptions';
import { whyLines } from '../core/alerting/whyText';
import type { AlertSeverity } from '../core/model/alert';
import type { AlertWhy } from '../core/model/alertWhy';
import type { AlertRule } from '../core/model/alertRule';
import { deliveryFailed, type DeliveryRecord } from '../core/model/delivery';
import { ALERT_PAGE } from '../core/sourceLoad';
import type { Store, StoreReader, StoredAlert } from '../core/store/store';
import { describeAlertFilter, groupLabel } from './alertsViewText';
import type { SourceManager } from './sourceManager';

const SEVERITY_ICON: Record<AlertSeverity, vscode.ThemeIcon> = {
  critical: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  info: new vscode.ThemeIcon('info', new vscode.ThemeColor('charts.blue')),
};

const STATE_ICON: Record<AlertState, vscode.ThemeIcon> = {
  open: new vscode.ThemeIcon('bell', new vscode.ThemeColor('list.warningForeground')),
  silenced: new vscode.ThemeIcon('bell-slash', new vscode.ThemeColor('disabledForeground')),
  acknowledged: new vscode.ThemeIcon('pass', new vscode.ThemeColor('disabledForeground')),
};

const GROUPING_ICON: Record<Exclude<AlertGrouping, 'severity' | 'state'>, string> = { modelVersion: 'versions', rule: 'law', component: 'symbol-class' };

/** A group of the view. Kept (the same object) from one listing to the next, so a change event can name it. */
export interface AlertsGroupNode {
  readonly kind: 'group';
  group: AlertViewGroup;
  expanded: boolean;
}

export type AlertsNode =
  | AlertsGroupNode
  | {
      readonly kind: 'alert';
      readonly alert: StoredAlert;
      readonly state: AlertState;
      readonly rule: AlertRule | undefined;
      readonly deliveries: readonly DeliveryRecord[];
      readonly parent: AlertsGroupNode;
      /** Why it fired, when the context was recorded as it fired (a tooltip computes nothing). */
      readonly why?: AlertWhy;
    }
  | { readonly kind: 'more'; readonly hidden: number; readonly parent: AlertsGroupNode };

function titleCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The scheme of an alert row's resource URI, by which the view's decoration dims or badges it. */
const ALERT_SCHEME = 'pitwall-alert';

/** Delivery-log records read to decorate the alerts, newest last. */
const DELIVERY_RECORDS_READ = 5000;

/** Change events after a write or an append, gathered over this long into one update. */
const REFRESH_DEBOUNCE_MS = 150;

/**
 * The latest delivery of each alert's firing notice per channel, by alert key. The log is a side
 * record: when it cannot be read the alerts are listed without it (the reason is in the log command).
 */
async function deliveriesByAlert(store: StoreReader): Promise<Map<string, DeliveryRecord[]>> {
  const latest = new Map<string, DeliveryRecord>();
  try {
    for (const record of (await store.readDeliveries({ limit: DELIVERY_RECORDS_READ })).records) if (record.kind === 'firing') latest.set(`${record.alert}\u0000${record.channel}`, record);
  } catch {
    return new Map();
  }
  const byAlert = new Map<string, DeliveryRecord[]>();
  for (const record of latest.values()) byAlert.set(record.alert, [...(byAlert.get(record.alert) ?? []), record]);
  return byAlert;
}

export function formatAlertTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** "just now", "5m ago", "2h ago", "3d ago": how long before `now`. */
export function timeAgo(seconds: number, now: number): string {
  const elapsed = now - seconds;
  if (elapsed < 60) return elapsed < -60 ? formatAlertTime(seconds) : 'just now';
  if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m ago`;
  if (elapsed < 86_400) return `${Math.floor(elapsed / 3600)}h ago`;
  return `${Math.floor(elapsed / 86_400)}d ago`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** `value op threshold`: the comparison of the alert's rule when it is known. */
export function alertCondition(alert: StoredAlert, rule: AlertRule | undefined): string {
  if (alert.metric_value === null || alert.threshold === null) return alert.metric_name ?? '';
  return `${formatNumber(alert.metric_value)} ${rule?.comparison ?? 'vs'} ${formatNumber(alert.threshold)}`;
}

function groupId(group: AlertViewGroup): string {
  return `group:${group.grouping}:${group.key === null ? '(none)' : group.key}`;
}

/**
 * The Alerts view: alerts grouped (by severity, model version, rule, component or state) and
 * filtered by the store, a page at a time, open alerts first; counts in each group's description.
 */
export class AlertsTreeDataProvider implements vscode.TreeDataProvider<AlertsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AlertsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly changedBadge = new vscode.EventEmitter<number>();
  /** Open critical and warning alerts (silenced ones left out), after each listing of the groups. */
  readonly onDidChangeUrgent = this.changedBadge.event;
  private readonly subscription: vscode.Disposable;
  private deliveries: Promise<Map<string, DeliveryRecord[]>> | undefined;
  private context: Promise<AlertViewContext> | undefined;
  /** The group nodes of the last listing, by id. */
  private groups = new Map<string, AlertsGroupNode>();
  /**
   * Counts the view's resets (grouping, filter, source): a first-level listing begun before the
   * latest one is stale and lists nothing, so that two listings in flight after a quick change of
   * grouping never hand the view the same group twice.
   */
  private generation = 0;
  /** Alerts listed per group id: a page at first, a page more each time the user asks. */
  private readonly shown = new Map<string, number>();
  private shownFor: string | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  /** The silenced scopes the rows on screen were listed with. */
  private silencedSeen = '';

  constructor(
    private readonly sources: SourceManager,
    private grouping: AlertGrouping = 'severity',
    private filter: AlertViewFilter = {},
  ) {
    this.subscription = vscode.Disposable.from(
      sources.onDidChange((source) => {
        if (source?.path !== this.shownFor) {
          // A newly opened source starts again: one page per group, the most severe group open.
          this.shownFor = source?.path;
          this.reset();
        } else {
          this.scheduleRefresh();
        }
      }),
      vscode.window.registerFileDecorationProvider({
        provideFileDecoration: (uri) => {
          if (uri.scheme !== ALERT_SCHEME) return undefined;
          const query = new URLSearchParams(uri.query);
          const undelivered = query.get('undelivered');
          if (undelivered) return { badge: '!', tooltip: `Not delivered: ${undelivered.split(',').join(', ')}`, color: new vscode.ThemeColor('list.warningForeground') };
          // Acknowledged and silenced rows dimmed: what still needs someone stands out.
          if (query.get('state') !== 'open') return { color: new vscode.ThemeColor('disabledForeground') };
          return undefined;
        },
      }),
    );
  }

  get currentGrouping(): AlertGrouping {
    return this.grouping;
  }

  get currentFilter(): AlertViewFilter {
    return this.filter;
  }

  /** The view's message for the filter: `Filtered: "…"`; undefined when nothing is filtered. */
  get filterMessage(): string | undefined {
    return describeAlertFilter(this.filter);
  }

  setGrouping(grouping: AlertGrouping): void {
    this.grouping = grouping;
    this.reset();
  }

  setFilter(filter: AlertViewFilter): void {
    this.filter = filter;
    this.reset();
  }

  /** The rules and silences the rows' states are worked out from, as the last listing read them. */
  async viewContext(): Promise<AlertViewContext | undefined> {
    const source = this.sources.source;
    if (!source) return undefined;
    return (this.context ??= readAlertViewContext(source.store, Date.now() / 1000));
  }

  private reset(): void {
    this.generation++;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.shown.clear();
    this.groups = new Map();
    this.context = undefined;
    this.deliveries = undefined;
    this.changed.fire(undefined);
  }

  /**
   * Lists every group again (the Refresh command): what changes no count, such as why an alert
   * fired recorded beside it or a delivery, shows too. Node ids stay, so expansion and pages stay.
   */
  refreshAll(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.context = undefined;
    this.deliveries = undefined;
    this.changed.fire(undefined);
  }

  /** After a write or an append: one update for a burst of them. */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshChanged().catch(() => this.changed.fire(undefined));
    }, REFRESH_DEBOUNCE_MS);
  }

  /**
   * Re-counts the groups and tells the view about the groups whose counts changed, the same node
   * objects with the same ids: their rows are listed again, the rest of the tree (its expansion,
   * its selection) stays. A group that appeared or went away changes the first level: all of it.
   */
  private async refreshChanged(): Promise<void> {
    const source = this.sources.source;
    if (!source) return;
    this.context = undefined;
    this.deliveries = undefined;
    const context = await this.viewContext();
    if (!context) return;
    const groups = await readAlertViewGroups(source.store, this.grouping, this.filter, context);
    this.reportUrgent(source.store, context);
    const ids = groups.map(groupId);
    if (ids.length !== this.groups.size || ids.some((id, index) => [...this.groups.keys()][index] !== id)) {
      this.groups = new Map();
      this.changed.fire(undefined);
      return;
    }
    // A silence added or ended changes rows' states without changing a count: then every group.
    const silenced = JSON.stringify(context.silenced);
    const silencesChanged = silenced !== this.silencedSeen;
    this.silencedSeen = silenced;
    for (const group of groups) {
      const node = this.groups.get(groupId(group));
      if (node === undefined || (!silencesChanged && node.group.total === group.total && node.group.open === group.open)) continue;
      node.group = group;
      this.changed.fire(node);
    }
  }

  private reportUrgent(store: StoreReader, context: AlertViewContext): void {
    void countUrgentAlerts(store, context).then(
      (count) => this.changedBadge.fire(count),
      () => undefined,
    );
  }

  /** Ends the silenced state on screen when the first active silence ends. */
  private scheduleSilenceEnd(context: AlertViewContext, silences: readonly { ends_at: number; starts_at: number }[]): void {
    clearTimeout(this.silenceTimer);
    const ends = silences.filter((s) => context.now >= s.starts_at && context.now < s.ends_at).map((s) => s.ends_at);
    if (ends.length === 0) return;
    const delay = Math.min(2 ** 31 - 1, (Math.min(...ends) - context.now) * 1000 + 500);
    this.silenceTimer = setTimeout(() => this.scheduleRefresh(), delay);
  }

  async getChildren(node?: AlertsNode): Promise<AlertsNode[]> {
    const source = this.sources.source;
    if (!source) return [];
    try {
      return await this.listChildren(source.store, node);
    } catch (error) {
      // The source was closed or replaced while it was read (a database's session ends with it): the view lists the new one.
      if (this.sources.source?.store !== source.store) return [];
      throw error;
    }
  }

  private async listChildren(store: Store, node?: AlertsNode): Promise<AlertsNode[]> {
    if (!node) {
      const generation = this.generation;
      this.context = undefined;
      this.deliveries = undefined;
      const context = await this.viewContext();
      if (!context) return [];
      const groups = await readAlertViewGroups(store, this.grouping, this.filter, context);
      // The grouping or filter changed meanwhile: the listing asked for by that change follows.
      if (generation !== this.generation) return [];
      this.reportUrgent(store, context);
      this.silencedSeen = JSON.stringify(context.silenced);
      void store.readSilences().then((silences) => this.scheduleSilenceEnd(context, silences), () => undefined);
      const previous = this.groups;
      this.groups = new Map();
      // A listing the view did not ask for (an API caller's) may find counts the view does not show yet: it is told.
      const stale: AlertsGroupNode[] = [];
      const nodes = groups.map((group, index) => {
        const id = groupId(group);
        const known = previous.get(id);
        if (known !== undefined && (known.group.total !== group.total || known.group.open !== group.open)) stale.push(known);
        const node: AlertsGroupNode = known ?? { kind: 'group', group, expanded: index === 0 };
        node.group = group;
        this.groups.set(id, node);
        return node;
      });
      const regrouped = previous.size > 0 && (previous.size !== this.groups.size || [...previous.keys()].some((id, index) => [...this.groups.keys()][index] !== id));
      if (regrouped) {
        // The view lists the first level again, with nothing known to compare with: no loop.
        this.groups = new Map();
        queueMicrotask(() => this.changed.fire(undefined));
      } else if (stale.length > 0) {
        queueMicrotask(() => stale.forEach((node) => this.changed.fire(node)));
      }
      return nodes;
    }
    if (node.kind !== 'group') return [];
    const context = await this.viewContext();
    if (!context) return [];
    // Read from the store a page at a time, open alerts first: a group of 100,000 is never read whole.
    const shown = this.shown.get(groupId(node.group)) ?? ALERT_PAGE;
    const page = await readAlertViewPage(store, node.group, this.filter, context, 0, shown);
    const deliveries = await (this.deliveries ??= deliveriesByAlert(store));
    // Only the contexts recorded when the alerts fired, read for this page at once.
    const why = await readRecordedWhy(store, page.map((alert) => alert.key)).catch(() => new Map<string, AlertWhy>());
    const children: AlertsNode[] = page.map((alert) => {
      const recorded = why.get(alert.key);
      return {
        kind: 'alert',
        alert,
        state: alertState(alert, context),
        rule: alertRule(alert, context),
        deliveries: deliveries.get(alert.key) ?? [],
        parent: node,
        ...(recorded === undefined ? {} : { why: recorded }),
      };
    });
    const hidden = node.group.total - children.length;
    if (hidden > 0) children.push({ kind: 'more', hidden, parent: node });
    return children;
  }

  /** Lists a page more of a group's alerts: the group node, or its key under the current grouping (null: "(none)"). */
  loadMore(group: AlertsNode | string | null): void {
    const node =
      typeof group === 'object' && group !== null
        ? group.kind === 'group'
          ? group
          : group.parent
        : [...this.groups.values()].find((candidate) => candidate.group.key === group);
    if (node === undefined) return;
    const id = groupId(node.group);
    this.shown.set(id, (this.shown.get(id) ?? ALERT_PAGE) + ALERT_PAGE);
    this.changed.fire(node);
  }

  /** Lets the view reveal an alert or group. */
  getParent(node: AlertsNode): AlertsNode | undefined {
    return node.kind === 'group' ? undefined : node.parent;
  }

  getTreeItem(node: AlertsNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const { group } = node;
      const label = groupLabel(group.grouping, group.key);
      const item = new vscode.TreeItem(label, node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      // The view keeps an item's expansion by id. The first group's id says it is the first, so
      // that a group listed collapsed (while a source was still loading, say) opens when it
      // becomes the first, and the user's own choice holds otherwise.
      item.id = `${groupId(group)}${node.expanded ? ':first' : ''}`;
      item.description = group.grouping === 'state' ? `${group.total}` : `${group.total} · ${group.open} open`;
      item.iconPath =
        group.grouping === 'severity'
          ? SEVERITY_ICON[group.key as AlertSeverity]
          : group.grouping === 'state'
            ? STATE_ICON[group.key as AlertState]
            : new vscode.ThemeIcon(group.key === null ? 'circle-slash' : GROUPING_ICON[group.grouping]);
      item.contextValue = `group:${group.grouping}`;
      item.accessibilityInformation = { label: `${label}: ${group.total} alerts, ${group.open} open` };
      return item;
    }
    if (node.kind === 'more') {
      const next = Math.min(ALERT_PAGE, node.hidden);
      const item = new vscode.TreeItem(`Load more (${node.hidden.toLocaleString('en-US')} left)`, vscode.TreeItemCollapsibleState.None);
      item.id = `more:${groupId(node.parent.group)}`;
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.tooltip = `Lists the next ${next} alerts of ${groupLabel(node.parent.group.grouping, node.parent.group.key)}. \`pitwall alerts <source>\` lists them all.`;
      item.command = { command: 'pitwall.alerts.loadMore', title: 'Load More Alerts', arguments: [node] };
      item.contextValue = 'more';
      return item;
    }
    const { alert, state, rule } = node;
    const now = Date.now() / 1000;
    // The message ("accuracy is 0.6274 (< 0.7000)") says more in a narrow sidebar than the generic title.
    const item = new vscode.TreeItem(alert.message ?? alert.title ?? alert.alert_id, vscode.TreeItemCollapsibleState.None);
    item.id = `alert:${alert.key}`;
    // A click previews the alert's details beside the view; the keyboard stays in the view.
    item.command = { command: 'pitwall.showAlertDetails', title: 'Show Alert Details', arguments: [node, { preview: true }] };
    const undelivered = node.deliveries.filter((record) => deliveryFailed(record));
    item.description = [
      alertCondition(alert, rule),
      alert.model_version,
      timeAgo(alert.timestamp, now),
      state === 'acknowledged' ? `✓ ${alert.acknowledged_by ?? 'someone'}${alert.acknowledged_at !== null ? ` ${timeAgo(alert.acknowledged_at, now)}` : ''}` : '',
      state === 'silenced' ? 'silenced' : '',
      undelivered.length > 0 ? `not delivered: ${undelivered.map((r) => r.channel).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = state === 'open' ? SEVERITY_ICON[alert.severity] : STATE_ICON[state];
    item.tooltip = alertTooltip(node.alert, state, rule, node.deliveries, node.why);
    item.resourceUri = vscode.Uri.from({
      scheme: ALERT_SCHEME,
      path: `/${encodeURIComponent(alert.key)}`,
      query: new URLSearchParams({ state, ...(undelivered.length > 0 ? { undelivered: undelivered.map((r) => r.channel).join(',') } : {}) }).toString(),
    });
    // A drift alert (its component, or a metric naming a feature's drift) also offers the Drift panel.
    const drift = alert.component === 'drift' || (alert.metric_name !== null && driftMetricParts(alert.metric_name) !== null);
    item.contextValue = `alert:${state}:${alert.severity}${drift ? ':drift' : ''}`;
    item.accessibilityInformation = { label: `${alert.severity} alert, ${state}: ${String(item.label)}, ${String(item.description)}` };
    return item;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    clearTimeout(this.silenceTimer);
    this.subscription.dispose();
    this.changed.dispose();
    this.changedBadge.dispose();
  }
}

/** The row's tooltip: every text from the data escaped (appendText), so a message cannot inject markdown, links or icons. */
function alertTooltip(alert: StoredAlert, state: AlertState, rule: AlertRule | undefined, deliveries: readonly DeliveryRecord[], why: AlertWhy | undefined): vscode.MarkdownString {
  // Theme icons on before any text is appended: appendText then escapes `$(…)` in the data.
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${titleCase(alert.severity)}** · `);
  tooltip.appendText(
    state === 'acknowledged'
      ? `acknowledged by ${alert.acknowledged_by ?? 'someone'}${alert.acknowledged_at !== null ? ` at ${formatAlertTime(alert.acknowledged_at)}` : ''}`
      : state === 'silenced'
        ? 'open, silenced'
        : 'open',
  );
  tooltip.appendMarkdown('\n\n');
  tooltip.appendText(alert.title ?? '');
  tooltip.appendMarkdown('\n\n');
  tooltip.appendText(alert.message ?? '');
  tooltip.appendMarkdown('\n\n$(law) ');
  tooltip.appendText(rule === undefined ? 'Rule: not known (no single rule of the source has its metric, threshold, severity and component)' : `Rule ${rule.rule_id}: ${rule.metric_name} ${rule.comparison} ${rule.threshold}`);
  tooltip.appendMarkdown('\n\n');
  if (deliveries.length === 0) tooltip.appendText('Delivery: none recorded');
  for (const record of deliveries) {
    tooltip.appendMarkdown(deliveryFailed(record) ? '$(error) ' : '$(check) ');
    tooltip.appendText(`${record.channel} ${record.status}${record.error ? `: ${record.error}` : ''}`);
    tooltip.appendMarkdown('\n\n');
  }
  if (why !== undefined) {
    tooltip.appendMarkdown('\n\n**Why it fired**');
    for (const line of whyLines(why, 3)) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(line);
    }
  }
  tooltip.appendMarkdown('\n\n');
  tooltip.appendText(`${alert.alert_id} · ${formatAlertTime(alert.timestamp)}`);
  return tooltip;
}
