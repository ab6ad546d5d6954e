import * as vscode from 'vscode';
import { z } from 'zod';
import { alertState, readAlertViewContext } from '../../core/alertGroups';
import { readAlertWhy } from '../../core/alerting/alertContext';
import { readAlertDetails } from '../../core/alerting/alertDetails';
import { snoozeSilences } from '../../core/alerting/snooze';
import { whyLines } from '../../core/alerting/whyText';
import { canonicalMetricName } from '../../core/analytics/metricNames';
import { WINDOW_METRICS, type WindowMetric, type WindowMetricsRow } from '../../core/analytics/windows';
import { formatWindow } from '../../core/charts/boundedWindow';
import { toWindowsCsv } from '../../core/charts/chartData';
import { metricLabel } from '../../core/charts/theme';
import { metricAlerts } from '../../core/charts/trendOverlays';
import { trendChart, trendInputFromWindows } from '../../core/charts/trendChart';
import { describeError } from '../../core/errors';
import { acknowledgerName } from '../../core/platform/acknowledger';
import type { StoredAlert } from '../../core/store/store';
import { ALERT_ACTIONS, type AlertAction, type AlertDetailsHostMessage, type AlertDetailsKeys, type AlertDetailsViewMessage } from '../../shared/alertDetailsMessages';
import { acknowledge } from '../acknowledge';
import { formatAlertTime } from '../alertsTreeDataProvider';
import type { OpenSource, SourceManager } from '../sourceManager';
import { AlertDetailsKeysSchema } from './alertDetailsSchema';
import { ChartPanel } from './chartPanel';
import type { Sessions } from './trendPanel';

/** What names the alert a panel shows: enough to read it again from the source (a restored panel has no more). */
type AlertSubject = Pick<StoredAlert, 'key' | 'alert_id' | 'title'>;

/** Panels restored from a state that does not read: each gets a key of its own. */
let unreadable = 0;

const ViewMessageSchema: z.ZodType<AlertDetailsViewMessage> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('action'), action: z.enum(ALERT_ACTIONS) }),
  z.object({ type: z.literal('rendered'), points: z.number().int().nonnegative() }),
  z.object({ type: z.literal('failed'), message: z.string().max(2000) }),
]);

/** Windows of the metric drawn before the alert, and after it; the window lengths tried, shortest first. */
const BEFORE = 24;
const AFTER = 6;
const WINDOWS = [3600, 6 * 3600, 86_400] as const;

/** The window metric an alert's metric name is, when the kernel windows it (`expected_calibration_error` is `ece`). */
function windowMetricOf(name: string | null): WindowMetric | null {
  if (name === null) return null;
  const canonical = canonicalMetricName(name) ?? name;
  return (WINDOW_METRICS as readonly string[]).includes(canonical) ? (canonical as WindowMetric) : null;
}

const PREVIEW_KEY = 'alert:preview';

function previewTitle(alert: AlertSubject): string {
  return `Alert (preview): ${alert.title ?? alert.alert_id}`;
}

export interface AlertDetailsDeps {
  readonly sources: SourceManager;
  readonly sessions: Sessions;
  readonly log: vscode.LogOutputChannel;
  /** Shows the rule in the Rules view. */
  readonly revealRule: (ruleId: string) => Promise<void>;
}

/**
 * Alert Details: one alert's state, severity, rule, version, time, acknowledgment and comment, its
 * deliveries per channel, the metric around its time against the threshold, why it fired (recorded
 * when Pitwall fired it, else computed now), and the actions on it.
 */
export class AlertDetailsPanel extends ChartPanel<AlertDetailsHostMessage, AlertDetailsViewMessage> {
  static readonly viewType = 'pitwall.alertDetails';
  private readonly subscription: vscode.Disposable;
  /** Points the webview last drew (integration tests read it). */
  renderedPoints: number | null = null;
  private shown: StoredAlert | null = null;
  /** The metric around the alert as charted now, for the CSV and JSON exports. */
  private charted: { rows: readonly WindowMetricsRow[]; metric: WindowMetric; spec: Record<string, unknown> } | null = null;

  static show(extensionUri: vscode.Uri, deps: AlertDetailsDeps, alert: StoredAlert): AlertDetailsPanel {
    const key = `alert:${alert.key}`;
    if (ChartPanel.reveal(key)) return ChartPanel.find(key) as unknown as AlertDetailsPanel;
    return new AlertDetailsPanel(key, extensionUri, deps, alert);
  }

