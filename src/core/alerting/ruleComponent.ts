/** The component (part of the system) an alert of a rule on this metric is about. */
import { canonicalMetricName } from '../analytics/metricNames';

const CALIBRATION = new Set(['ece', 'mce', 'ece_mass', 'mce_mass', 'brier', 'log_loss']);

export function componentOf(metric: string): string {
  const name = canonicalMetricName(metric) ?? metric;
  if (name === 'count') return 'traffic';
  if (CALIBRATION.has(name)) return 'calibration';
  if (name.includes('confidence')) return 'confidence';
  return 'performance';
}
