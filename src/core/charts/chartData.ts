/**
 * The rows behind a chart as CSV, for the panels' "Data (CSV)" export and the CLI's --csv: the
 * aggregated rows only (one per window and version), never predictions.
 */
import type { FeatureDrift } from '../analytics/drift';
import type { VersionCalibration } from '../analytics/versionCalibration';
import type { WindowMetric, WindowMetricsRow } from '../analytics/windows';

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: a header row, then one record per row, CRLF line ends. */
export function formatCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const cell = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? '' : String(value));

/** Windowed metrics as CSV: window bounds in ISO 8601 UTC, an empty cell where a metric has no value. */
export function toWindowsCsv(rows: readonly WindowMetricsRow[], metrics: readonly WindowMetric[]): string {
  const header = ['window_start', 'window_end', 'model_version', 'count', 'labelled', 'label_coverage', 'insufficient', ...metrics];
  return formatCsv(
    header,
    rows.map((row) => [iso(row.window_start), iso(row.window_end), row.group ?? '', String(row.count), String(row.labelled), cell(row.label_coverage), String(row.insufficient), ...metrics.map((metric) => cell(row[metric]))]),
  );
}

/**
 * Reliability bins as CSV: one record per version and bin, in the kernel's order (an empty
 * equal-width bin too, with empty cells where it has no value), the bin's Wilson interval, and
 * the version's ECE and MCE repeated on each of its records.
 */
export function toCalibrationCsv(versions: readonly VersionCalibration[]): string {
  const header = ['model_version', 'binning', 'bin', 'bin_lower', 'bin_upper', 'count', 'correct', 'mean_confidence', 'accuracy', 'accuracy_lower', 'accuracy_upper', 'ece', 'mce'];
  return formatCsv(
    header,
    versions.flatMap((version) =>
      version.bins.map((bin, index) => [
        version.modelVersion,
        version.binning,
        String(index + 1),
        cell(bin.lower),
        cell(bin.upper),
        String(bin.count),
        String(bin.correct),
        cell(bin.mean_confidence),
        cell(bin.accuracy),
        cell(bin.accuracy_interval?.lower),
        cell(bin.accuracy_interval?.upper),
        cell(version.ece),
        cell(version.mce),
      ]),
    ),
  );
}

/**
 * Drift scores as CSV: one record per feature in the order given, its headline score (PSI for a
 * numeric feature, JS distance for a categorical one) against its threshold, its test (KS or
 * chi-square) and the values each range holds; an empty score with the reason when a range had too few.
 */
export function toDriftCsv(results: readonly FeatureDrift[]): string {
  const header = ['feature', 'kind', 'statistic', 'score', 'threshold', 'severity', 'drift_detected', 'test', 'test_statistic', 'p_value', 'baseline_count', 'current_count', 'reason'];
  return formatCsv(
    header,
    results.map((result) => {
      const numeric = result.kind === 'numeric';
      return [
        result.feature_name,
        result.kind,
        numeric ? 'psi' : 'js_distance',
        cell(numeric ? result.psi : result.js_distance),
        cell(result.threshold),
        result.status === 'ok' ? result.severity : '',
        String(result.drift_detected),
        numeric ? 'ks' : 'chi_square',
        cell(numeric ? result.ks_statistic : result.chi_square),
        cell(numeric ? result.ks_p_value : result.chi_square_p_value),
        String(result.baseline_stats.count),
        String(result.current_stats.count),
        result.reason ?? '',
      ];
    }),
  );
}
