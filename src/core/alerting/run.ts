/**
 * One evaluation of a source's rules, shared by the CLI (evaluate, watch) and the editor:
 * alerts are recorded first (nothing is lost if a channel fails), the rules' cooldowns are
 * persisted, then each alert is delivered on its rule's channels unless a silence matches it
 * (the alert stays recorded either way).
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AlertRule } from '../model/alertRule';
import { silences, type Silence } from '../model/silence';
import type { Store, StoredAlert } from '../store/store';
import { deliver, type DeliveryReport } from './channels/delivery';
import { channelSettingsFromEnv, type ChannelSettings } from './channels/settings';
import type { AlertEngine, Firing, StepResult } from './engine';
import { columnsForRules, TimeIndex, type ScopeVerdict } from './evaluate';

export function formatValue(value: number | null): string {
  return value === null ? '—' : value.toFixed(4);
}

/** The alert a firing creates, in the seed's wording, with its scope when it has one. */
export function alertOf(firing: Firing): Parameters<Store['appendAlert']>[0] {
  const { rule, verdict, at } = firing;
  const scope = [verdict.model_version, verdict.segment].filter((part) => part !== null).join(', ');
  return {
    timestamp: at,
    severity: rule.severity,
    title: `${rule.component.toUpperCase()}: ${rule.metric_name} Alert`,
    message: `${rule.metric_name} is ${formatValue(verdict.value)} (${rule.comparison} ${formatValue(rule.threshold)})${scope === '' ? '' : ` for ${scope}`}`,
    metric_name: rule.metric_name,
    metric_value: verdict.value,
    threshold: rule.threshold,
    component: rule.component,
    model_version: verdict.model_version,
    acknowledged: false,
    acknowledged_at: null,
    acknowledged_by: null,
  };
}

/** What one evaluation did: alerts created, resolutions, and every delivery's report. */
export interface EvaluationOutcome {
  readonly result: StepResult;
  readonly created: StoredAlert[];
  readonly deliveries: { readonly alert: string; readonly rule_id: string; readonly kind: 'firing' | 'resolved'; readonly reports: DeliveryReport[] }[];
  readonly problems: string[];
}

/** Where the file channel appends: the variable's path, else alert_log.txt beside the data, as the Python system keeps it. */
export function channelSettings(source: string, env: NodeJS.ProcessEnv): ChannelSettings {
  const settings = channelSettingsFromEnv(env);
  if (settings.alertLog !== null) return settings;
  const folder = statSync(source, { throwIfNoEntry: false })?.isDirectory() ? source : dirname(source);
  return { ...settings, alertLog: join(folder, 'alert_log.txt') };
}

/**
 * One evaluation at `at`: alerts are recorded first (nothing is lost if a channel fails), the
 * rules' cooldowns are persisted, then each alert is delivered on its rule's channels unless a
 * silence matches it (the alert stays recorded either way).
 */
export async function evaluateOnce(store: Store, engine: AlertEngine, at: number, settings: ChannelSettings, write: (line: string) => void): Promise<EvaluationOutcome> {
  const rules = await store.readRules();
  engine.setRules(rules);
  // Conditions another process saw firing stay firing here: deduplication holds across processes.
  engine.restore(await store.readAlertStates());
  const result = engine.step(await indexFor(store, rules), at);
  const created: StoredAlert[] = [];
  for (const firing of result.fired) created.push(await store.appendAlert(alertOf(firing)));
  for (const ruleId of new Set(result.fired.map((f) => f.rule.rule_id))) await store.markRuleTriggered(ruleId, at);
  await store.updateAlertStates(Object.fromEntries(result.fired.map((f) => [f.verdict.fingerprint, at])), result.resolved.map((r) => r.verdict.fingerprint));
  const problems: string[] = [];
  let active: readonly Silence[] = [];
  try {
    active = (await store.readSilences()).filter((s) => s.ends_at > at);
  } catch (error) {
    // Unknown silences mute nothing: an alert delivered too often beats one never seen.
    problems.push(error instanceof Error ? error.message : String(error));
  }
  const muted = (rule: AlertRule, verdict: ScopeVerdict) =>
    active.some((s) => silences(s, at, { rule_id: rule.rule_id, model_version: verdict.model_version, segment: verdict.segment, severity: rule.severity }));
  const options = { settings, write, now: () => at };
  const deliveries: EvaluationOutcome['deliveries'][number][] = [];
  await Promise.all([
    ...result.fired.map(async (firing, i) => {
      const alert = created[i] as StoredAlert;
      const notice = { kind: 'firing' as const, alert, ruleId: firing.rule.rule_id, fingerprint: firing.verdict.fingerprint, silenced: muted(firing.rule, firing.verdict) };
      deliveries.push({ alert: alert.key, rule_id: firing.rule.rule_id, kind: 'firing', reports: await deliver(notice, firing.rule.channels, options) });
    }),
    ...result.resolved
      .filter((r) => r.notify)
      .map(async (r) => {
        const alert = { ...alertOf({ rule: r.rule, verdict: r.verdict, at: r.at }), alert_id: `resolved-${r.firedAt}`, key: r.verdict.fingerprint } as StoredAlert;
        const notice = { kind: 'resolved' as const, alert, ruleId: r.rule.rule_id, fingerprint: r.verdict.fingerprint, silenced: muted(r.rule, r.verdict) };
        deliveries.push({ alert: alert.key, rule_id: r.rule.rule_id, kind: 'resolved', reports: await deliver(notice, r.rule.channels, options) });
      }),
  ]);
  return { result, created, deliveries, problems };
}

export async function indexFor(store: Store, rules: readonly AlertRule[]): Promise<TimeIndex> {
  const needed = columnsForRules(rules);
  return new TimeIndex(await store.readPredictionColumns({ features: needed.features, metadata: needed.metadata }));
}


/** The deliveries that did not happen (a silenced one is not a failure), as "alert <key>: <channel> <status>: <why>". */
export function deliveryFailures(outcome: Pick<EvaluationOutcome, 'deliveries'>): string[] {
  return outcome.deliveries.flatMap((d) => d.reports.filter((r) => !r.ok && r.status !== 'silenced').map((r) => `alert ${d.alert}: ${r.channel} ${r.status}: ${r.error ?? ''}`));
}
