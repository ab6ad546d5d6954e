/**
 * The chart a PQL result draws, one place for the CLI's `--vega`, the notebook kernel's outputs and
 * the HTML report: windows as a trend, calibration as a reliability diagram, drift as ranked scores.
 */
import type { DriftSeverity } from '../analytics/drift';
import { DEFAULT_DRIFT_OPTIONS } from '../analytics/drift';
import type { IntervalReliabilityBin } from '../analytics/metrics';
import { WINDOW_METRICS, type WindowMetricsRow } from '../analytics/windows';
import { driftScoresChart } from '../charts/driftChart';
import { reliabilityChart } from '../charts/reliabilityChart';
import type { ChartSpec } from '../charts/theme';
import { trendChart, trendInputFromWindows } from '../charts/trendChart';
import type { QueryResult } from './run';

/** The chart of a result: windows as a trend, calibration as a reliability diagram, drift as ranked scores; null for a result that has none. */
export function chartOfResult(result: QueryResult): ChartSpec | null {
  const meta = result.meta ?? {};
  if (result.kind === 'windows') {
    const asked = (meta.metrics as readonly string[] | undefined) ?? [];
    return trendChart(trendInputFromWindows(result.rows as unknown as WindowMetricsRow[], WINDOW_METRICS.filter((metric) => asked.includes(metric))));
  }
  if (result.kind === 'calibration') {
    const name = typeof meta.model_version === 'string' ? meta.model_version : 'all versions';
    return reliabilityChart([{ name, ece: meta.ece as number | null, mce: meta.mce as number | null, labelled: meta.labelled as number, bins: result.rows as unknown as IntervalReliabilityBin[] }]);
  }
  if (result.kind === 'drift') {
    return driftScoresChart({
      scores: result.rows.map((row) => ({
        feature: row.feature as string,
        kind: row.statistic === 'js' ? 'js_distance' : 'psi',
        score: row.value as number | null,
        severity: row.status === 'ok' ? (row.severity as DriftSeverity) : null,
        p_value: row.p_value as number | null,
      })),
      thresholds: [
        { kind: 'psi', value: DEFAULT_DRIFT_OPTIONS.psiWarning, severity: 'warning' },
        { kind: 'psi', value: DEFAULT_DRIFT_OPTIONS.psiDrift, severity: 'drift' },
        { kind: 'js_distance', value: DEFAULT_DRIFT_OPTIONS.jsDrift, severity: 'drift' },
      ],
    });
  }
  return null;
}
