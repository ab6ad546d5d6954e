/**
 * AlertingSystem: the seed's API over any Store, with its defects fixed — cooldowns persist in
 * the rule's `last_triggered` (a restart never re-fires inside a cooldown), alert ids never
 * collide, adding a rule is atomic and refuses a duplicate id, and acknowledging touches only
 * the alerts named, whatever the size of the store.
 */
import { PitwallError } from './errors';
import { messages } from './messages';
import { ALERT_SEVERITIES, type AlertSeverity } from './model/alert';
import { AlertRuleSchema, COMPARE, type AlertRule } from './model/alertRule';
import type { Store, StoredAlert } from './store/store';
import { systemClock, type Clock } from './tracker';

export type AlertCallback = (alert: StoredAlert, rule: AlertRule | null) => void | Promise<void>;

/** Callbacks registered under this name run for every alert, whatever its rule's channels. */
export const ALL_CHANNELS = '*';


export interface AlertStatistics {
  total: number;
  acknowledged: number;
  unacknowledged: number;
  by_severity: Record<AlertSeverity, number>;
  by_component: Record<string, number>;
}

export interface CallbackFailure {
  channel: string;
  alert: StoredAlert;
  error: unknown;
}

/** Whether a rule would fire for a value now, and why not when it would not. */
export type RuleVerdict =
  | { fires: true }
  | { fires: false; reason: 'disabled' | 'cooldown' | 'condition' | 'comparison' | 'not-finite' };

export function judgeRule(rule: AlertRule, metricValue: number, now: number): RuleVerdict {
  if (!rule.enabled) return { fires: false, reason: 'disabled' };
  if (!Number.isFinite(metricValue)) return { fires: false, reason: 'not-finite' };
  if (rule.last_triggered !== null && now - rule.last_triggered < rule.cooldown_minutes * 60) return { fires: false, reason: 'cooldown' };
  const compare = COMPARE[rule.comparison];
  if (!compare || !compare(metricValue, rule.threshold)) return { fires: false, reason: 'comparison' };
  const { min_value: min, max_value: max } = rule.conditions;
  if ((min !== undefined && min !== null && metricValue < min) || (max !== undefined && max !== null && metricValue > max)) {
    return { fires: false, reason: 'condition' };
  }
  return { fires: true };
}

function formatValue(value: number): string {
  return value.toFixed(4);
}

export class AlertingSystem {
  private readonly callbacks = new Map<string, AlertCallback[]>();
  /** Failures of callbacks, kept so that a failing callback is visible without blocking anything. */
  readonly callbackFailures: CallbackFailure[] = [];