  /**
   * A click on an alert's row: its details in one preview panel that the next click reuses (as the
   * Explorer previews a file), opened beside the view without taking the keyboard from it. An alert
   * that has its own panel (Show Details) is revealed there instead.
   */
  static preview(extensionUri: vscode.Uri, deps: AlertDetailsDeps, alert: StoredAlert): AlertDetailsPanel {
    const own = `alert:${alert.key}`;
    if (ChartPanel.reveal(own, true)) return ChartPanel.find(own) as unknown as AlertDetailsPanel;
    const existing = ChartPanel.find(PREVIEW_KEY) as unknown as AlertDetailsPanel | undefined;
    if (existing === undefined) return new AlertDetailsPanel(PREVIEW_KEY, extensionUri, deps, alert, true);
    ChartPanel.reveal(PREVIEW_KEY, true);
    if (existing.alert?.key !== alert.key) {
      existing.alert = alert;
      existing.alertSource = deps.sources.source?.path ?? null;
      existing.panel.title = previewTitle(alert);
      void existing.update();
    }
    return existing;
  }

  private constructor(
    key: string,
    extensionUri: vscode.Uri,
    private readonly deps: AlertDetailsDeps,
    /** Null for a panel restored from a state that does not read: it says so, and shows no alert. */
    private alert: AlertSubject | null,
    private readonly preview = false,
    /** The path of the source the alert was shown from. */
    private alertSource: string | null = deps.sources.source?.path ?? null,
    restored?: vscode.WebviewPanel,
  ) {
    // A restored panel keeps the title VS Code kept for it.
    const title = restored?.title ?? (alert === null ? 'Alert' : preview ? previewTitle(alert) : `Alert: ${alert.title ?? alert.alert_id}`);
    super(key, AlertDetailsPanel.viewType, title, extensionUri, 'alertDetailsView.js', ViewMessageSchema, deps.log, restored, preview);
    this.subscription = deps.sessions.onDidChange(() => void this.update());
  }

  /** The alert the panel shows (tests read it). */
  get shownAlertKey(): string | null {
    return this.alert?.key ?? null;
  }

  protected onReady(): Promise<void> {
    return this.update();
  }

  protected async onMessage(message: AlertDetailsViewMessage): Promise<void> {
    if (message.type === 'rendered') this.renderedPoints = message.points;
    else if (message.type === 'action') await this.act(message.action);
  }

  /** Reads the alert again (it may have been acknowledged since) and posts everything the panel shows. */
  async update(): Promise<void> {
    this.charted = null;
    const subject = this.alert;
    if (subject === null) {
      this.post({ type: 'empty', reason: 'not-found', message: 'This panel was saved by another version of Pitwall, or what it saved could not be read, so its alert is not known. Open the alert again from the Alerts view.', keys: null });
      return;
    }
    const keys: AlertDetailsKeys = { source: this.alertSource, alert: subject.key, alertId: subject.alert_id, preview: this.preview };
    await this.recompute(this.deps.sources.source, {
      noSource: () => ({ type: 'empty', reason: 'no-source', message: 'The source of this alert is closed. Open it again to see the alert.', keys }),
      busy: { type: 'busy' },
      compute: (source) => this.compute(source, subject, keys),
      failed: (message) => ({ type: 'empty', reason: 'not-found', message: `The alert could not be read: ${message}`, keys }),
    });
  }

  private async compute(source: OpenSource, subject: AlertSubject, keys: AlertDetailsKeys): Promise<AlertDetailsHostMessage> {
    const { store } = source;
    const alert = await store.readAlert(subject.key);
    if (alert === null || alert === undefined) {
      const from = this.alertSource !== null && this.alertSource !== source.path ? ` It was shown from ${this.alertSource}: open that source to see it.` : '';
      return { type: 'empty', reason: 'not-found', message: `${source.name} has no alert ${subject.key} (${subject.alert_id}): it may be another source's.${from}`, keys };
    }
    this.shown = alert;
    const now = Date.now() / 1000;
    const [details, context, deliveries] = await Promise.all([readAlertDetails(store, [alert]), readAlertViewContext(store, now), store.readDeliveries({ alert: subject.key })]);
    const detail = details.get(alert.key);
    const rules = await store.readRules();
    const rule = detail?.rule_id ? rules.find((each) => each.rule_id === detail.rule_id) : undefined;
    let why: { recordedAt: string | null; lines: string[] } | null = null;
    let whyProblem: string | null = null;
    try {
      const found = await readAlertWhy(store, alert);
      if (found !== null) why = { recordedAt: found.recorded_at === null ? null : formatAlertTime(found.recorded_at), lines: whyLines(found.why, 8) };
      if (found !== null && found.problems.length > 0) whyProblem = found.problems.join(' ');
    } catch (error) {
      whyProblem = `Why it fired could not be worked out: ${describeError(error)}`;
    }
    const chart = await this.chart(source, alert, rule?.rule_id ?? null);
    return {
      type: 'details',
      source: source.name,
      readOnly: source.readOnlyReason,
      alert: {
        key: alert.key,
        alertId: alert.alert_id,
        title: alert.title ?? alert.alert_id,
        message: alert.message ?? '',
        severity: alert.severity,
        state: alertState(alert, context),
        firedAt: formatAlertTime(alert.timestamp),
        metric: alert.metric_name,
        value: alert.metric_value,
        threshold: alert.threshold,
        component: alert.component,
        modelVersion: alert.model_version,
        acknowledgedBy: alert.acknowledged ? alert.acknowledged_by : null,
        acknowledgedAt: alert.acknowledged && alert.acknowledged_at !== null ? formatAlertTime(alert.acknowledged_at) : null,
        comment: detail?.comment ?? null,
        rule:
          rule === undefined
            ? null
            : { id: rule.rule_id, condition: `${rule.metric_name} ${rule.comparison} ${rule.threshold} · ${rule.severity}`, from: detail?.rule_from ?? 'rule-match' },
        deliveries: deliveries.records
          .filter((record) => record.alert === alert.key)
          .map((record) => ({ channel: record.channel, kind: record.kind, status: record.status, at: formatAlertTime(record.finished_at), error: record.error ?? null })),
      },
      why,
      whyProblem,
      ...chart,
      keys,
    };
  }

