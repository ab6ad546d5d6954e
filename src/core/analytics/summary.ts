/**
 * Every metric of one set of predictions at once (what `pitwall metrics` prints): volume and
 * label coverage, the threshold metrics, the ranking and probabilistic metrics, calibration
 * with its reliability bins, and the seed's confidence statistics. Field names are snake_case,
 * as the CLI's --json prints them. With fewer labelled predictions than minLabels the summary
 * is `insufficient`, as a window of a trend is: the metrics that need ground truth are null and
 * the reliability bins empty, rather than confident-looking numbers from a handful of labels.
 */
import { accuracyOf, confidenceStatistics, confusion, f1Of, type Confusion, precisionOf, recallOf, type ClassificationColumns } from './classification';
import type { WindowPlan, WindowStats } from '../store/windowStats';
import { averagePrecision, brierScore, logLoss, reliabilityOf, reliabilityOfBins, rocAuc, specificityOf, type Binning, type IntervalReliabilityBin } from './metrics';
import { metricsOfWindow, WINDOW_METRICS, type WindowMetric } from './windows';

export interface MetricsSummary {
  readonly count: number;
  readonly labelled: number;
  readonly label_coverage: number | null;
  /** Fewer labelled predictions than min_labels: the label metrics below are null. */
  readonly insufficient: boolean;
  readonly min_labels: number;
  readonly accuracy: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
  readonly specificity: number | null;
  readonly roc_auc: number | null;
  readonly average_precision: number | null;
  readonly log_loss: number | null;
  readonly brier: number | null;
  readonly ece: number | null;
  readonly mce: number | null;
  readonly calibration_binning: Binning;
  readonly reliability: readonly IntervalReliabilityBin[];
  readonly num_predictions: number;
  readonly avg_confidence: number | null;
  readonly min_confidence: number | null;
  readonly max_confidence: number | null;
  readonly confidence_std: number | null;
  readonly true_positives: number;
  readonly false_positives: number;
  readonly true_negatives: number;
  readonly false_negatives: number;
}

export interface SummaryOptions {
  readonly bins?: number;
  readonly binning?: Binning;
  /** Fewest labelled predictions for the label metrics; 0 (every summary has them) by default. */
  readonly minLabels?: number;
}

export function summarizeMetrics(columns: ClassificationColumns, options: SummaryOptions = {}): MetricsSummary {
  const c = confusion(columns);
  const minLabels = options.minLabels ?? 0;
  const binning = options.binning ?? 'width';
  const insufficient = c.labelled < minLabels;
  const common = {
    count: columns.length,
    labelled: c.labelled,
    label_coverage: columns.length === 0 ? null : c.labelled / columns.length,
    insufficient,
    min_labels: minLabels,
  };
  const labelMetrics: LabelMetrics = insufficient
    ? { accuracy: null, precision: null, recall: null, f1: null, specificity: null, roc_auc: null, average_precision: null, log_loss: null, brier: null, ece: null, mce: null, calibration_binning: binning, reliability: [] }
    : labelMetricsOf(columns, c, options.bins ?? 10, binning);
  return {
    ...common,
    ...labelMetrics,
    ...confidenceStatistics(columns.confidence),
    true_positives: c.truePositives,
    false_positives: c.falsePositives,
    true_negatives: c.trueNegatives,
    false_negatives: c.falseNegatives,
  };
}

type LabelMetrics = Pick<
  MetricsSummary,
  'accuracy' | 'precision' | 'recall' | 'f1' | 'specificity' | 'roc_auc' | 'average_precision' | 'log_loss' | 'brier' | 'ece' | 'mce' | 'calibration_binning' | 'reliability'
>;

function labelMetricsOf(columns: ClassificationColumns, c: Confusion, bins: number, binning: Binning): LabelMetrics {
  const reliability = reliabilityOf(columns, { binCount: bins, binning });
  return {
    accuracy: accuracyOf(c),
    precision: precisionOf(c),
    recall: recallOf(c),
    f1: f1Of(c),
    specificity: specificityOf(c),
    roc_auc: rocAuc(columns),
    average_precision: averagePrecision(columns),
    log_loss: logLoss(columns),
    brier: brierScore(columns),
    ece: reliability.ece,
    mce: reliability.mce,
    calibration_binning: reliability.binning,
    reliability: reliability.bins,
  };
}

/** The metrics of a summary that the combine step (metricsOfWindow) gives from a window's statistics. */
const WINDOW_SUMMARY_METRICS: readonly WindowMetric[] = WINDOW_METRICS.filter((metric) => !['ece', 'mce', 'ece_mass', 'mce_mass'].includes(metric));

/**
 * The summary of one (window, group)'s statistics, as a database sums them for a plan with scores
 * (equal-width bins, every optional sum): what summarizeMetrics gives over the same rows with its
 * defaults (equal-width bins, minLabels 0), through the combine step every windowed metric takes,
 * up to the order the sums ran in. ROC AUC, average precision and log loss come from the labelled
 * (predicted, confidence, actual) triples the plan's scores carry. The confidences' standard
 * deviation comes from Σc and Σc², as every pushed-down window's does: where the confidences are
 * nearly all alike, it loses about 2⁻⁵³ · mean square / variance, relative, to one pass over them.
 */
export function summarizeStats(stats: WindowStats, plan: WindowPlan): MetricsSummary {
  if (!plan.scores) throw new RangeError('a summary needs the plan\'s scores (ROC AUC, average precision, log loss)');
  const m = metricsOfWindow(stats, plan, WINDOW_SUMMARY_METRICS, 0);
  const labelledBins = stats.bins.slice(1);
  const reliability = reliabilityOfBins(
    Array.from({ length: plan.bins }, (_, b) => {
      const bin = labelledBins[b];
      return bin === undefined
        ? { count: 0, correct: 0, confidenceSum: 0, lowest: Infinity, highest: -Infinity }
        : { count: bin.count, correct: bin.truePositives + bin.trueNegatives, confidenceSum: bin.confidenceSum, lowest: bin.confidenceMin, highest: bin.confidenceMax };
    }),
    'width',
  );
  const sum = (field: 'truePositives' | 'falsePositives' | 'trueNegatives' | 'falseNegatives') => labelledBins.reduce((total, bin) => total + bin[field], 0);
  const value = (metric: WindowMetric) => m[metric] ?? null;
  return {
    count: m.count,
    labelled: m.labelled,
    label_coverage: m.count === 0 ? null : m.labelled / m.count,
    insufficient: false,
    min_labels: 0,
    accuracy: value('accuracy'),
    precision: value('precision'),
    recall: value('recall'),
    f1: value('f1'),
    specificity: value('specificity'),
    roc_auc: value('roc_auc'),
    average_precision: value('average_precision'),
    log_loss: value('log_loss'),
    brier: value('brier'),
    ece: reliability.ece,
    mce: reliability.mce,
    calibration_binning: reliability.binning,
    reliability: reliability.bins,
    num_predictions: m.count,
    avg_confidence: value('avg_confidence'),
    min_confidence: value('min_confidence'),
    max_confidence: value('max_confidence'),
    confidence_std: value('confidence_std'),
    true_positives: sum('truePositives'),
    false_positives: sum('falsePositives'),
    true_negatives: sum('trueNegatives'),
    false_negatives: sum('falseNegatives'),
  };
}
