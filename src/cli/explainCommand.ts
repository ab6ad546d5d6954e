/**
 * `pitwall explain`: why an alert fired — the segments where accuracy fell most between a
 * baseline window and the alert's window (with the z-test), the features that drifted most
 * (weighted by the source's feature importance when it has any), and for a drift alert its
 * feature's baseline against its current distribution. The context Pitwall recorded when its
 * engine fired the alert, else computed now (alerts the Python service fired).
 */
import { readAlertWhy, type ExplainOptions } from '../core/alerting/alertContext';
import { statisticName } from '../core/alerting/whyText';
import { WHY_DEFAULTS } from '../core/analytics/why';
import { parseDuration } from '../core/analytics/duration';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import type { AlertWhy, WhyFeatureSummary } from '../core/model/alertWhy';
import type { Store, StoredAlert } from '../core/store/store';
import { unknownNameError } from '../core/suggest';
import { parseCount, SOURCE } from './args';
import { defineCommand } from './commandSpec';
import { withStore, type CommandEnvironment } from './context';
import { formatTime, PLAIN_DISPLAY, printJson, printTable } from './output';

/** Alerts whose names an unknown one is compared with, newest first. */
const SUGGESTED_FROM = 500;

/** The alert a name means: its key, else the only alert with that alert_id; an input error naming the nearest otherwise. */
async function resolveAlert(store: Store, name: string): Promise<StoredAlert> {
  const byKey = await store.readAlert(name);
  if (byKey !== undefined) return byKey;
  const byId = await store.readAlerts({ alertId: name });
  if (byId.length === 1) return byId[0] as StoredAlert;
  if (byId.length > 1) throw new PitwallError('input', messages.alertIdAmbiguous(name, byId.map((alert) => alert.key)));
  const recent = await store.readAlerts({ limit: SUGGESTED_FROM });
  throw unknownNameError('alert', name, recent.map((alert) => alert.key));
}

/** A number in a table: up to four significant digits. */
function short(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : String(Number(value.toPrecision(4)));
}

function share(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(1)}%`;
}

function printFeature(env: CommandEnvironment, summary: WhyFeatureSummary): void {
  env.out.write(`\nFeature ${summary.feature} (${summary.kind}): ${statisticName(summary.statistic)} ${summary.value === null ? `— (${summary.reason ?? ''})` : short(summary.value)}\n`);
  const { baseline, current } = summary;
  if (summary.kind === 'numeric') {
    const fields = ['count', 'missing', 'mean', 'std', 'min', 'percentile_25', 'percentile_50', 'percentile_75', 'max'];
    printTable(env.out, ['STATISTIC', 'BASELINE', 'ALERT WINDOW'], fields.map((field) => [field, short(baseline[field] as number | null), short(current[field] as number | null)]));
    return;
  }
  type Category = { value: string; count: number; share: number | null };
  const categories = (stats: Record<string, unknown>) => new Map(((stats.categories ?? []) as Category[]).map((c) => [c.value, c]));
  const before = categories(baseline);
  const after = categories(current);
  const names = [...new Set([...before.keys(), ...after.keys()])];
  printTable(
    env.out,
    ['CATEGORY', 'BASELINE', 'ALERT WINDOW'],
    names.map((name) => {
      const cell = (c: Category | undefined) => (c === undefined ? '0' : `${share(c.share)} (${c.count})`);
      return [name, cell(before.get(name)), cell(after.get(name))];
    }),
  );
}

function printWhy(env: CommandEnvironment, alert: StoredAlert, why: AlertWhy, recordedAt: number | null, minimum: number): void {
  const out = env.out;
  out.write(`Alert ${alert.key} · ${alert.severity} · ${alert.title ?? alert.metric_name ?? ''} · model ${alert.model_version ?? '—'} · fired ${formatTime(alert.timestamp)}\n`);
  out.write(`Rule: ${why.rule_id ?? '— (none known)'}\n`);
  out.write(`Baseline: ${formatTime(why.baseline.from)} … ${formatTime(why.baseline.to)} (${why.labelled.baseline} labelled)\n`);
  out.write(`Alert window: ${formatTime(why.current.from)} … ${formatTime(why.current.to)} (${why.labelled.current} labelled)\n`);
  out.write(recordedAt === null ? 'Computed now: no context was recorded with this alert.\n' : `Recorded when it fired (${formatTime(recordedAt)}).\n`);
  if (why.feature !== null) printFeature(env, why.feature);
  if (why.kind === 'performance') {
    if (why.segments.length === 0) out.write(`\nNo segment's accuracy fell (a segment needs ${minimum} labelled predictions in each window).\n`);
    else {
      out.write('\nSegments where accuracy fell most:\n');
      printTable(
        out,
        ['SEGMENT', 'BASELINE', 'ALERT WINDOW', 'DROP', 'Z', 'P'],
        why.segments.map((s) => [
          s.label,
          `${short(s.baseline.accuracy)} (${s.baseline.correct}/${s.baseline.labelled})`,
          `${short(s.current.accuracy)} (${s.current.correct}/${s.current.labelled})`,
          short(s.drop),
          s.z.toFixed(2),
          s.p_value.toPrecision(2),
        ]),
      );
    }
  }
  if (why.drifted_features.length === 0) out.write('\nNo feature could be compared between the windows.\n');
  else {
    out.write(`\nFeatures that drifted most${why.drifted_features.some((f) => f.importance !== null) ? ' (weighted by importance)' : ''}:\n`);
    printTable(
      out,
      ['FEATURE', 'STATISTIC', 'VALUE', 'IMPORTANCE'],
      why.drifted_features.map((f) => [f.feature, statisticName(f.statistic), short(f.value), share(f.importance)]),
    );
  }
}