  protected override exportText(format: 'csv' | 'json'): string | null {
    if (this.charted === null) return null;
    return format === 'csv' ? toWindowsCsv(this.charted.rows, [this.charted.metric]) : `${JSON.stringify(this.charted.spec, null, 2)}\n`;
  }

  /**
   * The alert's metric around its time, for its version, with its threshold and the alert itself:
   * 24 windows before it and 6 after, of an hour, else 6 hours, else a day, the first length whose
   * windows mostly have enough labels for a value (a quiet model has few predictions an hour).
   */
  private async chart(source: OpenSource, alert: StoredAlert, ruleId: string | null): Promise<{ spec: Record<string, unknown> | null; chartNote: string | null; every: number | null }> {
    const metric = windowMetricOf(alert.metric_name);
    if (metric === null) return { spec: null, chartNote: `${alert.metric_name ?? 'This alert’s metric'} is not one the kernel computes per window: no chart.`, every: null };
    let chosen: { every: number; rows: WindowMetricsRow[] } | null = null;
    for (const every of WINDOWS) {
      const from = Math.floor(alert.timestamp / every) * every - BEFORE * every;
      const to = Math.ceil(alert.timestamp / every) * every + AFTER * every;
      const rows = (await this.deps.sessions.of(source).trend({ every, from, to, by: 'model_version', metrics: [metric] })).filter(
        (row) => alert.model_version === null || row.group === alert.model_version,
      );
      chosen = { every, rows };
      if (rows.filter((row) => row[metric] !== null && row[metric] !== undefined).length >= (BEFORE + AFTER) / 2) break;
    }
    const { every, rows } = chosen as { every: number; rows: WindowMetricsRow[] };
    const versions = [...new Set(rows.map((row) => row.group).filter((group): group is string => group !== null))];
    const thresholds =
      alert.threshold === null
        ? []
        : [{ metric, value: alert.threshold, rule_id: ruleId ?? 'threshold', comparison: '', severity: alert.severity, model_version: alert.model_version }];
    const spec = trendChart(
      { ...trendInputFromWindows(rows, [metric]), thresholds, alerts: metricAlerts([alert], metric, versions) },
      { title: `${metricLabel(metric)} per ${formatWindow(every)} window around the alert` },
    ) as unknown as Record<string, unknown>;
    const note = rows.every((row) => row[metric] === null || row[metric] === undefined) ? 'No window around the alert has enough labelled predictions for a value.' : null;
    this.charted = { rows, metric, spec };
    return { spec, chartNote: note, every };
  }

