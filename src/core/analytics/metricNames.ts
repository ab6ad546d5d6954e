/**
 * One vocabulary of metric names: the analytics' own short names and the names the Python
 * system's rules and health snapshots use (`f1_score`, `expected_calibration_error`,
 * `num_predictions`) mean the same metric everywhere a metric is named — a rule, `trend
 * --metrics`, a CLI option. Each metric has one canonical name; its aliases resolve to it.
 */
import { unknownNameError } from '../suggest';

export interface MetricName {
  /** The analytics' name: a window metric, or `count` (predictions in the window). */
  readonly name: string;
  /** Other names for it, as the Python system's rules and snapshots write them. */
  readonly aliases: readonly string[];
  readonly description: string;
}

export const METRIC_NAMES: readonly MetricName[] = [
  { name: 'count', aliases: ['num_predictions'], description: 'predictions in the window' },
  { name: 'accuracy', aliases: [], description: 'share of labelled predictions that were right' },
  { name: 'precision', aliases: [], description: 'of the predicted positives, the share that were positive' },
  { name: 'recall', aliases: [], description: 'of the positives, the share predicted positive' },
  { name: 'f1', aliases: ['f1_score'], description: 'harmonic mean of precision and recall' },
  { name: 'specificity', aliases: [], description: 'of the negatives, the share predicted negative' },
  { name: 'ece', aliases: ['expected_calibration_error'], description: 'expected calibration error, equal-width bins' },
  { name: 'mce', aliases: [], description: 'maximum calibration error, equal-width bins' },
  { name: 'ece_mass', aliases: [], description: 'expected calibration error, equal-mass bins' },
  { name: 'mce_mass', aliases: [], description: 'maximum calibration error, equal-mass bins' },
  { name: 'roc_auc', aliases: ['auc'], description: 'area under the ROC curve' },
  { name: 'average_precision', aliases: [], description: 'area under the precision-recall curve' },
  { name: 'log_loss', aliases: [], description: 'mean negative log-likelihood of the outcomes' },
  { name: 'brier', aliases: ['brier_score'], description: 'mean squared error of the probability of class 1' },
  { name: 'avg_confidence', aliases: [], description: 'mean confidence of the predicted class (needs no labels)' },
  { name: 'min_confidence', aliases: [], description: 'lowest confidence (needs no labels)' },
  { name: 'max_confidence', aliases: [], description: 'highest confidence (needs no labels)' },
  { name: 'confidence_std', aliases: [], description: 'standard deviation of confidence (needs no labels)' },
];

const CANONICAL = new Map<string, string>(METRIC_NAMES.flatMap((metric) => [[metric.name, metric.name], ...metric.aliases.map((alias) => [alias, metric.name] as [string, string])]));

/** Every name a metric may be given by: canonical names first, then aliases. */
export const ALL_METRIC_NAMES: readonly string[] = [...METRIC_NAMES.map((metric) => metric.name), ...METRIC_NAMES.flatMap((metric) => metric.aliases)];

/** The canonical name of a metric given by any of its names; undefined for a name that is none. */
export function canonicalMetricName(name: string): string | undefined {
  return CANONICAL.get(name);
}

/** Every name a metric is given by: its canonical name, then its aliases (the name itself for a metric not listed). */
export function namesOfMetric(name: string): readonly string[] {
  const canonical = CANONICAL.get(name) ?? name;
  return [canonical, ...(METRIC_NAMES.find((metric) => metric.name === canonical)?.aliases ?? [])];
}

/**
 * The canonical name of a metric named by a user; an unknown name is an input error with the
 * nearest known name and the list. `among`, when given, limits the metrics accepted (by canonical name).
 */
export function resolveMetricName(name: string, among?: readonly string[]): string {
  const canonical = CANONICAL.get(name);
  if (canonical !== undefined && (among === undefined || among.includes(canonical))) return canonical;
  const known = among === undefined ? ALL_METRIC_NAMES : ALL_METRIC_NAMES.filter((known) => among.includes(CANONICAL.get(known) ?? ''));
  throw unknownNameError('metric', name, known);
}