/** Under --csv, one table (as every command prints): the segments, the drifted features and a drift alert's feature, a row each. */
function printWhyCsv(env: CommandEnvironment, why: AlertWhy): void {
  const rows: string[][] = [];
  for (const s of why.segments) {
    rows.push(['segment', s.label, `${short(s.baseline.accuracy)} (${s.baseline.correct}/${s.baseline.labelled})`, `${short(s.current.accuracy)} (${s.current.correct}/${s.current.labelled})`, String(s.drop), String(s.z), String(s.p_value), '', '', '']);
  }
  for (const f of why.drifted_features) rows.push(['drifted feature', f.feature, '', '', '', '', '', f.statistic, String(f.value), f.importance === null ? '' : String(f.importance)]);
  const feature = why.feature;
  if (feature !== null) {
    const fields = feature.kind === 'numeric' ? ['count', 'mean', 'percentile_25', 'percentile_50', 'percentile_75'] : ['count'];
    for (const field of fields) rows.push(['feature', `${feature.feature} ${field}`, String(feature.baseline[field] ?? ''), String(feature.current[field] ?? ''), '', '', '', feature.statistic, feature.value === null ? '' : String(feature.value), '']);
  }
  printTable(env.out, ['KIND', 'NAME', 'BASELINE', 'ALERT WINDOW', 'DROP', 'Z', 'P', 'STATISTIC', 'VALUE', 'IMPORTANCE'], rows);
}

function durationOption(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDuration(text);
}

export const explain = defineCommand({
  name: 'explain',
  summary: 'why an alert fired: the segments where accuracy fell most (z-test), the features that drifted most, a drift alert\'s feature',
  description: [
    'The context Pitwall recorded when its engine fired the alert; for an alert without one (the Python service fired it) it is computed now,',
    'the same way. The alert window ends at the alert: the rule\'s window as Pitwall\'s engine judged it (1h when the rule sets none), or for',
    'an alert of the Python service the rule\'s conditions.window, else 24h. The baseline is the window before it: the rule\'s baseline_window',
    'when it sets one, a drift rule\'s window length, else 24h. --window and --baseline replace them (and compute the context again).',
    'Segments are each category of a feature or metadata key, and each quartile bin (of the baseline) of a',
    'numeric feature; one is compared when both windows have --min-labelled labelled predictions in it. Z and P are the one-sided pooled',
    'two-proportion z-test of the alert window\'s accuracy against the baseline\'s. Drift is PSI for numbers, Jensen–Shannon distance for',
    'categories; IMPORTANCE is the feature\'s share of the source\'s feature_importance records for the model version (— without).',
  ].join('\n'),
  positionals: [SOURCE, { name: 'alert', description: 'an alert key as `pitwall alerts` lists it, or an alert_id that names one alert' }],
  options: {
    window: { type: 'string', placeholder: 'DURATION', defaultText: "the rule's window, else 1h (24h for the Python service's alerts)", description: 'the alert window, ending at the alert' },
    baseline: { type: 'string', placeholder: 'DURATION', defaultText: "the rule's baseline_window, else 24h", description: 'the baseline window, just before the alert window' },
    segments: { type: 'string', placeholder: 'N', default: String(WHY_DEFAULTS.segments), description: 'at most N segments' },
    features: { type: 'string', placeholder: 'N', default: String(WHY_DEFAULTS.driftedFeatures), description: 'at most N drifted features' },
    'min-labelled': { type: 'string', placeholder: 'N', default: String(WHY_DEFAULTS.minSegmentLabelled), description: 'labelled predictions a segment needs in each window' },
  },
  examples: ['pitwall explain demo/monitoring.db 17', 'pitwall explain demo/monitoring alert_1790856000697#1 --json', 'pitwall explain demo/monitoring.db 17 --window 6h --baseline 7d'],
  run: async ({ values, args: { source, alert: name } }, env) => {
    const window = durationOption(values.window);
    const baseline = durationOption(values.baseline);
    const minimum = parseCount(values['min-labelled'], 'min-labelled');
    const options: ExplainOptions = {
      segments: parseCount(values.segments, 'segments'),
      driftedFeatures: parseCount(values.features, 'features'),
      minSegmentLabelled: minimum,
      ...(window === undefined ? {} : { window }),
      ...(baseline === undefined ? {} : { baseline }),
    };
    const { alert, result } = await withStore(source, env, async (store) => {
      const alert = await resolveAlert(store, name);
      // Options that change the windows or the lists ask for a new computation, not the record.
      const fresh =
        window !== undefined ||
        baseline !== undefined ||
        options.segments !== WHY_DEFAULTS.segments ||
        options.driftedFeatures !== WHY_DEFAULTS.driftedFeatures ||
        minimum !== WHY_DEFAULTS.minSegmentLabelled;
      const result = await readAlertWhy(store, alert, { ...options, fresh });
      return { alert, result: result as NonNullable<typeof result> };
    });
    for (const problem of result.problems) env.out.error(`warning: ${problem}\n`);
    if (values.json) {
      printJson(env.out, { alert, why: { ...result.why, recorded_at: result.recorded_at } });
      return 0;
    }
    if ((env.out.display ?? PLAIN_DISPLAY).csv) {
      env.out.write(`Alert ${alert.key} · rule ${result.why.rule_id ?? '—'} · baseline ${formatTime(result.why.baseline.from)} … ${formatTime(result.why.baseline.to)} · alert window ${formatTime(result.why.current.from)} … ${formatTime(result.why.current.to)}\n`);
      printWhyCsv(env, result.why);
    } else printWhy(env, alert, result.why, result.recorded_at, minimum);
    return 0;
  },
});