  constructor(
    readonly store: Store,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Records a new alert; the store gives it an id that no other alert has. */
  async createAlert(
    severity: AlertSeverity,
    title: string,
    message: string,
    metricName: string,
    metricValue: number,
    threshold: number,
    component: string,
    modelVersion: string | null,
  ): Promise<StoredAlert> {
    const alert = await this.store.appendAlert({
      timestamp: this.clock(),
      severity,
      title,
      message,
      metric_name: metricName,
      metric_value: metricValue,
      threshold,
      component,
      model_version: modelVersion,
      acknowledged: false,
      acknowledged_at: null,
      acknowledged_by: null,
    });
    await this.trigger(alert, null, []);
    return alert;
  }

  /**
   * Evaluates a rule against a metric value. The rule's cooldown is read from the store (it may
   * have fired in another process or before a restart) and written back when the rule fires.
   */
  async evaluateRule(rule: AlertRule, metricValue: number, modelVersion: string | null): Promise<StoredAlert | null> {
    const now = this.clock();
    await this.store.refresh();
    const stored = (await this.store.readRules()).find((candidate) => candidate.rule_id === rule.rule_id);
    const current: AlertRule = { ...rule, last_triggered: latest(rule.last_triggered, stored?.last_triggered ?? null) };
    if (!judgeRule(current, metricValue, now).fires) return null;
    const alert = await this.store.appendAlert({
      timestamp: now,
      severity: rule.severity,
      title: `${rule.component.toUpperCase()}: ${rule.metric_name} Alert`,
      message: `${rule.metric_name} is ${formatValue(metricValue)} (${rule.comparison} ${formatValue(rule.threshold)})`,
      metric_name: rule.metric_name,
      metric_value: metricValue,
      threshold: rule.threshold,
      component: rule.component,
      model_version: modelVersion,
      acknowledged: false,
      acknowledged_at: null,
      acknowledged_by: null,
    });
    if (stored) await this.store.markRuleTriggered(rule.rule_id, now);
    await this.trigger(alert, rule, rule.channels);
    return alert;
  }

  /** Adds a rule atomically; a rule_id that exists already is refused and nothing is written. */
  async addRule(rule: AlertRule): Promise<AlertRule> {
    const parsed = AlertRuleSchema.safeParse(rule);
    if (!parsed.success) {
      const details = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`).join('; ');
      throw new PitwallError('input', messages.invalidRecord('alert rule', details));
    }
    await this.store.refresh();
    if ((await this.store.readRules()).some((existing) => existing.rule_id === parsed.data.rule_id)) {
      throw new PitwallError('conflict', messages.duplicateRule(parsed.data.rule_id));
    }
    await this.store.saveRule(parsed.data);
    return parsed.data;
  }

  /** The newest `limit` alerts, optionally of one severity. */
  getAlerts(limit = 100, severity: AlertSeverity | null = null): Promise<readonly StoredAlert[]> {
    return this.store.readAlerts({ limit, ...(severity === null ? {} : { severity }) });
  }

  /**
   * Acknowledges the alert(s) with this alert_id — any of them, however old and however many
   * alerts the store holds — and nothing else. False when no alert has that id.
   */
  async acknowledgeAlert(alertId: string, acknowledgedBy: string | null = null): Promise<boolean> {
    await this.store.refresh();
    const matches = await this.store.readAlerts({ alertId });
    if (matches.length === 0) return false;
    const open = matches.filter((alert) => !alert.acknowledged).map((alert) => alert.key);
    if (open.length > 0) await this.store.acknowledgeAlerts(open, acknowledgedBy, this.clock());
    return true;
  }

  async getAlertStatistics(): Promise<AlertStatistics> {
    const alerts = await this.store.readAlerts({});
    const bySeverity = Object.fromEntries(ALERT_SEVERITIES.map((severity) => [severity, 0])) as Record<AlertSeverity, number>;
    const byComponent: Record<string, number> = Object.create(null) as Record<string, number>;
    let acknowledged = 0;
    for (const alert of alerts) {
      bySeverity[alert.severity] += 1;
      const component = alert.component ?? 'unknown';
      byComponent[component] = (byComponent[component] ?? 0) + 1;
      if (alert.acknowledged) acknowledged++;
    }
    return { total: alerts.length, acknowledged, unacknowledged: alerts.length - acknowledged, by_severity: bySeverity, by_component: byComponent };
  }

  /** Runs `callback` for alerts delivered to `channel` (a rule channel such as `slack`), or to every alert with `*`. */
  registerCallback(channel: string, callback: AlertCallback): void {
    const list = this.callbacks.get(channel) ?? [];
    list.push(callback);
    this.callbacks.set(channel, list);
  }

  /** A failing callback is recorded and never stops the others, nor loses the alert (already stored). */
  private async trigger(alert: StoredAlert, rule: AlertRule | null, channels: readonly string[]): Promise<void> {
    for (const channel of [ALL_CHANNELS, ...channels]) {
      for (const callback of this.callbacks.get(channel) ?? []) {
        try {
          await callback(alert, rule);
        } catch (error) {
          this.callbackFailures.push({ channel, alert, error });
        }
      }
    }
  }
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

