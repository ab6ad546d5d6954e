/**
 * Label-free estimates over time: estimated (dashed) and realized (solid) accuracy and F1 per
 * window and version, on the trend chart, with label coverage below. Drawn by `pitwall estimate
 * --vega` and the HTML report.
 */
import type { EstimateReport } from '../analytics/estimateWindows';
import type { ChartOptions, ChartSpec } from './theme';
import { trendChart, type TrendPoint } from './trendChart';

export const ESTIMATE_TITLE = 'Estimated and realized performance';

/** Estimated (dashed) and realized (solid) accuracy and F1 per window and version. */
export function estimateChart(report: EstimateReport, options: ChartOptions = {}): ChartSpec {
  const points: TrendPoint[] = [];
  for (const w of report.windows) {
    const base = { window_start: w.window_start, window_end: w.window_end, model_version: w.model_version, count: w.count, labelled: w.labelled };
    for (const metric of ['accuracy', 'f1'] as const) {
      if (w.estimated !== null) {
        const band = w.estimated.interval[metric];
        points.push({ ...base, metric, value: w.estimated[metric], source: 'estimated', ...(band ? { lower: band.lower, upper: band.upper } : {}) });
      }
      if (w.realized !== null) points.push({ ...base, metric, value: w.realized[metric], source: 'realized' });
    }
  }
  return trendChart(
    { points, coverage: report.windows.map((w) => ({ window_start: w.window_start, window_end: w.window_end, model_version: w.model_version, label_coverage: w.count === 0 ? 0 : w.labelled / w.count, labelled: w.labelled, count: w.count })), metrics: ['accuracy', 'f1'] },
    { title: ESTIMATE_TITLE, ...options },
  );
}
