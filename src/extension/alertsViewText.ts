/** The words of the Alerts view: group labels and the filter as its message says it. */
import type { AlertGrouping, AlertViewFilter } from '../core/alertGroups';
import { formatAlertTime } from './alertsTreeDataProvider';

export const GROUPING_LABELS: Readonly<Record<AlertGrouping, string>> = {
  severity: 'Severity',
  modelVersion: 'Model Version',
  rule: 'Rule',
  component: 'Component',
  state: 'State',
};

/** A group's label: the severity or state title-cased, a version, rule or component as written; "(none)" for the group of alerts without one. */
export function groupLabel(grouping: AlertGrouping, key: string | null): string {
  if (key === null) return '(none)';
  if (grouping === 'severity' || grouping === 'state') return key.charAt(0).toUpperCase() + key.slice(1);
  return key;
}

/** Time ranges the filter offers, in seconds before now. */
export const RECENT_RANGES: readonly { readonly label: string; readonly seconds: number }[] = [
  { label: 'last hour', seconds: 3600 },
  { label: 'last 24 hours', seconds: 86_400 },
  { label: 'last 7 days', seconds: 7 * 86_400 },
  { label: 'last 30 days', seconds: 30 * 86_400 },
];

function rangeText(filter: AlertViewFilter): string {
  if (filter.from === undefined && filter.to === undefined) return '';
  if (filter.from !== undefined && filter.to === undefined) return `since ${formatAlertTime(filter.from)}`;
  if (filter.from === undefined && filter.to !== undefined) return `before ${formatAlertTime(filter.to)}`;
  return `${formatAlertTime(filter.from as number)} – ${formatAlertTime(filter.to as number)}`;
}

/** `Filtered: "text" · critical, warning · open · v1.1 · since …`; undefined when nothing is filtered. */
export function describeAlertFilter(filter: AlertViewFilter): string | undefined {
  const parts = [
    filter.text !== undefined && filter.text !== '' ? `"${filter.text}"` : '',
    filter.severities !== undefined ? filter.severities.join(', ') : '',
    filter.state ?? '',
    filter.modelVersion === undefined ? '' : filter.modelVersion === null ? 'no model version' : filter.modelVersion,
    rangeText(filter),
  ].filter(Boolean);
  return parts.length === 0 ? undefined : `Filtered: ${parts.join(' · ')}`;
}
