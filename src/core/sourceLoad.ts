/**
 * Opening a source in the order a person looks at it: the alerts (groups with counts, a page of
 * the most severe group) and the rules first, from what the store reads cheaply; then the counts
 * that need the predictions (volume and label coverage per model version), which a large source
 * takes longer to read. The editor shows the first as soon as it has it and the second when it
 * arrives; the alert list is read a page at a time, never whole.
 */
import { ALERT_SEVERITIES, type AlertSeverity } from './model/alert';
import type { AlertRule } from './model/alertRule';
import type { StoreDescription, StoredAlert, StoreReader } from './store/store';

/** Alerts read at a time for a group of the Alerts view. */
export const ALERT_PAGE = 200;

export interface AlertGroup {
  readonly severity: AlertSeverity;
  readonly total: number;
  readonly open: number;
}

export interface FirstScreen {
  readonly description: StoreDescription;
  /** Severities that have alerts, most severe first. */
  readonly groups: readonly AlertGroup[];
  /** The first page of the most severe group (open alerts first, newest first). */
  readonly firstPage: readonly StoredAlert[];
  readonly rules: readonly AlertRule[];
  readonly alerts: number;
  readonly unacknowledgedAlerts: number;
}

export interface VersionCounts {
  readonly modelVersion: string;
  readonly predictions: number;
  readonly labelled: number;
  readonly openAlerts: number;
}

export interface PredictionCounts {
  readonly predictions: number;
  readonly labelled: number;
  readonly versions: readonly VersionCounts[];
}

/** The alert groups by severity, most severe first, with their totals and open alerts. */
export async function readAlertGroups(store: StoreReader): Promise<AlertGroup[]> {
  if (store.countAlertsBySeverity !== undefined) {
    const counted = await store.countAlertsBySeverity();
    return ALERT_SEVERITIES.slice()
      .reverse()
      .flatMap((severity) => counted.filter((group) => group.severity === severity && group.total > 0).map((group) => ({ ...group })));
  }
  const groups: AlertGroup[] = [];
  for (const severity of ALERT_SEVERITIES.slice().reverse()) {
    const total = await store.countAlerts({ severity });
    if (total > 0) groups.push({ severity, total, open: await store.countAlerts({ severity, acknowledged: false }) });
  }
  return groups;
}

/**
 * Alerts `offset` to `offset + limit` of a severity group in the Alerts view's order: open alerts
 * newest first, then acknowledged ones newest first. `open` is the group's count of open alerts.
 */
export async function readAlertGroupPage(store: StoreReader, severity: AlertSeverity, open: number, offset: number, limit: number): Promise<StoredAlert[]> {
  const page: StoredAlert[] = [];
  if (offset < open) page.push(...(await store.readAlerts({ severity, acknowledged: false, offset, limit: Math.min(limit, open - offset) })));
  const rest = limit - page.length;
  if (rest > 0) page.push(...(await store.readAlerts({ severity, acknowledged: true, offset: Math.max(0, offset - open), limit: rest })));
  return page;
}

/** What the editor shows first: no question here reads the predictions. */
export async function loadFirstScreen(store: StoreReader, pageSize = ALERT_PAGE): Promise<FirstScreen> {
  const description = await store.describe();
  const groups = await readAlertGroups(store);
  const top = groups[0];
  const firstPage = top === undefined ? [] : await readAlertGroupPage(store, top.severity, top.open, 0, pageSize);
  const rules = await store.readRules();
  return {
    description,
    groups,
    firstPage,
    rules,
    alerts: groups.reduce((sum, group) => sum + group.total, 0),
    unacknowledgedAlerts: groups.reduce((sum, group) => sum + group.open, 0),
  };
}

/** The counts that need the predictions: in all, and per model version with its open alerts. */
export async function loadPredictionCounts(store: StoreReader): Promise<PredictionCounts> {
  const predictions = await store.countPredictions();
  const labelled = await store.countPredictions({ hasOutcome: true });
  const versions: VersionCounts[] = [];
  for (const modelVersion of await store.readModelVersions()) {
    versions.push({
      modelVersion,
      predictions: await store.countPredictions({ modelVersion }),
      labelled: await store.countPredictions({ modelVersion, hasOutcome: true }),
      openAlerts: await store.countAlerts({ modelVersion, acknowledged: false }),
    });
  }
  return { predictions, labelled, versions };
}
