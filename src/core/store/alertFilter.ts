/**
 * An alert filter as a predicate, for stores that hold their alerts in memory (a JSONL folder).
 * A database writes the same conditions as SQL (sqlite/queries.ts: alertWhere); both compare
 * text the same way, so a folder and its migrated database select the same alerts.
 */
import type { AlertFilter, AlertScope, StoredAlert } from './store';

/** Lower-cases ASCII letters only, as SQLite's lower() does. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/** The message suffixes by which the engine names a segment: `… for circuit=A` or `… for v1, circuit=A`. */
export function segmentSuffixes(segment: string): [string, string] {
  return [` for ${segment}`, `, ${segment}`];
}

export function scopeMatches(scope: AlertScope, alert: StoredAlert): boolean {
  return (
    (scope.metric_name === undefined || scope.metric_name === alert.metric_name) &&
    (scope.threshold === undefined || scope.threshold === alert.threshold) &&
    (scope.severity === undefined || scope.severity === alert.severity) &&
    (scope.component === undefined || scope.component === alert.component) &&
    (scope.model_version === undefined || scope.model_version === alert.model_version) &&
    (scope.segment === undefined || segmentSuffixes(scope.segment).some((suffix) => (alert.message ?? '').endsWith(suffix)))
  );
}

export function alertMatcher(filter: AlertFilter): (alert: StoredAlert) => boolean {
  const severities = filter.severity === undefined ? undefined : new Set(typeof filter.severity === 'string' ? [filter.severity] : filter.severity);
  const text = filter.text === undefined || filter.text === '' ? undefined : asciiLower(filter.text);
  const conditions = filter.scopes ?? [];
  return (alert) =>
    (severities === undefined || severities.has(alert.severity)) &&
    (filter.acknowledged === undefined || alert.acknowledged === filter.acknowledged) &&
    (filter.modelVersion === undefined || alert.model_version === filter.modelVersion) &&
    (filter.alertId === undefined || alert.alert_id === filter.alertId) &&
    (filter.component === undefined || alert.component === filter.component) &&
    (text === undefined || [alert.title, alert.message, alert.alert_id].some((field) => field !== null && asciiLower(field).includes(text))) &&
    conditions.every((condition) => condition.scopes.some((scope) => scopeMatches(scope, alert)) === (condition.match === 'any'));
}
