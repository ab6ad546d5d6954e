/**
 * One evaluation of a source's rules, shared by the CLI (evaluate, watch) and the editor:
 * firing states, cooldowns and alerts are recorded first (nothing is lost if a channel fails),
 * then each alert is delivered on its rule's channels, apart from the evaluation, unless a
 * silence matches it (the alert stays recorded either way); every channel's report goes to the
 * source's delivery log.
 *
 * A folder cannot write those three in one transaction, so their order and a check on the next
 * start make a process that dies between them safe to run again: the firing state is written
 * first, so the rerun never fires that condition again; the cooldown next; the alert last. An
 * engine's first evaluation looks, for each firing state it inherited, for that firing's alert:
 * a missing one is recorded then (at the time of the firing) and delivered, and one that no
 * channel reported on in the delivery log is delivered. So a fingerprint already recorded is
 * never notified twice, unless the process died during the delivery itself.
 *
 * Before its notice goes out, each fired alert's context ("why it fired", alertContext.ts) is
 * worked out and recorded beside it, so that the channels carry it and the editor and the CLI
 * read it later without computing it again. A context that cannot be worked out or recorded is
 * a problem reported with the delivery; the alert and its notice go on without it.
 */
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { freshnessOf, type Freshness } from '../analytics/freshness';
import { parseDuration } from '../analytics/duration';
import { describeError, PitwallError } from '../errors';
import { messages } from '../messages';
import type { AlertRule } from '../model/alertRule';
import type { DeliveryRecord } from '../model/delivery';
import { silences, type Silence } from '../model/silence';
import type { Store, StoreDiagnostic, StoredAlert } from '../store/store';
import { deliver, type DeliveryOptions, type DeliveryReport } from './channels/delivery';
import type { AlertNotice } from './channels/notice';
import { channelSettingsFromEnv, type ChannelSettings } from './channels/settings';
import type { AlertContextRecord } from '../model/alertWhy';
import { explainAlert } from './alertContext';
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

/** One notice's deliveries: a report per channel. */
export interface DeliveryEntry {
  readonly alert: string;
  readonly rule_id: string;
  readonly kind: 'firing' | 'resolved';
  readonly reports: readonly DeliveryReport[];
}

/** What delivery did, once every notice of an evaluation has been tried on its channels. */
export interface DeliveryOutcome {
  readonly deliveries: readonly DeliveryEntry[];
  /** Why part of the delivery log could not be written, if it could not. */
  readonly problems: readonly string[];
}

/** A rule an evaluation left out, and why: the engine cannot judge it, or the store could not read it (rule_id null then). */
export interface SkippedRule {
  readonly rule_id: string | null;
  readonly message: string;
}

/** How old the data is when nothing is said: a version silent for longer is stale. */
export const DEFAULT_STALE_AFTER = 86400;

/** What one evaluation judged, before anything is written. */
export interface Judgement {
  readonly rules: readonly AlertRule[];
  readonly result: StepResult;
  /** Rules left out (every other rule was evaluated); a warning, not a failure. */
  readonly skipped: readonly SkippedRule[];
  /** The built-in freshness check: the data's span, and how long each version has been silent. */
  readonly freshness: Freshness;
}

