import * as vscode from 'vscode';
import { snoozeSilences } from '../core/alerting/snooze';
import { describeError } from '../core/errors';
import type { AlertSeverity } from '../core/model/alert';
import { acknowledgerName } from '../core/platform/acknowledger';
import type { AlertKey, StoredAlert } from '../core/store/store';
import { acknowledge } from './acknowledge';
import type { OpenSource, SourceManager } from './sourceManager';

export type NotificationLevel = 'critical' | 'warning' | 'off';

const WATCHED: Readonly<Record<NotificationLevel, readonly AlertSeverity[]>> = {
  critical: ['critical'],
  warning: ['critical', 'warning'],
  off: [],
};

/** Open alerts read at each change: new ones are among the newest. */
const READ = 200;
/** Keys remembered as already seen; past this the memory starts again from the last read. */
const REMEMBERED = 5000;
/** At most one notification this often: alerts arriving meanwhile go into the next one. */
const QUIET_MS = 10_000;
const SNOOZE_SECONDS = 3600;

function level(): NotificationLevel {
  const value = vscode.workspace.getConfiguration('pitwall.notifications').get<string>('level', 'critical');
  return value === 'warning' || value === 'off' ? value : 'critical';
}

/** What the notification says: how many, of what, and the newest one's title. */
export function notificationText(alerts: readonly StoredAlert[], sourceName: string): string {
  const critical = alerts.filter((alert) => alert.severity === 'critical').length;
  const kind = critical === alerts.length ? 'critical ' : critical === 0 ? 'warning ' : '';
  const newest = alerts[0] as StoredAlert;
  const title = newest.title ?? newest.metric_name ?? newest.alert_id;
  const version = newest.model_version ? ` (${newest.model_version})` : '';
  const more = alerts.length > 1 ? ` and ${alerts.length - 1} more` : '';
  return `Pitwall: ${alerts.length} new ${kind}alert${alerts.length === 1 ? '' : 's'} in ${sourceName}: "${title}"${version}${more}.`;
}

/**
 * Tells the user when new critical (or, by `pitwall.notifications.level`, warning) alerts appear
 * in the open source, whether the service appended them or an evaluation fired them: one
 * notification for each batch, never one per alert, with Show, Acknowledge and Snooze 1 h.
 * What is open when a source opens is not news: only alerts that appear after are told.
 */
export class AlertNotifier implements vscode.Disposable {
  private state: { path: string; seen: Set<AlertKey>; floor: number } | null = null;
  private readonly subscription: vscode.Disposable;
  /** New alerts waiting for the quiet time to pass, newest first. */
  private waiting: StoredAlert[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastShown = 0;
  /** The alerts of the notifications shown (tests read it). */
  readonly shown: StoredAlert[][] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly sources: SourceManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = sources.onDidChange((source) => {
      this.queue = this.queue.then(() => this.check(source)).catch((error: unknown) => this.log.warn(`Looking for new alerts failed: ${describeError(error)}`));
    });
  }

  private async check(source: OpenSource | null): Promise<void> {
    if (source === null) {
      this.state = null;
      this.waiting = [];
      return;
    }
    const severities = WATCHED[level()];
    // Every severity is followed, whatever the level, so that changing the level tells only what appears after.
    const open = await source.store.readAlerts({ acknowledged: false, limit: READ });
    const floor = open.length === READ ? (open[open.length - 1] as StoredAlert).timestamp : -Infinity;
    const state = this.state;
    if (state === null || state.path !== source.path) {
      this.state = { path: source.path, seen: new Set(open.map((alert) => alert.key)), floor };
      return;
    }
    const fresh = open.filter((alert) => !state.seen.has(alert.key) && alert.timestamp >= state.floor);
    if (state.seen.size + open.length > REMEMBERED) state.seen = new Set();
    for (const alert of open) state.seen.add(alert.key);
    state.floor = Math.max(state.floor, floor);
    const told = fresh.filter((alert) => severities.includes(alert.severity));
    if (told.length === 0) return;
    this.waiting = [...told, ...this.waiting.filter((alert) => !told.some((other) => other.key === alert.key))];
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastShown + QUIET_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastShown = Date.now();
      const alerts = this.waiting.sort((a, b) => b.timestamp - a.timestamp);
      this.waiting = [];
      const source = this.sources.source;
      if (alerts.length > 0 && source !== null && source.path === this.state?.path) void this.notify(source, alerts);
    }, wait);
  }

  private async notify(source: OpenSource, alerts: readonly StoredAlert[]): Promise<void> {
    this.shown.push([...alerts]);
    const writable = source.readOnlyReason === null;
    const actions = writable ? ['Show', 'Acknowledge', 'Snooze 1 h'] : ['Show'];
    const text = notificationText(alerts, source.name);
    const show = alerts.some((alert) => alert.severity === 'critical') ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const choice = await show(text, ...actions);
    if (choice === 'Show') await vscode.commands.executeCommand('pitwall.alerts.focus');
    if (this.sources.source?.store !== source.store) return;
    if (choice === 'Acknowledge') await acknowledge(this.sources, this.log, alerts, null);
    if (choice === 'Snooze 1 h') await this.snooze(source, alerts);
  }

  private async snooze(source: OpenSource, alerts: readonly StoredAlert[]): Promise<void> {
    try {
      const by = acknowledgerName(vscode.workspace.getConfiguration('pitwall.user').get<string>('name'));
      const silences = await snoozeSilences(source.store, alerts, { seconds: SNOOZE_SECONDS, now: Date.now() / 1000, by });
      for (const silence of silences) await source.store.saveSilence(silence);
      this.log.info(`Snoozed ${alerts.length} alert(s) of ${source.name} for 1 h: ${silences.map((silence) => JSON.stringify(silence.matchers)).join(', ')}`);
      await this.sources.refresh(true);
      vscode.window.setStatusBarMessage(`$(bell-slash) Snoozed for 1 h: ${silences.length} silence${silences.length === 1 ? '' : 's'} added.`, 4000);
    } catch (error) {
      this.log.error(`Snoozing in ${source.path} failed: ${describeError(error)}`);
      void vscode.window.showErrorMessage(`Could not snooze: ${describeError(error)}`, 'Show Log').then((choice) => choice && this.log.show());
    }
  }

  dispose(): void {
    this.subscription.dispose();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
