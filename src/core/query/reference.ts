/**
 * The short documentation of PQL's words, kept in the kernel so that the editor's hover and
 * completion and the quick reference of docs/pql.md say the same thing (a test checks the page
 * holds `pqlReferenceMarkdown()` as it is). Metrics are described by the kernel's one vocabulary
 * (analytics/metricNames.ts).
 */
import { WATCHABLE_METRICS } from '../alerting/evaluate';
import { DRIFT_STATISTICS } from '../alerting/ruleOptions';
import { METRIC_NAMES, canonicalMetricName } from '../analytics/metricNames';
import { WINDOW_METRICS } from '../analytics/windows';
import { SOURCES, STAGES, type StageKind } from './ast';
import { CHART_KINDS, SUMMARY_METRICS } from './plan';

export interface WordDoc {
  /** How it is written. */
  readonly syntax: string;
  /** What it does, in a sentence or two. */
  readonly summary: string;
}

export const STAGE_DOCS: Readonly<Record<StageKind, WordDoc>> = {
  where: {
    syntax: 'where <condition>',
    summary:
      'Before the analysis, chooses the predictions: `model_version == "…"` and `timestamp` comparisons (`>=`, `>`, `<`, `<=`, `in a..b`), joined with `and`. After it, keeps the rows where the condition holds.',
  },
  window: { syntax: 'window <every> [slide <step>] [fill]', summary: 'Time windows aligned to the epoch: tumbling, or sliding when `slide` is shorter; `fill` lists empty windows too. As `pitwall trend --every`.' },
  by: { syntax: 'by model_version | <feature> | metadata.<key>', summary: 'One row per window and group (the `group` column). Needs `window` (or `alert`).' },
  metrics: {
    syntax: 'metrics m1, m2, … [bins=N] [min_labels=N] [strategy=uniform|mass]',
    summary: 'With a window, the window metrics per window (as `pitwall trend`); without one, the metrics over the whole range (as `pitwall metrics`).',
  },
  calibration: { syntax: 'calibration [bins=N] [strategy=uniform|mass]', summary: 'The reliability bins with ECE and MCE in the result’s meta. As `pitwall calibration`.' },
  reference: { syntax: 'reference <from>..<to>', summary: 'The reference (baseline) period, for `drift`, `health` and `estimate`.' },
  drift: {
    syntax: 'drift [statistic(feature), …]',
    summary: 'Per test: the statistic, its p-value and severity between the reference and the current period. Alone, every feature by PSI or JS. As `pitwall drift`.',
  },
  health: { syntax: 'health [at=TIME] [min_labels=N]', summary: 'Each version’s last period against the period before and the reference. As `pitwall health`.' },
  estimate: { syntax: 'estimate', summary: 'Label-free estimates (CBPE) per window beside the realized values, fitted on the reference period. As `pitwall estimate`.' },
  compare: { syntax: 'compare <version> <version>', summary: 'One row per metric with each version’s value and the difference, over the `where` range.' },
  take: { syntax: 'take N', summary: 'The first N rows. Right after `predictions`, N predictions themselves; on `alerts`, the store’s limit.' },
  sort: { syntax: 'sort col [asc|desc], …', summary: 'Sorts the rows, stably, nulls last.' },
  select: { syntax: 'select col, …', summary: 'Only those columns, in that order.' },
  alert: {
    syntax: 'alert when <metric> <op> <threshold> [for <duration>] severity <info|warning|critical>',
    summary: 'The threshold rule this describes, replayed over the range by the alert engine: one row per alert it would have raised. Save it as a rule with the code lens.',
  },
  chart: { syntax: `chart ${CHART_KINDS.join('|')}`, summary: 'How to draw the result; it changes no row.' },
};

