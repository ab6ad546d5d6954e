/**
 * What the performance trend draws over its values, from the source's rules, alerts and
 * label-free estimates: the rules' thresholds on the charted metric, the spans where a rule's
 * condition held in the charted windows, the alerts on that metric, and estimates (with their
 * interval) for the windows whose labels are missing.
 */
import type { WindowEstimate } from '../analytics/estimateWindows';
import { canonicalMetricName } from '../analytics/metricNames';
import type { WindowMetric, WindowMetricsRow } from '../analytics/windows';
import { measureOf } from '../alerting/ruleOptions';
import type { Alert } from '../model/alert';
import { COMPARE, type AlertRule } from '../model/alertRule';
import { formatFixed, metricLabel } from './theme';
import type { TrendAlert, TrendBand, TrendPoint, TrendThreshold } from './trendChart';

/** Metrics the label-free estimator estimates. */
export const ESTIMATED_METRICS: ReadonlySet<string> = new Set(['accuracy', 'precision', 'recall', 'f1']);

/**
 * The enabled threshold rules on `metric` that watch any of `versions` (a rule without
 * `model_versions` watches each version): one line each. A rule whose options do not read is left out.
 */
export function ruleThresholds(rules: readonly AlertRule[], metric: string, versions: readonly string[]): TrendThreshold[] {
  const lines: TrendThreshold[] = [];
  for (const rule of rules) {
    if (!rule.enabled || rule.metric_type !== 'threshold') continue;
    let watched: readonly string[] | undefined;
    try {
      const measure = measureOf(rule);
      if (measure.metric !== metric) continue;
      watched = measure.options.model_versions;
    } catch {
      continue;
    }
    if (watched !== undefined && !watched.some((version) => versions.includes(version))) continue;
    lines.push({ metric, value: rule.threshold, rule_id: rule.rule_id, comparison: rule.comparison, severity: rule.severity, model_version: watched === undefined ? null : watched.join(', ') });
  }
  return lines;
}

/**
 * Where each threshold's condition held, per version: consecutive charted windows whose value
 * meets it, merged into one span. Windows without a value end a span.
 */
export function firingSpans(rows: readonly WindowMetricsRow[], metric: WindowMetric, thresholds: readonly TrendThreshold[]): TrendBand[] {
  const spans: TrendBand[] = [];
  const byVersion = new Map<string | null, WindowMetricsRow[]>();
  for (const row of rows) byVersion.set(row.group, [...(byVersion.get(row.group) ?? []), row]);
  for (const threshold of thresholds) {
    const holds = COMPARE[threshold.comparison as keyof typeof COMPARE];
    if (holds === undefined) continue;
    const watched = threshold.model_version === null || threshold.model_version === undefined ? null : threshold.model_version.split(', ');
    for (const [version, list] of byVersion) {
      if (watched !== null && (version === null || !watched.includes(version))) continue;
      let open: { start: number; end: number } | null = null;
      const close = () => {
        if (open === null) return;
        spans.push({ start: open.start, end: open.end, metric, model_version: version, label: `Rule ${threshold.rule_id} held: ${metricLabel(metric)} ${threshold.comparison} ${formatFixed(threshold.value)}` });
        open = null;
      };
      for (const row of [...list].sort((a, b) => a.window_start - b.window_start)) {
        const value = row[metric];
        const met = value !== null && value !== undefined && holds(value, threshold.value);
        if (!met || (open !== null && row.window_start > open.end)) close();
        if (!met) continue;
        if (open === null) open = { start: row.window_start, end: row.window_end };
        else open.end = Math.max(open.end, row.window_end);
      }
      close();
    }
  }
  return spans;
}

/**
 * The alerts on `metric` of the charted versions (an alert of no version belongs to every version);
 * an alert names its metric as the service does (`expected_calibration_error` is the ECE).
 */
export function metricAlerts(alerts: readonly Alert[], metric: string, versions: readonly string[]): TrendAlert[] {
  const named = (name: string | null) => name !== null && (canonicalMetricName(name) ?? name) === metric;
  return alerts
    .filter((alert) => named(alert.metric_name) && (alert.model_version === null || versions.includes(alert.model_version)))
    .map((alert) => ({ timestamp: alert.timestamp, severity: alert.severity, title: alert.title, metric_name: alert.metric_name, metric_value: alert.metric_value, threshold: alert.threshold, model_version: alert.model_version }));
}

/**
 * Label-free estimates of `metric` for the windows of `rows` that have no realized value (their
 * labels are missing or too few), with the estimate's interval. Nothing where the estimator refused.
 */
export function missingLabelEstimates(estimates: readonly WindowEstimate[], rows: readonly WindowMetricsRow[], metric: WindowMetric): TrendPoint[] {
  if (!ESTIMATED_METRICS.has(metric)) return [];
  const key = (start: number, version: string | null) => `${start}\u0000${version ?? ''}`;
  const missing = new Set(rows.filter((row) => row[metric] === null || row[metric] === undefined).map((row) => key(row.window_start, row.group)));
  const points: TrendPoint[] = [];
  for (const estimate of estimates) {
    if (estimate.status !== 'ok' || estimate.estimated === null || !missing.has(key(estimate.window_start, estimate.model_version))) continue;
    const name = metric as 'accuracy' | 'precision' | 'recall' | 'f1';
    const value = estimate.estimated[name];
    if (value === null) continue;
    const interval = estimate.estimated.interval[name];
    points.push({
      window_start: estimate.window_start,
      window_end: estimate.window_end,
      model_version: estimate.model_version,
      metric,
      value,
      source: 'estimated',
      labelled: estimate.labelled,
      count: estimate.count,
      lower: interval?.lower ?? null,
      upper: interval?.upper ?? null,
    });
  }
  return points;
}
