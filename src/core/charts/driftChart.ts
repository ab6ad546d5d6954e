/**
 * Drift per feature: one horizontal bar per feature, longest first, coloured by severity,
 * with the thresholds of the test as rules across the bars. Scores of different tests
 * (PSI, chi-square, KS, …) are on different scales, so each test gets a panel of its own
 * with its own axis. A feature without a score is named in the subtitle, not drawn as zero.
 */
import { DEFAULT_DRIFT_OPTIONS, type DriftOptions, type FeatureDrift } from '../analytics/drift';
import { driftScore } from '../analytics/driftReport';
import {
  chartWidth,
  type ChartOptions,
  type ChartSpec,
  type ChartWidth,
  DRIFT_SEVERITY_COLORS,
  DRIFT_SEVERITY_ORDER,
  type DriftSeverity,
  formatCount,
  formatFixed,
  type LayerChild,
  listNames,
  noDataChart,
  tooltipColumns,
  topLevel,
  UNRATED_COLOR,
  type ViewSpec,
} from './theme';

export type { DriftSeverity } from './theme';

/** One feature's drift statistic from one test. */
export interface DriftScore {
  readonly feature: string;
  /** The statistic: 'psi', 'chi_square', 'ks_statistic', 'wasserstein', 'js_distance', or another name. */
  readonly kind: string;
  readonly score: number | null;
  readonly severity: DriftSeverity | null;
  readonly p_value?: number | null;
  /** Shown with the feature name when scores of several versions are charted together. */
  readonly model_version?: string | null;
}

/** A score at which a test's result reaches a severity. */
export interface DriftThreshold {
  readonly kind: string;
  readonly value: number;
  readonly severity: DriftSeverity;
}

export interface DriftScoresInput {
  readonly scores: readonly DriftScore[];
  readonly thresholds?: readonly DriftThreshold[];
}

export const DRIFT_TITLE = 'Feature drift';
const NO_DATA = 'No drift scores in this time range.';
const UNSCORED = 'No score for';
const STEP = 18;
/** Severity of a score its producer did not rate. */
const UNRATED = 'unrated';

const KIND_LABELS: Readonly<Record<string, string>> = {
  psi: 'PSI',
  chi_square: 'Chi-square statistic',
  ks: 'Kolmogorov–Smirnov statistic',
  ks_statistic: 'Kolmogorov–Smirnov statistic',
  wasserstein: 'Wasserstein distance',
  jensen_shannon: 'Jensen–Shannon distance',
  js_distance: 'Jensen–Shannon distance',
};

export function driftKindLabel(kind: string): string {
  return Object.hasOwn(KIND_LABELS, kind) ? (KIND_LABELS[kind] as string) : kind;
}

interface ScoreRow {
  readonly label: string;
  readonly feature: string;
  readonly version: string;
  readonly score: number;
  readonly severity: DriftSeverity | typeof UNRATED;
  readonly p_value: string;
}

/** Severity colours for the severities present only, so the legend lists what the chart shows. */
function severityColor(present: ReadonlySet<string>) {
  const domain: string[] = [];
  const range: string[] = [];
  DRIFT_SEVERITY_ORDER.forEach((severity, i) => {
    if (!present.has(severity)) return;
    domain.push(severity);
    range.push(DRIFT_SEVERITY_COLORS[i] as string);
  });
  if (present.has(UNRATED)) {
    domain.push(UNRATED);
    range.push(UNRATED_COLOR);
  }
  return { field: 'severity', type: 'nominal', title: 'Severity', scale: { domain, range } } as const;
}

function kindPanel(kind: string, rows: readonly ScoreRow[], thresholds: readonly DriftThreshold[], width: ChartWidth, severities: ReadonlySet<string>): ViewSpec {
  const label = driftKindLabel(kind);
  const x = { field: 'score', type: 'quantitative', title: label } as const;
  const layer: LayerChild[] = [
    {
      data: { values: [...rows] },
      mark: { type: 'bar', height: { band: 0.8 } },
      encoding: {
        y: { field: 'label', type: 'nominal', title: null, sort: { field: 'score', op: 'max', order: 'descending' }, axis: { labelLimit: 200 } },
        x,
        color: severityColor(severities),
        tooltip: tooltipColumns(
          [
            { field: 'feature', type: 'nominal', title: 'Feature' },
            { field: 'version', type: 'nominal', title: 'Model version' },
            { field: 'score', type: 'quantitative', title: label, format: '.4~f' },
            { field: 'severity', type: 'nominal', title: 'Severity' },
            { field: 'p_value', type: 'nominal', title: 'p-value' },
          ] as const,
          rows,
        ),
      },
    },
  ];
  if (thresholds.length > 0) {
    layer.push({
      data: { values: thresholds.map((t) => ({ score: t.value, severity: t.severity, text: `${t.severity} from ${formatFixed(t.value)}` })) },
      mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
      encoding: {
        x,
        color: severityColor(severities),
        tooltip: [{ field: 'text', type: 'nominal', title: 'Threshold' }],
      },
    });
  }
  // A height in pixels rather than {step}: Vega-Lite drops fit-y with a warning for a step
  // height beside a container width.
  return { width, height: STEP * rows.length, layer };
}

