/**
 * The Alerts view's groups and pages, for every grouping (severity, model version, rule,
 * component, state) and under a filter: counted and paged by the store (one GROUP BY, then pages
 * of one group), never by reading every alert.
 *
 * Two things an alert record does not hold are worked out from the rules and silences:
 * - its rule: the one rule with the alert's metric, threshold, severity and component (as the
 *   Python system writes them from its rule; alertDetails.ts's `rule-match`); several or none: none.
 * - whether it is silenced: unacknowledged, and an active silence's matchers agree with it.
 *   Its state is then `acknowledged`, `silenced` or `open`.
 */
import { ALERT_SEVERITIES, type AlertSeverity } from './model/alert';
import type { AlertRule } from './model/alertRule';
import type { Silence } from './model/silence';
import { scopeMatches } from './store/alertFilter';
import type { AlertFilter, AlertGroupColumn, AlertScope, AlertScopeCondition, StoredAlert, StoreReader } from './store/store';

export const ALERT_GROUPINGS = ['severity', 'modelVersion', 'rule', 'component', 'state'] as const;
export type AlertGrouping = (typeof ALERT_GROUPINGS)[number];

export const ALERT_STATES = ['open', 'silenced', 'acknowledged'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What the user narrows the view to; every field left out selects all. */
export interface AlertViewFilter {
  /** Title, message or alert id holding this text. */
  readonly text?: string;
  readonly severities?: readonly AlertSeverity[];
  readonly state?: AlertState;
  /** null: alerts that name no model version. */
  readonly modelVersion?: string | null;
  readonly from?: number;
  readonly to?: number;
}

/** The rules and active silences the view's groups and states are worked out from: read once per listing. */
export interface AlertViewContext {
  readonly rules: readonly AlertRule[];
  /** Rule id → its scope, for rules no other rule shares a scope with. */
  readonly ruleScopes: ReadonlyMap<string, AlertScope>;
  /** The scopes the silences active at `now` mute. */
  readonly silenced: readonly AlertScope[];
  readonly now: number;
}

export interface AlertViewGroup {
  readonly grouping: AlertGrouping;
  /** The group's value: a severity, version, rule id, component or state; null for the "(none)" group. */
  readonly key: string | null;
  readonly total: number;
  readonly open: number;
}

function ruleScope(rule: AlertRule): AlertScope {
  return { metric_name: rule.metric_name, threshold: rule.threshold, severity: rule.severity, component: rule.component };
}

function scopeKey(scope: AlertScope): string {
  return JSON.stringify([scope.metric_name, scope.threshold, scope.severity, scope.component]);
}

/** The rule ids by scope, for scopes exactly one rule has. */
function uniqueRuleScopes(rules: readonly AlertRule[]): Map<string, AlertScope> {
  const byKey = new Map<string, AlertRule[]>();
  for (const rule of rules) byKey.set(scopeKey(ruleScope(rule)), [...(byKey.get(scopeKey(ruleScope(rule))) ?? []), rule]);
  const scopes = new Map<string, AlertScope>();
  for (const list of byKey.values()) if (list.length === 1 && list[0] !== undefined) scopes.set(list[0].rule_id, ruleScope(list[0]));
  return scopes;
}

/** What a silence mutes as an alert scope; undefined when it can mute no alert (its rule is gone, or its severity is not its rule's). */
export function silenceScope(silence: Silence, rules: readonly AlertRule[]): AlertScope | undefined {
  const m = silence.matchers;
  let scope: AlertScope = {};
  if (m.rule_id !== undefined) {
    const rule = rules.find((r) => r.rule_id === m.rule_id);
    if (rule === undefined) return undefined;
    scope = ruleScope(rule);
  }
  if (m.severity !== undefined) {
    if (scope.severity !== undefined && scope.severity !== m.severity) return undefined;
    scope = { ...scope, severity: m.severity };
  }
  if (m.model_version !== undefined) scope = { ...scope, model_version: m.model_version };
  if (m.segment !== undefined) scope = { ...scope, segment: m.segment };
  return scope;
}

export function alertViewContext(rules: readonly AlertRule[], silences: readonly Silence[], now: number): AlertViewContext {
  const active = silences.filter((s) => now >= s.starts_at && now < s.ends_at);
  return {
    rules,
    ruleScopes: uniqueRuleScopes(rules),
    silenced: active.flatMap((s) => {
      const scope = silenceScope(s, rules);
      return scope === undefined ? [] : [scope];
    }),
    now,
  };
}

export async function readAlertViewContext(store: StoreReader, now: number): Promise<AlertViewContext> {
  const [rules, silences] = await Promise.all([store.readRules(), store.readSilences()]);
  return alertViewContext(rules, silences, now);
}

/** The alerts no filter can select: a condition that any of no scope holds. */
const NOTHING: AlertScopeCondition = { match: 'any', scopes: [] };

function stateFilter(state: AlertState, context: AlertViewContext): AlertFilter {
  if (state === 'acknowledged') return { acknowledged: true };
  return { acknowledged: false, scopes: [{ match: state === 'silenced' ? 'any' : 'none', scopes: context.silenced }] };
}

/** Both filters at once: each field both set must agree (severities intersect), else the result selects nothing. */
export function bothFilters(a: AlertFilter, b: AlertFilter): AlertFilter {
  const scopes = [...(a.scopes ?? []), ...(b.scopes ?? [])];
  const merged: { -readonly [K in keyof AlertFilter]: AlertFilter[K] } = { ...a, ...b };
  for (const field of ['acknowledged', 'modelVersion', 'alertId', 'component', 'text'] as const) {
    if (a[field] !== undefined && b[field] !== undefined && a[field] !== b[field]) scopes.push(NOTHING);
  }
  if (a.severity !== undefined && b.severity !== undefined) {
    const listA = typeof a.severity === 'string' ? [a.severity] : a.severity;
    const listB = new Set(typeof b.severity === 'string' ? [b.severity] : b.severity);
    merged.severity = listA.filter((s) => listB.has(s));
  }
  if (a.from !== undefined && b.from !== undefined) merged.from = Math.max(a.from, b.from);
  if (a.to !== undefined && b.to !== undefined) merged.to = Math.min(a.to, b.to);
  merged.scopes = scopes;
  return merged;
}

/** The store filter of what the user chose. */
export function viewFilter(filter: AlertViewFilter, context: AlertViewContext): AlertFilter {
  let result: AlertFilter = {
    ...(filter.text !== undefined && filter.text.trim() !== '' ? { text: filter.text.trim() } : {}),
    ...(filter.severities !== undefined ? { severity: filter.severities } : {}),
    ...(filter.modelVersion !== undefined ? { modelVersion: filter.modelVersion } : {}),
    ...(filter.from !== undefined ? { from: filter.from } : {}),
    ...(filter.to !== undefined ? { to: filter.to } : {}),
  };
  if (filter.state !== undefined) result = bothFilters(result, stateFilter(filter.state, context));
  return result;
}

/** The store filter of one group's alerts. */
export function groupFilter(grouping: AlertGrouping, key: string | null, context: AlertViewContext): AlertFilter {
  switch (grouping) {
    case 'severity':
      return key === null ? { scopes: [NOTHING] } : { severity: key as AlertSeverity };
    case 'modelVersion':
      return { modelVersion: key };
    case 'component':
      return { component: key };
    case 'state':
      return (ALERT_STATES as readonly (string | null)[]).includes(key) ? stateFilter(key as AlertState, context) : { scopes: [NOTHING] };
    case 'rule': {
      if (key === null) return { scopes: [{ match: 'none', scopes: [...context.ruleScopes.values()] }] };
      const scope = context.ruleScopes.get(key);
      return { scopes: [{ match: 'any', scopes: scope === undefined ? [] : [scope] }] };
    }
  }
}

const GROUP_COLUMNS: Readonly<Record<Exclude<AlertGrouping, 'state'>, readonly AlertGroupColumn[]>> = {
  severity: ['severity'],
  modelVersion: ['model_version'],
  component: ['component'],
  rule: ['metric_name', 'threshold', 'severity', 'component'],
};

function byName(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * The groups of the alerts the filter selects, each with its total and open alerts, in the view's
 * order: most severe first, states open / silenced / acknowledged, names in natural order with
 * "(none)" last. Only groups that hold alerts.
 */
export async function readAlertViewGroups(store: StoreReader, grouping: AlertGrouping, filter: AlertViewFilter, context: AlertViewContext): Promise<AlertViewGroup[]> {
  const selected = viewFilter(filter, context);
  if (grouping === 'state') {
    const groups: AlertViewGroup[] = [];
    for (const state of ALERT_STATES) {
      const total = await store.countAlerts(bothFilters(selected, stateFilter(state, context)));
      if (total > 0) groups.push({ grouping, key: state, total, open: state === 'acknowledged' ? 0 : total });
    }
    return groups;
  }
  // The unfiltered severity groups, the view's first screen: the store's counts per severity, kept
  // per snapshot where it has them, give the same totals without a GROUP BY each time.
  const counted =
    grouping === 'severity' && Object.keys(selected).length === 0 && store.countAlertsBySeverity !== undefined
      ? (await store.countAlertsBySeverity()).map((group) => ({ values: [group.severity], total: group.total, open: group.open }))
      : await store.countAlertGroups(GROUP_COLUMNS[grouping], selected);
  const sums = new Map<string | null, { total: number; open: number }>();
  const ruleOf = new Map([...context.ruleScopes].map(([id, scope]) => [scopeKey(scope), id]));
  for (const group of counted) {
    const key =
      grouping === 'rule'
        ? (ruleOf.get(scopeKey({ metric_name: group.values[0] as string | null, threshold: group.values[1] as number | null, severity: group.values[2] as AlertSeverity, component: group.values[3] as string | null })) ?? null)
        : ((group.values[0] ?? null) as string | null);
    const sum = sums.get(key) ?? { total: 0, open: 0 };
    sums.set(key, { total: sum.total + group.total, open: sum.open + group.open });
  }
  const keys = [...sums.keys()];
  const severityRank = (key: string | null) => ALERT_SEVERITIES.indexOf(key as AlertSeverity);
  keys.sort(grouping === 'severity' ? (a, b) => severityRank(b) - severityRank(a) : byName);
  return keys.flatMap((key) => {
    const sum = sums.get(key);
    return sum === undefined || sum.total === 0 ? [] : [{ grouping, key, ...sum }];
  });
}

/**
 * Alerts `offset` to `offset + limit` of a group in the view's order: open (unacknowledged) alerts
 * newest first, then acknowledged ones newest first. `group.open` is the group's count of
 * unacknowledged alerts as readAlertViewGroups counted it.
 */
export async function readAlertViewPage(
  store: StoreReader,
  group: AlertViewGroup,
  filter: AlertViewFilter,
  context: AlertViewContext,
  offset: number,
  limit: number,
): Promise<StoredAlert[]> {
  const selected = bothFilters(viewFilter(filter, context), groupFilter(group.grouping, group.key, context));
  const page: StoredAlert[] = [];
  if (offset < group.open) page.push(...(await store.readAlerts({ ...bothFilters(selected, { acknowledged: false }), offset, limit: Math.min(limit, group.open - offset) })));
  const rest = limit - page.length;
  if (rest > 0) page.push(...(await store.readAlerts({ ...bothFilters(selected, { acknowledged: true }), offset: Math.max(0, offset - group.open), limit: rest })));
  return page;
}

/** The alert's state: acknowledged, silenced (an active silence mutes it) or open. */
export function alertState(alert: StoredAlert, context: AlertViewContext): AlertState {
  if (alert.acknowledged) return 'acknowledged';
  return context.silenced.some((scope) => scopeMatches(scope, alert)) ? 'silenced' : 'open';
}

/** The alert's rule by its scope (see the file's comment), or undefined. */
export function alertRule(alert: StoredAlert, context: AlertViewContext): AlertRule | undefined {
  for (const [id, scope] of context.ruleScopes) if (scopeMatches(scope, alert)) return context.rules.find((rule) => rule.rule_id === id);
  return undefined;
}

/** Open critical and warning alerts, silenced ones left out: what the view's badge counts. */
export function countUrgentAlerts(store: StoreReader, context: AlertViewContext): Promise<number> {
  return store.countAlerts(bothFilters({ severity: ['critical', 'warning'] }, stateFilter('open', context)));
}