export const SOURCE_DOCS: Readonly<Record<(typeof SOURCES)[number], WordDoc>> = {
  predictions: { syntax: 'predictions | …', summary: 'The predictions, analysed by the stages that follow (a trend, metrics, calibration, drift, health, estimates, a comparison or a rule).' },
  alerts: { syntax: 'alerts | …', summary: 'The alerts, open ones first, each part newest first (as `pitwall alerts`).' },
  rules: { syntax: 'rules | …', summary: 'The alert rules of the source.' },
  health: { syntax: 'health | …', summary: 'The recorded health snapshots.' },
};

const STATISTIC_DOCS: Readonly<Record<(typeof DRIFT_STATISTICS)[number], string>> = {
  psi: 'population stability index of a numeric feature.',
  ks: 'Kolmogorov–Smirnov statistic of a numeric feature, with its p-value.',
  wasserstein: 'Wasserstein (earth mover’s) distance of a numeric feature.',
  js: 'Jensen–Shannon distance of a categorical feature.',
  chi_square: 'chi-square statistic of a categorical feature, with its p-value.',
};

export const FUNCTION_DOCS: Readonly<Record<string, WordDoc>> = {
  ago: { syntax: 'ago(<duration>)', summary: 'That long before now (the moment the query runs; in a saved rule, each evaluation).' },
  now: { syntax: 'now()', summary: 'Now.' },
  abs: { syntax: 'abs(<number>)', summary: 'The absolute value.' },
  ...Object.fromEntries(DRIFT_STATISTICS.map((statistic) => [statistic, { syntax: `${statistic}(<feature>)`, summary: `Drift test: the ${STATISTIC_DOCS[statistic]}` }])),
};

/** What a metric name means, by any of its names; undefined for a name that is no metric. */
export function metricDoc(name: string): WordDoc | undefined {
  if (name === 'degradation_detected') return { syntax: '`degradation_detected`', summary: '1 when the two-proportion z-test finds accuracy degraded against the baseline window, else 0 (`alert when` only).' };
  if (name === 'labelled' || name === 'label_coverage') return { syntax: `\`${name}\``, summary: name === 'labelled' ? 'Predictions with an outcome.' : 'The share of predictions with an outcome.' };
  const canonical = canonicalMetricName(name);
  const metric = METRIC_NAMES.find((m) => m.name === canonical);
  if (metric === undefined) return undefined;
  const names = [metric.name, ...metric.aliases].map((n) => `\`${n}\``).join(', ');
  const where = [
    (WINDOW_METRICS as readonly string[]).includes(metric.name) ? 'per window' : null,
    SUMMARY_METRICS.includes(metric.name) ? 'over a whole range' : null,
    WATCHABLE_METRICS.includes(metric.name) ? 'in `alert when`' : null,
  ].filter((part) => part !== null);
  const used = where.length === 0 ? '' : ` ${where.join(', ')[0]?.toUpperCase() ?? ''}${where.join(', ').slice(1)}.`;
  return { syntax: names, summary: `${metric.description[0]?.toUpperCase() ?? ''}${metric.description.slice(1)}.${used}` };
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

/** The quick reference of docs/pql.md: every source, stage, function and metric with its short text. */
export function pqlReferenceMarkdown(): string {
  const lines = ['| source | |', '|---|---|', ...SOURCES.map((source) => `| \`${source}\` | ${escapeCell(SOURCE_DOCS[source].summary)} |`), ''];
  lines.push('| stage | |', '|---|---|', ...STAGES.map((stage) => `| \`${escapeCell(STAGE_DOCS[stage].syntax)}\` | ${escapeCell(STAGE_DOCS[stage].summary)} |`), '');
  lines.push('| function | |', '|---|---|', ...Object.values(FUNCTION_DOCS).map((doc) => `| \`${doc.syntax}\` | ${escapeCell(doc.summary)} |`), '');
  const metrics = [...METRIC_NAMES.map((m) => m.name), 'labelled', 'label_coverage', 'degradation_detected'];
  lines.push('| metric | |', '|---|---|', ...metrics.map((name) => metricDoc(name) as WordDoc).map((doc) => `| ${doc.syntax} | ${escapeCell(doc.summary)} |`));
  return `${lines.join('\n')}\n`;
}