/** Drift scores of features, one panel per test, each sorted by score. */
export function driftScoresChart(input: DriftScoresInput, options?: ChartOptions): ChartSpec {
  const title = options?.title ?? DRIFT_TITLE;
  const scored = input.scores.filter((s) => s.score !== null && Number.isFinite(s.score));
  if (scored.length === 0) return noDataChart(title, NO_DATA, options);
  const width = chartWidth(options);
  const several = new Set(scored.map((s) => s.model_version ?? null)).size > 1;
  const kinds: string[] = [];
  for (const s of scored) if (!kinds.includes(s.kind)) kinds.push(s.kind);
  const thresholds = (input.thresholds ?? []).filter((t) => kinds.includes(t.kind) && Number.isFinite(t.value));
  const severities = new Set<string>([...scored.map((s) => s.severity ?? UNRATED), ...thresholds.map((t) => t.severity)]);
  const panels = kinds.map((kind) => {
    const seen = new Set<string>();
    const rows = scored
      .filter((s) => s.kind === kind)
      .map((s): ScoreRow => {
        const version = s.model_version ?? '';
        const label = several && version !== '' ? `${s.feature} (${version})` : s.feature;
        if (seen.has(label)) throw new RangeError(`feature ${JSON.stringify(label)} has more than one ${kind} score`);
        seen.add(label);
        return {
          label,
          feature: s.feature,
          version,
          score: s.score as number,
          severity: s.severity ?? UNRATED,
          p_value: s.p_value === undefined || s.p_value === null ? '' : s.p_value < 1e-4 ? '< 0.0001' : formatFixed(s.p_value, 4),
        };
      });
    return kindPanel(kind, rows, thresholds.filter((t) => t.kind === kind), width, severities);
  });

  const unscored = [...new Set(input.scores.filter((s) => !(s.score !== null && Number.isFinite(s.score))).map((s) => s.feature))];
  const subtitle = unscored.length === 0 ? [] : [`${UNSCORED} ${formatCount(unscored.length)} feature${unscored.length === 1 ? '' : 's'}: ${listNames(unscored)}.`];
  const description = `${title}: ${formatCount(scored.length)} drift scores by feature, sorted by score.`;
  const top = topLevel(width, title, subtitle, description);
  const [only] = panels;
  if (panels.length === 1 && only !== undefined) return { ...top, ...only } as ChartSpec;
  return { ...top, spacing: 16, vconcat: panels, resolve: { scale: { x: 'independent', y: 'independent', color: 'shared' } } };
}

/** A feature's drift as the chart scores it: PSI or Jensen–Shannon distance, with the KS or chi-square p-value. */
export function driftScoreOf(result: FeatureDrift, modelVersion?: string | null): DriftScore {
  const scored = driftScore(result);
  return {
    feature: result.feature_name,
    kind: scored?.statistic ?? (result.kind === 'numeric' ? 'psi' : 'js_distance'),
    score: scored?.score ?? null,
    severity: result.status === 'ok' ? result.severity : null,
    p_value: result.kind === 'numeric' ? result.ks_p_value : result.chi_square_p_value,
    ...(modelVersion === undefined ? {} : { model_version: modelVersion }),
  };
}

/** The thresholds drift is judged by (PSI warning and drift, Jensen–Shannon drift), as rules across the bars. */
export function driftThresholds(options: Pick<DriftOptions, 'psiWarning' | 'psiDrift' | 'jsDrift'> = {}): DriftThreshold[] {
  const o = { ...DEFAULT_DRIFT_OPTIONS, ...options };
  return [
    { kind: 'psi', value: o.psiWarning, severity: 'warning' },
    { kind: 'psi', value: o.psiDrift, severity: 'drift' },
    { kind: 'js_distance', value: o.jsDrift, severity: 'drift' },
  ];
}