  private async act(action: AlertAction): Promise<void> {
    const { sources, log } = this.deps;
    const source = sources.source;
    const alert = this.shown;
    if (action === 'openSource') {
      await vscode.commands.executeCommand('pitwall.openSource');
      return;
    }
    if (source === null || alert === null) return;
    switch (action) {
      case 'acknowledge':
        await acknowledge(sources, log, [alert], null);
        break;
      case 'unacknowledge':
        if (source.readOnlyReason !== null) {
          void vscode.window.showWarningMessage(source.readOnlyReason);
          return;
        }
        await source.store.unacknowledgeAlerts([alert.key]);
        await sources.refresh(true);
        break;
      case 'snooze':
        await this.snooze(source, alert);
        break;
      case 'openRule': {
        const details = await readAlertDetails(source.store, [alert]);
        const ruleId = details.get(alert.key)?.rule_id;
        if (ruleId) await this.deps.revealRule(ruleId);
        else void vscode.window.showInformationMessage('No rule of the source is known to have raised this alert.');
        return;
      }
      case 'openTrend':
        await vscode.commands.executeCommand('pitwall.showTrend', { modelVersion: alert.model_version ?? undefined, metric: windowMetricOf(alert.metric_name) ?? undefined });
        return;
      case 'openNotebook':
        await vscode.commands.executeCommand('pitwall.openInNotebook', alert);
        return;
    }
    await this.update();
  }

  private async snooze(source: OpenSource, alert: StoredAlert): Promise<void> {
    if (source.readOnlyReason !== null) {
      void vscode.window.showWarningMessage(source.readOnlyReason);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      [
        { label: '1 hour', seconds: 3600 },
        { label: '4 hours', seconds: 4 * 3600 },
        { label: '24 hours', seconds: 24 * 3600 },
      ],
      { title: 'Snooze this alert’s rule and version for' },
    );
    if (picked === undefined) return;
    const now = Date.now() / 1000;
    const context = await readAlertViewContext(source.store, now);
    const by = acknowledgerName(vscode.workspace.getConfiguration('pitwall.user').get<string>('name'));
    const { silences } = snoozeSilences([alert], context, { seconds: picked.seconds, now, by, comment: `Snoozed for ${picked.label} from the alert’s details` });
    if (silences.length === 0) {
      void vscode.window.showWarningMessage('Cannot snooze: no single rule of the source has this alert’s metric, threshold, severity and component. Use "Silence from Alert…" in the Alerts view.');
      return;
    }
    try {
      for (const silence of silences) await source.store.saveSilence(silence);
      await this.deps.sources.refresh(true);
    } catch (error) {
      void vscode.window.showErrorMessage(`Could not snooze: ${describeError(error)}`);
    }
  }

  protected override onDispose(): void {
    this.subscription.dispose();
  }

  static register(context: vscode.ExtensionContext, deps: AlertDetailsDeps): vscode.Disposable[] {
    return [
      ChartPanel.registerSerializer(AlertDetailsPanel.viewType, AlertDetailsKeysSchema, (panel, keys) => {
        // The alert is read again from the open source by its key; the title is what VS Code kept.
        const subject = keys === null ? null : { key: keys.alert, alert_id: keys.alertId, title: null };
        const key = keys === null ? `alert:unreadable:${++unreadable}` : keys.preview ? PREVIEW_KEY : `alert:${keys.alert}`;
        new AlertDetailsPanel(key, context.extensionUri, deps, subject, keys?.preview ?? false, keys?.source ?? null, panel);
      }),
      vscode.commands.registerCommand('pitwall.showAlertDetails', async (given?: unknown, how?: unknown) => {
        const alert = await alertOf(deps.sources, given);
        if (alert === undefined) return undefined;
        const preview = typeof how === 'object' && how !== null && (how as { preview?: unknown }).preview === true;
        return preview ? AlertDetailsPanel.preview(context.extensionUri, deps, alert) : AlertDetailsPanel.show(context.extensionUri, deps, alert);
      }),
    ];
  }
}

/** The alert a command was given (an alert, a tree row holding one), or one the user picks among the newest. */
async function alertOf(sources: SourceManager, given: unknown): Promise<StoredAlert | undefined> {
  const held = typeof given === 'object' && given !== null && 'alert' in given ? (given as { alert: unknown }).alert : given;
  if (typeof held === 'object' && held !== null && typeof (held as { key?: unknown }).key === 'string' && typeof (held as { alert_id?: unknown }).alert_id === 'string') return held as StoredAlert;
  const source = sources.source;
  if (source === null) {
    const choice = await vscode.window.showInformationMessage('Open a monitoring source to see the details of its alerts.', 'Open Monitoring Source…');
    if (choice) await vscode.commands.executeCommand('pitwall.openSource');
    return undefined;
  }
  const newest = await source.store.readAlerts({ limit: 200 });
  if (newest.length === 0) {
    void vscode.window.showInformationMessage(`${source.name} has no alerts.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    newest.map((alert) => ({ label: alert.title ?? alert.alert_id, description: [alert.severity, alert.model_version, formatAlertTime(alert.timestamp)].filter(Boolean).join(' · '), detail: alert.message ?? undefined, alert })),
    { title: 'Pitwall: Show Alert Details', placeHolder: 'The newest alerts: pick one', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.alert;
}
