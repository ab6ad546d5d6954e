/**
 * The steps of "Add Alert Rule…" (and of editing a database's rule): metric, comparison,
 * threshold, window, severity, channels, cooldown, then the rule id. Each step checks what it can
 * alone; the whole rule is then checked by the kernel as `pitwall rule add` checks a rule file.
 */
import * as vscode from 'vscode';
import { componentOf } from '../core/alerting/ruleComponent';
import { knownMetricNames } from '../core/alerting/rulesCheck';
import { canonicalMetricName, METRIC_NAMES } from '../core/analytics/metricNames';
import { parseDuration } from '../core/analytics/duration';
import { ALERT_SEVERITIES } from '../core/model/alert';
import { ALERT_CHANNELS, COMPARISONS, type AlertRule } from '../core/model/alertRule';

/** What the steps ask for; the rest of a rule keeps its defaults (or, in an edit, its values). */
export interface RuleInput {
  readonly rule_id: string;
  readonly metric_name: string;
  readonly comparison: string;
  readonly threshold: number;
  readonly window: string;
  readonly severity: string;
  readonly channels: readonly string[];
  readonly cooldown_minutes: number;
}

const COMPARISON_WORDS: Readonly<Record<string, string>> = {
  '<': 'fires when the metric is below the threshold',
  '<=': 'fires when the metric is at or below the threshold',
  '>': 'fires when the metric is above the threshold',
  '>=': 'fires when the metric is at or above the threshold',
  '==': 'fires when the metric equals the threshold',
  '!=': 'fires when the metric differs from the threshold',
};

/** The rule's fields for the kernel's check: a new rule, or the change to an existing one. */
export function ruleFields(input: RuleInput, base?: AlertRule): Record<string, unknown> {
  return {
    rule_id: input.rule_id,
    metric_name: input.metric_name,
    metric_type: base?.metric_type ?? 'threshold',
    threshold: input.threshold,
    comparison: input.comparison,
    severity: input.severity,
    component: base?.component ?? componentOf(input.metric_name),
    channels: [...input.channels],
    cooldown_minutes: input.cooldown_minutes,
    conditions: { ...(base?.conditions ?? {}), window: input.window },
  };
}

function suggestedId(metric: string, comparison: string, threshold: number): string {
  const word = comparison.startsWith('<') ? 'low' : comparison.startsWith('>') ? 'high' : 'is';
  return `${metric}_${word}_${String(threshold).replace(/[^0-9a-z]+/gi, '_')}`.replace(/_+$/, '');
}

/**
 * Asks for each field in turn; undefined when the user gives up (Escape) at any step. `base`
 * prefills every step with a rule's values and keeps its rule_id (an edit cannot rename).
 */
export async function askRuleInput(title: string, taken: ReadonlySet<string>, base?: AlertRule): Promise<RuleInput | undefined> {
  const total = base === undefined ? 8 : 7;
  const step = (n: number) => `${title} (${n}/${total})`;
  const baseWindow = typeof base?.conditions.window === 'string' ? base.conditions.window : '1h';

  const metrics = knownMetricNames().map((name) => {
    const canonical = canonicalMetricName(name) ?? name;
    const described = METRIC_NAMES.find((m) => m.name === canonical);
    return { label: name, description: canonical === name ? described?.description : `= ${canonical}`, picked: name === base?.metric_name };
  });
  // A drift rule's metric (track_temp_psi) is not among the window metrics: it is offered as it is.
  if (base !== undefined && !metrics.some((m) => m.picked)) metrics.unshift({ label: base.metric_name, description: 'the rule\'s metric', picked: true });
  const metric = await vscode.window.showQuickPick(
    base === undefined ? metrics : [...metrics.filter((m) => m.picked), ...metrics.filter((m) => !m.picked)],
    { title: step(1), placeHolder: 'The metric the rule watches (those the kernel computes)', matchOnDescription: true, ignoreFocusOut: true },
  );
  if (!metric) return undefined;

  const comparisons = COMPARISONS.map((c) => ({ label: c, description: COMPARISON_WORDS[c] }));
  const comparison = await vscode.window.showQuickPick(
    base === undefined ? comparisons : [...comparisons.filter((c) => c.label === base.comparison), ...comparisons.filter((c) => c.label !== base.comparison)],
    { title: step(2), placeHolder: `${metric.label} compared with the threshold: the rule fires when "${metric.label} <comparison> threshold" holds`, ignoreFocusOut: true },
  );
  if (!comparison) return undefined;

  const thresholdText = await vscode.window.showInputBox({
    title: step(3),
    prompt: `The threshold: fires when ${metric.label} ${comparison.label} this value`,
    value: base === undefined ? '' : String(base.threshold),
    ignoreFocusOut: true,
    validateInput: (text) => (text.trim() !== '' && Number.isFinite(Number(text)) ? undefined : 'A finite number, such as 0.75'),
  });
  if (thresholdText === undefined) return undefined;
  const threshold = Number(thresholdText);

  const window = await vscode.window.showInputBox({
    title: step(4),
    prompt: 'The window the rule measures: a duration such as 15m, 6h or 7d',
    value: baseWindow,
    ignoreFocusOut: true,
    validateInput: (text) => {
      try {
        parseDuration(text.trim());
        return undefined;
      } catch {
        return 'A duration: a whole number and s, m, h or d (15m, 6h, 7d)';
      }
    },
  });
  if (window === undefined) return undefined;

  const severities = [...ALERT_SEVERITIES].reverse().map((s) => ({ label: s }));
  const severity = await vscode.window.showQuickPick(
    base === undefined ? severities : [...severities.filter((s) => s.label === base.severity), ...severities.filter((s) => s.label !== base.severity)],
    { title: step(5), placeHolder: 'Severity of the alerts the rule raises', ignoreFocusOut: true },
  );
  if (!severity) return undefined;

  const chosen = new Set(base?.channels ?? ['console']);
  const channels = await vscode.window.showQuickPick(
    ALERT_CHANNELS.map((c) => ({ label: c, picked: chosen.has(c) })),
    { title: step(6), placeHolder: 'Where the alerts go (Space toggles, Enter accepts)', canPickMany: true, ignoreFocusOut: true },
  );
  if (!channels) return undefined;

  const cooldownText = await vscode.window.showInputBox({
    title: step(7),
    prompt: 'Cooldown: minutes after an alert before the rule may fire again',
    value: String(base?.cooldown_minutes ?? 60),
    ignoreFocusOut: true,
    validateInput: (text) => (/^\s*\d+\s*$/.test(text) ? undefined : 'A whole number of minutes, 0 or more'),
  });
  if (cooldownText === undefined) return undefined;

  let ruleId = base?.rule_id;
  if (ruleId === undefined) {
    ruleId = await vscode.window.showInputBox({
      title: step(8),
      prompt: 'The rule id: alerts and the CLI name the rule by it',
      value: suggestedId(metric.label, comparison.label, threshold),
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() === '' ? 'The rule needs an id' : taken.has(text.trim()) ? `The source already has a rule "${text.trim()}"` : undefined),
    });
    if (ruleId === undefined) return undefined;
  }
  return {
    rule_id: ruleId.trim(),
    metric_name: metric.label,
    comparison: comparison.label,
    threshold,
    window: window.trim(),
    severity: severity.label,
    channels: channels.map((c) => c.label),
    cooldown_minutes: Number(cooldownText),
  };
}
