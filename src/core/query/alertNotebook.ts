/**
 * The drill-down notebook of one alert (**Open in Notebook**): PQL for the alert's window, version
 * and rule, ready to run — the metric around the alert, the predictions behind it, its segments,
 * the drifted features against the week before, the rule replayed, and the alerts nearby. Every
 * query is built here from the alert and its rule, so the editor only opens the result.
 */
import { canonicalMetricName } from '../analytics/metricNames';
import { WINDOW_METRICS } from '../analytics/windows';
import type { DataScope } from '../analytics/dataScope';
import type { Alert } from '../model/alert';
import type { AlertRule } from '../model/alertRule';
import { NOTEBOOK_FORMAT_VERSION, type NotebookCellText, type NotebookText } from './notebook';

const DAY = 86_400;
const DEFAULT_WINDOW = '1h';
const DURATION = /^([1-9][0-9]{0,8})([smhd])$/;
const UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: DAY };

export type DrilledAlert = Pick<Alert, 'timestamp' | 'alert_id' | 'severity' | 'title' | 'metric_name' | 'metric_value' | 'threshold' | 'model_version'> & { readonly rule_id?: string | null };

/** A PQL date-time literal (UTC, to the second). */
export function pqlTime(seconds: number): string {
  return new Date(Math.floor(seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A PQL string literal. */
export function quoted(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n').replaceAll('\t', '\\t')}"`;
}

/**
 * The rule behind an alert: the one its rule id names; else the only enabled rule on the same
 * metric and severity (the Python system's alerts do not record their rule).
 */
export function ruleForAlert(alert: DrilledAlert, rules: readonly AlertRule[]): AlertRule | undefined {
  if (alert.rule_id !== undefined && alert.rule_id !== null) return rules.find((rule) => rule.rule_id === alert.rule_id);
  const matching = rules.filter((rule) => rule.metric_name === alert.metric_name && rule.severity === alert.severity);
  return matching.length === 1 ? matching[0] : undefined;
}

/** The window metric an alert is about (its own when PQL computes it per window), and whether it is a stand-in. */
function windowMetricOf(name: string | null): { metric: string; own: boolean } {
  const canonical = name === null ? undefined : canonicalMetricName(name);
  return canonical !== undefined && (WINDOW_METRICS as readonly string[]).includes(canonical) ? { metric: canonical, own: true } : { metric: 'accuracy', own: false };
}

function windowOf(rule: AlertRule | undefined): { text: string; seconds: number } {
  const given = rule?.conditions.window;
  const match = typeof given === 'string' ? DURATION.exec(given) : null;
  if (match === null) return { text: DEFAULT_WINDOW, seconds: 3600 };
  return { text: match[0], seconds: Number(match[1]) * (UNIT[match[2] as string] as number) };
}

/** The segment a rule watches (`{"feature": "circuit"}` or `{"metadata": "region"}`), as a PQL field. */
function segmentField(rule: AlertRule | undefined): string | undefined {
  const segment = rule?.conditions.segment;
  if (segment === null || typeof segment !== 'object' || Array.isArray(segment)) return undefined;
  const [entry] = Object.entries(segment);
  if (entry === undefined) return undefined;
  const [kind] = entry;
  const name = typeof entry[1] === 'string' ? entry[1] : undefined;
  if (name === undefined || !/^[A-Za-z_][\w]*$/.test(name)) return undefined;
  return kind === 'feature' ? `features.${name}` : kind === 'metadata' ? `metadata.${name}` : undefined;
}

export function alertNotebook(input: { readonly source?: string; readonly alert: DrilledAlert; readonly rule?: AlertRule; readonly scope: Pick<DataScope, 'first' | 'last'> }): NotebookText {
  const { alert, rule, scope } = input;
  const at = alert.timestamp;
  const window = windowOf(rule);
  const { metric, own } = windowMetricOf(rule?.metric_name ?? alert.metric_name);
  const first = scope.first ?? at - 30 * DAY;
  const last = scope.last ?? at;
  // Around the alert: a day before it (at least 24 windows), a few windows after, inside the data.
  const aroundFrom = Math.max(first, at - Math.max(DAY, 24 * window.seconds));
  const aroundTo = Math.min(last + 1, at + 4 * window.seconds) + 1;
  const behindFrom = Math.max(first, at - window.seconds);
  const behindTo = at + 1;
  const version = alert.model_version === null ? undefined : quoted(alert.model_version);
  const where = (from: number, to: number) => `where ${version === undefined ? '' : `model_version == ${version} and `}timestamp in ${pqlTime(from)}..${pqlTime(to)}`;
  // Drift: the day up to the alert against the week before it.
  const currentFrom = Math.max(first, at - Math.max(DAY, window.seconds));
  const referenceFrom = Math.max(first, currentFrom - 7 * DAY);
  const segment = segmentField(rule);
  // The rule's own floor of labelled predictions per window (the engine's min_samples), so the windows read as the rule read them.
  const labels = rule === undefined ? '' : ` min_labels=${Math.max(1, rule.min_samples)}`;

  const cells: NotebookCellText[] = [];
  const markdown = (text: string) => cells.push({ kind: 'markdown', text });
  const pql = (text: string) => cells.push({ kind: 'pql', text });
  markdown(
    [
      `# ${alert.title ?? `Alert ${alert.alert_id}`}`,
      '',
      `**${alert.severity}** at ${pqlTime(at)}${alert.model_version === null ? '' : ` on model version \`${alert.model_version}\``}` +
        `${alert.metric_name === null ? '' : ` — \`${alert.metric_name}\`${alert.metric_value === null ? '' : ` = ${alert.metric_value}`}${alert.threshold === null ? '' : ` (threshold ${alert.threshold})`}`}.`,
      rule === undefined ? 'Its rule is not known: the queries use a 1h window.' : `Rule \`${rule.rule_id}\`: \`${rule.metric_name} ${rule.comparison} ${rule.threshold}\` over ${window.text} windows${rule.for_minutes > 0 ? `, for ${rule.for_minutes} min` : ''}.`,
    ].join('\n'),
  );
  markdown(`## ${metric} around the alert${own ? '' : ` (the alert's metric, \`${alert.metric_name ?? 'none'}\`, is not a window metric: accuracy stands in)`}`);
  pql(`predictions | ${where(aroundFrom, aroundTo)} | window ${window.text} | metrics ${metric}${labels} | chart line`);
  markdown('## The predictions behind it (the window before the alert)');
  pql(`predictions | ${where(behindFrom, behindTo)} | take 200`);
  if (segment !== undefined) {
    markdown(`## Its segments: ${segment}`);
    pql(`predictions | ${where(aroundFrom, aroundTo)} | window ${window.text} | by ${segment} | metrics ${metric}${labels}`);
  }
  if (currentFrom - referenceFrom >= window.seconds) {
    markdown('## Drifted features: the day up to the alert against the week before');
    pql(`predictions | ${where(currentFrom, behindTo)} | reference ${pqlTime(referenceFrom)}..${pqlTime(currentFrom)} | drift | sort value desc`);
  }
  if (rule !== undefined && rule.metric_type === 'threshold' && own) {
    markdown('## The rule replayed over these days');
    const pending = rule.for_minutes > 0 ? ` for ${rule.for_minutes}m` : '';
    pql(`predictions | ${where(aroundFrom, aroundTo)} | window ${window.text} | metrics ${metric} | alert when ${metric} ${rule.comparison} ${rule.threshold}${pending} severity ${rule.severity}`);
  }
  markdown('## Alerts around it');
  pql(`alerts | ${where(aroundFrom, aroundTo)} | take 50`);
  return { metadata: { version: NOTEBOOK_FORMAT_VERSION, ...(input.source === undefined ? {} : { source: input.source }) }, cells };
}