/** What one evaluation did: alerts created, resolutions, and the deliveries it started. */
export interface EvaluationOutcome extends Judgement {
  readonly created: StoredAlert[];
  readonly problems: string[];
  /**
   * Settles (never rejects) when every notice has been tried on its channels and its reports
   * are in the source's delivery log. The evaluation does not wait for it: alerts, cooldowns
   * and states are recorded before any channel is tried.
   */
  readonly delivery: Promise<DeliveryOutcome>;
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
 * rules' cooldowns are persisted, and the evaluation returns. Delivery then runs on its own
 * (see EvaluationOutcome.delivery): each alert goes to its rule's channels unless a silence
 * matches it (the alert stays recorded either way), and every channel's report is appended to
 * the source's delivery log as soon as that notice is done.
 */
export async function evaluateOnce(
  store: Store,
  engine: AlertEngine,
  at: number,
  settings: ChannelSettings,
  write: (line: string) => void,
  options: { readonly signal?: AbortSignal; readonly delivery?: Pick<DeliveryOptions, 'timeoutMs' | 'attempts' | 'baseDelayMs'>; readonly staleAfter?: number } = {},
): Promise<EvaluationOutcome> {
  const judgement = await judgeRules(store, engine, at, options.staleAfter);
  const { rules, result } = judgement;
  const problems: string[] = [];
  const unfinished = await completeInherited(store, rules, result, engine.takeInherited(), problems);
  const firingStates = Object.fromEntries(result.fired.map((f) => [f.verdict.fingerprint, at]));
  const cleared = result.resolved.map((r) => r.verdict.fingerprint);
  const triggered = [...new Set(result.fired.map((f) => f.rule.rule_id))];
  let created: StoredAlert[];
  if (store.recordFirings !== undefined) {
    // A database writes the three in one transaction.
    created = await store.recordFirings(firingStates, cleared, triggered, at, result.fired.map(alertOf));
  } else {
    // In this order (see above): a rerun after a crash between them is safe.
    await store.updateAlertStates(firingStates, cleared);
    for (const ruleId of triggered) await store.markRuleTriggered(ruleId, at);
    created = [];
    for (const firing of result.fired) created.push(await store.appendAlert(alertOf(firing)));
  }
  let active: readonly Silence[] = [];
  try {
    active = (await store.readSilences()).filter((s) => s.ends_at > at);
  } catch (error) {
    // Unknown silences mute nothing: an alert delivered too often beats one never seen.
    problems.push(describeError(error));
  }
  const muted = (rule: AlertRule, verdict: ScopeVerdict) =>
    active.some((s) => silences(s, at, { rule_id: rule.rule_id, model_version: verdict.model_version, segment: verdict.segment, severity: rule.severity }));
  const notices: Notice[] = [
    ...[...unfinished, ...result.fired.map((firing, i) => ({ firing, alert: created[i] as StoredAlert }))].map(({ firing, alert }) => ({
      notice: { kind: 'firing' as const, alert, ruleId: firing.rule.rule_id, fingerprint: firing.verdict.fingerprint, silenced: muted(firing.rule, firing.verdict) },
      rule: firing.rule,
    })),
    ...result.resolved
      .filter((r) => r.notify)
      .map((r) => ({
        notice: {
          kind: 'resolved' as const,
          alert: { ...alertOf({ rule: r.rule, verdict: r.verdict, at: r.at }), alert_id: `resolved-${r.firedAt}`, key: r.verdict.fingerprint } as StoredAlert,
          ruleId: r.rule.rule_id,
          fingerprint: r.verdict.fingerprint,
          silenced: muted(r.rule, r.verdict),
        },
        rule: r.rule,
      })),
  ];
  const delivery = explainThenDeliver(store, notices, at, { ...options.delivery, settings, write, now: () => at, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  return { ...judgement, created, problems, delivery };
}

/**
 * Judges the source's rules at `at` as an evaluation would, with the firing states other
 * processes recorded, and writes nothing: no alert, state, cooldown or delivery. What
 * `evaluateOnce` does first, and all that a dry run does.
 */
export async function judgeRules(store: Store, engine: AlertEngine, at: number, staleAfter = DEFAULT_STALE_AFTER): Promise<Judgement> {
  const rules = await store.readRules();
  engine.setRules(rules);
  // Conditions another process saw firing stay firing here: deduplication holds across processes.
  engine.restore(await store.readAlertStates());
  const index = await indexFor(store, rules);
  const result = engine.step(index, at);
  const unread = (await store.describe()).diagnostics.filter(isRuleSkipped).map((d) => ({ rule_id: null, message: d.message }));
  return { rules, result, skipped: [...result.problems, ...unread], freshness: freshnessOf(index.columns, at, staleAfter) };
}

/** A rule the store could not read, and so skipped: a bad element of alert_rules.json, a bad row of alert_rules. */
function isRuleSkipped(diagnostic: StoreDiagnostic): boolean {
  return diagnostic.severity === 'error' && (diagnostic.file === 'alert_rules' || basename(diagnostic.file) === 'alert_rules.json');
}

/** Whether `alert` is the one `firing` records (its time may have been stored to the millisecond). */
function isAlertOf(alert: StoredAlert, firing: Firing): boolean {
  const expected = alertOf(firing);
  // The message's value may differ (measured again since); its comparison and scope may not.
  const prefix = `${firing.rule.metric_name} is `;
  const message = alert.message ?? '';
  const wanted = expected.message ?? '';
  const scope = wanted.slice(wanted.indexOf(' (', prefix.length));
  return (
    Math.abs(alert.timestamp - firing.at) < 0.001 &&
    alert.title === expected.title &&
    alert.metric_name === expected.metric_name &&
    alert.component === expected.component &&
    alert.model_version === expected.model_version &&
    message.startsWith(prefix) &&
    message.endsWith(scope)
  );
}

/**
 * Completes what a process that died during an evaluation left undone, for the firing states
 * this engine inherited that still hold: the cooldown and the alert when they are missing.
 * Returns the firings to deliver: those whose alert was missing, and those whose alert no
 * channel reported on.
 */
async function completeInherited(
  store: Store,
  rules: readonly AlertRule[],
  result: StepResult,
  inherited: ReadonlyMap<string, number>,
  problems: string[],
): Promise<{ firing: Firing; alert: StoredAlert }[]> {
  const unfinished: { firing: Firing; alert: StoredAlert }[] = [];
  for (const verdict of result.verdicts) {
    const since = inherited.get(verdict.fingerprint);
    const rule = rules.find((candidate) => candidate.rule_id === verdict.rule_id);
    if (verdict.outcome !== 'firing' || since === undefined || rule === undefined) continue;
    const firing: Firing = { rule, verdict, at: since };
    if (rule.last_triggered === null || rule.last_triggered < since) await store.markRuleTriggered(rule.rule_id, since);
    const recorded = (await store.readAlerts({ from: since - 0.001, to: since + 0.001 })).find((alert) => isAlertOf(alert, firing));
    if (recorded === undefined) {
      unfinished.push({ firing, alert: await store.appendAlert(alertOf(firing)) });
      continue;
    }
    try {
      if ((await store.readDeliveries({ alert: recorded.key })).records.length === 0) unfinished.push({ firing, alert: recorded });
    } catch (error) {
      // Not knowing whether it was delivered, it is not delivered again.
      problems.push(describeError(error));
    }
  }
  return unfinished;
}

/** A notice and the rule whose channels announce it. */
interface Notice {
  readonly notice: AlertNotice;
  readonly rule: AlertRule;
}

/** Records why each firing alert fired, then delivers every notice with it. */
async function explainThenDeliver(store: Store, notices: readonly Notice[], at: number, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const problems: string[] = [];
  const explained = await explainFirings(store, notices, at, problems);
  const outcome = await deliverAll(store, explained, at, options);
  return { deliveries: outcome.deliveries, problems: [...problems, ...outcome.problems] };
}

/**
 * The notices, each firing one with its alert's context: the one already recorded (an alert an
 * earlier process fired and did not deliver), else worked out now and recorded, all in one write.
 */
async function explainFirings(store: Store, notices: readonly Notice[], at: number, problems: string[]): Promise<Notice[]> {
  const firing = notices.filter((n) => n.notice.kind === 'firing');
  if (firing.length === 0) return [...notices];
  const known = new Map<string, AlertContextRecord['why']>();
  try {
    for (const record of (await store.readAlertContexts(firing.map((n) => n.notice.alert.key))).records) known.set(record.alert, record.why);
  } catch (error) {
    problems.push(messages.alertContextFailed(firing.map((n) => n.notice.alert.key).join(', '), describeError(error)));
  }
  const records: AlertContextRecord[] = [];
  const explained: Notice[] = [];
  for (const entry of notices) {
    const { notice, rule } = entry;
    if (notice.kind !== 'firing') {
      explained.push(entry);
      continue;
    }
    let why = known.get(notice.alert.key);
    if (why === undefined) {
      try {
        why = await explainAlert(store, notice.alert, { rule });
        records.push({ alert: notice.alert.key, recorded_at: at, why });
      } catch (error) {
        problems.push(messages.alertContextFailed(notice.alert.key, describeError(error)));
      }
    }
    explained.push(why === undefined ? entry : { rule, notice: { ...notice, why } });
  }
  try {
    await store.recordAlertContexts(records);
  } catch (error) {
    problems.push(messages.alertContextFailed(records.map((r) => r.alert).join(', '), describeError(error)));
  }
  return explained;
}

/** Delivers every notice at once; each notice's reports go to the delivery log as soon as it is done. */
async function deliverAll(store: Store, notices: readonly Notice[], at: number, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const problems: string[] = [];
  const deliveries = await Promise.all(
    notices.map(async ({ notice, rule }): Promise<DeliveryEntry> => {
      const reports = await deliver(notice, rule.channels, options);
      const entry: DeliveryEntry = { alert: notice.alert.key, rule_id: rule.rule_id, kind: notice.kind, reports };
      try {
        await store.recordDeliveries(deliveryRecordsOf(entry, at, Date.now() / 1000));
      } catch (error) {
        problems.push(messages.deliveryLogFailed(entry.alert, describeError(error)));
      }
      return entry;
    }),
  );
  return { deliveries, problems };
}

/** A notice's reports as delivery-log records. */
export function deliveryRecordsOf(entry: DeliveryEntry, evaluatedAt: number, finishedAt: number): DeliveryRecord[] {
  return entry.reports.map((report) => ({
    alert: entry.alert,
    rule_id: entry.rule_id,
    kind: entry.kind,
    channel: report.channel,
    status: report.status,
    attempts: report.attempts,
    error: report.error,
    evaluated_at: evaluatedAt,
    finished_at: finishedAt,
    elapsed_ms: report.elapsedMs,
  }));
}

/**
 * The deadline of one channel's delivery from PITWALL_DELIVERY_TIMEOUT ('30s', '2m', or seconds),
 * or undefined for the default; a value that cannot be read is an input error naming it.
 */
export function deliveryTimeoutMs(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.PITWALL_DELIVERY_TIMEOUT?.trim();
  if (text === undefined || text === '') return undefined;
  try {
    return parseDuration(/^[0-9]+$/.test(text) ? `${text}s` : text) * 1000;
  } catch (error) {
    throw new PitwallError('input', `PITWALL_DELIVERY_TIMEOUT: ${describeError(error)}`);
  }
}

export async function indexFor(store: Store, rules: readonly AlertRule[]): Promise<TimeIndex> {
  const needed = columnsForRules(rules);
  return new TimeIndex(await store.readPredictionColumns({ features: needed.features, metadata: needed.metadata }));
}


/** The deliveries that did not happen (a silenced one is not a failure), as "alert <key>: <channel> <status>: <why>". */
export function deliveryFailures(outcome: Pick<DeliveryOutcome, 'deliveries'>): string[] {
  return outcome.deliveries.flatMap((d) => d.reports.filter((r) => !r.ok && r.status !== 'silenced').map((r) => `alert ${d.alert}: ${r.channel} ${r.status}: ${r.error ?? ''}`));
}
