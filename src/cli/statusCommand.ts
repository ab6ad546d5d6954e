/** `pitwall status`: what is wrong now, most severe first (the kernel's computeStatus, printed). */
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import type { HealthReference } from '../core/analytics/health';
import { computeStatus, type StatusReport } from '../core/analytics/status';
import { describeAge, describeDataSpan } from '../core/analytics/glance';
import { parseDuration } from '../core/analytics/duration';
import { DEFAULT_MIN_LABELS } from '../core/analytics/windows';
import { parseCount, parseTime, SOURCE } from './args';
import { defineCommand } from './commandSpec';
import { withStore } from './context';
import { formatTable, formatTime, printJson, printTable } from './output';

/**
 * `--reference`: `previous`, a duration (that span right before the period, such as 7d), or a
 * range T1..T2 (ISO 8601 or unix seconds, from inclusive, to exclusive).
 */
export function parseReference(text: string | undefined): HealthReference | undefined {
  if (text === undefined) return undefined;
  if (text === 'previous') return 'previous';
  if (text.includes('..')) {
    const [from, to, ...rest] = text.split('..');
    if (rest.length > 0) throw new PitwallError('input', `--reference: ${messages.healthReferenceInvalid(text)}`);
    const range = { from: parseTime(from, 'reference') as number, to: parseTime(to, 'reference') as number };
    if (!(range.to > range.from)) throw new PitwallError('input', `--reference: ${messages.healthReferenceInvalid(text)}`);
    return range;
  }
  try {
    return parseDuration(text);
  } catch (cause) {
    throw new PitwallError('input', `--reference: ${messages.healthReferenceInvalid(text)}`, { cause });
  }
}

function durationFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (cause) {
    throw new PitwallError('input', `--${flag} needs a duration such as 30m, 6h or 1d, not "${text}".`, { cause });
  }
}

function metric(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(4);
}

function signed(value: number | null): string {
  return value === null ? '—' : `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
}

/** The report as text: the data's span, the problems, then open alerts, firing rules and health. */
export function formatStatus(report: StatusReport): string {
  const lines: string[] = [`Status of ${report.source} at ${formatTime(report.now)}`, describeDataSpan(report.span, formatTime), ''];
  if (report.problems.length === 0) lines.push(messages.statusNothingWrong());
  else lines.push(`Problems (${report.problems.length}, most severe first):`, ...report.problems.map((p) => `  ${p.severity.padEnd(8)}  ${p.message}`));
  lines.push('');
  const open = report.open_alerts;
  lines.push(`Open alerts: ${open.total} (critical ${open.by_severity.critical}, warning ${open.by_severity.warning}, info ${open.by_severity.info})`);
  if (open.by_model.length > 0) {
    const table = formatTable(
      ['MODEL', 'CRITICAL', 'WARNING', 'INFO', 'TOTAL'],
      open.by_model.map((row) => [row.model_version ?? '(none)', String(row.critical), String(row.warning), String(row.info), String(row.total)]),
    );
    lines.push(...table.trimEnd().split('\n').map((line) => `  ${line}`));
  }
  lines.push('');
  if (report.firing.length === 0) lines.push('Rules firing: none');
  else {
    lines.push(`Rules firing: ${report.firing.length}`);
    const table = formatTable(
      ['RULE', 'SEVERITY', 'MODEL', 'SEGMENT', 'SINCE'],
      report.firing.map((f) => [f.rule_id, f.severity ?? '?', f.model_version ?? '', f.segment ?? '', `${formatTime(f.since)} (${describeAge(report.now - f.since)})`]),
    );
    lines.push(...table.trimEnd().split('\n').map((line) => `  ${line}`));
  }
  lines.push('');
  const [first] = report.health.versions;
  lines.push(
    first === undefined
      ? 'Health: no predictions to judge.'
      : `Health in ${formatTime(first.period_start)} … ${formatTime(first.period_end)} (the newest labelled period) against the reference ${formatTime(first.reference.from)} … ${formatTime(first.reference.to)}:`,
  );
  const health = new Map(report.health.versions.map((r) => [r.snapshot.model_version, r]));
  const rows = report.span.versions
    .filter((v) => v.newest !== null || health.has(v.model_version))
    .map((v) => {
      const r = health.get(v.model_version);
      return [
        v.model_version,
        v.newest === null || v.age === null ? '—' : `${formatTime(v.newest)} (${describeAge(v.age)})`,
        r === undefined ? '—' : String(r.snapshot.num_predictions ?? 0),
        r === undefined ? '—' : String(r.labelled),
        metric(r?.snapshot.accuracy),
        metric(r?.reference.accuracy),
        signed(r?.reference.change ?? null),
        r?.reference.degradation.status ?? '—',
      ];
    });
  if (rows.length > 0) {
    const table = formatTable(['MODEL', 'NEWEST PREDICTION', 'N', 'LABELLED', 'ACCURACY', 'REFERENCE', 'CHANGE', 'VS REFERENCE'], rows);
    lines.push(...table.trimEnd().split('\n').map((line) => `  ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

/** `--reference` as help shows it, shared by status and health. */
export const REFERENCE_OPTION = {
  type: 'string',
  placeholder: 'REFERENCE',
  defaultText: 'the 7 periods before',
  description: 'compare each period with: previous (the period before), a DURATION right before it (7d), or a range T1..T2',
} as const;

/** `--model` for status and health: one the source lacks is refused with the nearest it has. */
export const MODEL_OPTION = { type: 'string', placeholder: 'VERSION', defaultText: 'every version', description: 'only this model version' } as const;

export const status = defineCommand({
  name: 'status',
  summary: 'what is wrong now: freshness, open alerts, rules firing, health against a reference, most severe first',
  positionals: [SOURCE],
  options: {
    every: { type: 'string', placeholder: 'DURATION', default: '1d', description: 'the health period' },
    reference: REFERENCE_OPTION,
    'stale-after': { type: 'string', placeholder: 'DURATION', defaultText: 'one --every period', description: 'a source or version silent for longer is a problem' },
    'min-labels': { type: 'string', placeholder: 'N', default: String(DEFAULT_MIN_LABELS), description: 'fewest labelled predictions for a period to be judged' },
    model: MODEL_OPTION,
  },
  examples: ['pitwall status demo/monitoring.db', 'pitwall status demo/monitoring --every 6h --reference previous --json', 'pitwall status demo/monitoring.db --model v1.1 --stale-after 2h'],
  run: async ({ values, args: { source } }, env) => {
    const every = durationFlag(values.every, 'every');
    const reference = parseReference(values.reference);
    const staleAfter = durationFlag(values['stale-after'], 'stale-after');
    const minLabels = parseCount(values['min-labels'], 'min-labels');
    const report = await withStore(
      source,
      env,
      (store) =>
        computeStatus(store, {
          now: env.now(),
          ...(every === undefined ? {} : { every }),
          ...(reference === undefined ? {} : { reference }),
          ...(staleAfter === undefined ? {} : { staleAfter }),
          minLabels,
          ...(values.model === undefined ? {} : { modelVersion: values.model }),
        }),
      // Problems reading the source are one of the report's own lines.
      true,
    );
    if (values.json) printJson(env.out, report);
    // As a table (--csv), the status is its list of problems, most severe first; the report's other parts are in --json.
    else if (env.out.display?.csv === true) printTable(env.out, ['SEVERITY', 'KIND', 'MODEL', 'PROBLEM'], report.problems.map((p) => [p.severity, p.kind, p.model_version ?? '', p.message]));
    else env.out.write(formatStatus(report));
    return 0;
  },
});
