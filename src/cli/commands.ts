import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkRulesFile } from '../core/alerting/rulesCheck';
import { AlertingSystem } from '../core/alertingSystem';
import { countOpenAlerts, describeAge, readDataSpan, type DataSpan, type OpenAlerts, type VersionFreshness } from '../core/analytics/status';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { ALERT_SEVERITIES, type AlertSeverity } from '../core/model/alert';
import { AlertRuleSchema, type AlertRule } from '../core/model/alertRule';
import { formatMigrationReport, migrateJsonlToSqlite } from '../core/store/migrate';
import type { AlertKey, Store } from '../core/store/store';
import { ModelPerformanceTracker } from '../core/tracker';
import { parseCommand, parseCount, requirePositional } from './args';
import { withStore, type Command, type CommandEnvironment } from './context';
import { formatTable, formatTime, printJson } from './output';

/** At most this many warnings in the human summary; --json gives them all. */
const SHOWN_WARNINGS = 10;

const summary: Command = async (argv, env) => {
  const { values, positionals } = parseCommand(argv, {});
  const source = requirePositional(positionals, 0, 'the source (a JSONL folder or a SQLite file)', 'pitwall summary <source> [--json]');
  const { result, span } = await withStore(
    source,
    env,
    async (store) => {
    const [counts, labelled, versions, description, dataSpan, openAlerts] = await Promise.all([
      store.counts(),
      store.countPredictions({ hasOutcome: true }),
      store.readModelVersions(),
      store.describe(),
      readDataSpan(store, env.now()),
      countOpenAlerts(store),
    ]);
    const result = {
      predictions: counts.predictions,
      labelled,
      model_versions: versions,
      health_snapshots: counts.healthSnapshots,
      alerts: counts.alerts,
      unacknowledged: counts.unacknowledgedAlerts,
      rules: counts.rules,
      writable: description.writable,
      warnings: [...description.warnings, ...description.diagnostics.map((d) => d.message)],
      // Times only: the same data gives the same JSON whenever it is asked (the text tells the freshness).
      data_span: { oldest: dataSpan.oldest, newest: dataSpan.newest, versions: dataSpan.versions.map(({ model_version, newest }) => ({ model_version, newest })) },
      open_alerts: openAlerts,
    };
    return { result, span: dataSpan };
    },
    true,
  );
  if (values.json) {
    printJson(env.out, result);
  } else {
    const rows: [string, string][] = [
      ['predictions', String(result.predictions)],
      ['labelled', `${result.labelled}${result.predictions ? ` (${((100 * result.labelled) / result.predictions).toFixed(1)}%)` : ''}`],
      ['model versions', result.model_versions.join(', ') || '—'],
      ['health snapshots', String(result.health_snapshots)],
      ['data span', result.data_span.oldest === null || result.data_span.newest === null ? '—' : `${formatTime(result.data_span.oldest)} … ${formatTime(result.data_span.newest)}`],
      ['freshness', describeFreshness(span)],
      ['alerts', `${result.alerts} (${result.unacknowledged} unacknowledged)`],
      ['open alerts', describeOpenAlerts(result.open_alerts)],
      ['rules', String(result.rules)],
      ['writable', result.writable ? 'yes' : 'no'],
    ];
    env.out.write(formatTable(['', ''], rows).split('\n').slice(1).join('\n'));
    for (const warning of result.warnings.slice(0, SHOWN_WARNINGS)) env.out.write(`warning: ${warning}\n`);
    const more = result.warnings.length - SHOWN_WARNINGS;
    if (more > 0) env.out.write(`… and ${more} more warning${more === 1 ? '' : 's'} (--json lists them all)\n`);
  }
  return 0;
};

/** "newest prediction 52 days ago", and each version's when they differ. */
function describeFreshness(span: DataSpan): string {
  if (span.age === null) return 'no predictions yet';
  const versions = span.versions.filter((v): v is VersionFreshness & { age: number } => v.age !== null);
  const ages = versions.map((v) => describeAge(v.age));
  const each = new Set(ages).size > 1 ? ` (${versions.map((v, i) => `${v.model_version} ${ages[i] ?? ''}`).join(', ')})` : '';
  return `newest prediction ${describeAge(span.age)}${each}`;
}

/** "15: critical 4, warning 8, info 3; v1.0 3, v1.1 12". */
function describeOpenAlerts(open: OpenAlerts): string {
  if (open.total === 0) return '0';
  const severities = ['critical', 'warning', 'info'] as const;
  const bySeverity = severities.filter((s) => open.by_severity[s] > 0).map((s) => `${s} ${open.by_severity[s]}`);
  const byModel = open.by_model.map((row) => `${row.model_version ?? '(no model)'} ${row.total}`);
  return `${open.total}: ${bySeverity.join(', ')}; ${byModel.join(', ')}`;
}

function parseSeverity(text: string | undefined): AlertSeverity | undefined {
  if (text === undefined) return undefined;
  if (!(ALERT_SEVERITIES as readonly string[]).includes(text)) {
    throw new PitwallError('input', `--severity must be one of ${ALERT_SEVERITIES.join(', ')}, not "${text}".`);
  }
  return text as AlertSeverity;
}

const alerts: Command = async (argv, env) => {
  const usage = 'pitwall alerts <source> [--severity S] [--unacknowledged] [--limit N] [--json]';
  const { values, positionals } = parseCommand(argv, {
    severity: { type: 'string' },
    unacknowledged: { type: 'boolean', default: false },
    limit: { type: 'string' },
  });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const severity = parseSeverity(values.severity as string | undefined);
  const limit = parseCount(values.limit as string | undefined, 'limit') ?? 100;
  const list = await withStore(source, env, (store) =>
    store.readAlerts({
      limit,
      ...(severity ? { severity } : {}),
      ...(values.unacknowledged ? { acknowledged: false } : {}),
    }),
  );
  if (values.json) {
    printJson(env.out, list);
  } else if (list.length === 0) {
    env.out.write('No alerts match.\n');
  } else {
    env.out.write(
      formatTable(
        ['TIME', 'SEVERITY', 'STATE', 'MODEL', 'ALERT', 'TITLE'],
        list.map((alert) => [
          formatTime(alert.timestamp),
          alert.severity,
          alert.acknowledged ? `ack by ${alert.acknowledged_by ?? '?'}` : 'open',
          alert.model_version ?? '',
          alert.key,
          alert.title ?? alert.message ?? '',
        ]),
      ),
    );
  }
  return 0;
};

/** An argument names an alert by its store key, or every alert with that alert_id. */
async function resolveAlerts(store: Store, names: readonly string[]): Promise<{ keys: AlertKey[]; unknown: string[] }> {
  const keys = new Set<AlertKey>();
  const unknown: string[] = [];
  for (const name of names) {
    const byKey = await store.readAlert(name);
    if (byKey) {
      keys.add(byKey.key);
      continue;
    }
    const byId = await store.readAlerts({ alertId: name });
    if (byId.length === 0) unknown.push(name);
    for (const alert of byId) keys.add(alert.key);
  }
  return { keys: [...keys], unknown };
}

const ack: Command = async (argv, env) => {
  const usage = 'pitwall ack <source> <alert_id>... [--by NAME] [--comment TEXT] [--json]';
  const { values, positionals } = parseCommand(argv, { by: { type: 'string' }, comment: { type: 'string' } });
  const source = requirePositional(positionals, 0, 'the source', usage);
  requirePositional(positionals, 1, 'at least one alert_id', usage);
  const by = (values.by as string | undefined) ?? process.env.USER ?? null;
  const comment = (values.comment as string | undefined) ?? null;
  const outcome = await withStore(source, env, async (store) => {
    const { keys, unknown } = await resolveAlerts(store, positionals.slice(1));
    const result = keys.length > 0 ? await store.acknowledgeAlerts(keys, by, env.now(), comment) : { acknowledged: [], alreadyAcknowledged: [], notFound: [] };
    return { ...result, unknown };
  }, false, true);
  const problems = outcome.problems ?? [];
  if (values.json) {
    printJson(env.out, {
      acknowledged: outcome.acknowledged,
      already_acknowledged: outcome.alreadyAcknowledged,
      not_found: [...outcome.notFound, ...outcome.unknown],
      ...(problems.length > 0 ? { problems } : {}),
    });
  } else {
    for (const key of outcome.acknowledged) env.out.write(`acknowledged ${key}\n`);
    for (const key of outcome.alreadyAcknowledged) env.out.write(`already acknowledged ${key}\n`);
  }
  // The acknowledgment stands: what could not be kept beside it is a warning, not a failure.
  for (const problem of problems) env.out.error(`warning: ${problem}\n`);
  return reportMissing(env, [...outcome.notFound, ...outcome.unknown], source);
};

/** Names the alerts asked for that the source does not have, on standard error: exit status 2 when there are any. */
function reportMissing(env: CommandEnvironment, missing: readonly string[], source: string): number {
  if (missing.length === 0) return 0;
  env.out.error(`pitwall: no alert ${missing.map((name) => `"${name}"`).join(', ')} in ${source}\n`);
  return 2;
}

const unack: Command = async (argv, env) => {
  const usage = 'pitwall unack <source> <alert_id>... [--json]';
  const { values, positionals } = parseCommand(argv, {});
  const source = requirePositional(positionals, 0, 'the source', usage);
  requirePositional(positionals, 1, 'at least one alert_id', usage);
  const outcome = await withStore(source, env, async (store) => {
    const { keys, unknown } = await resolveAlerts(store, positionals.slice(1));
    const result = keys.length > 0 ? await store.unacknowledgeAlerts(keys) : { unacknowledged: [], notAcknowledged: [], notFound: [] };
    return { ...result, unknown };
  }, false, true);
  if (values.json) {
    printJson(env.out, { unacknowledged: outcome.unacknowledged, not_acknowledged: outcome.notAcknowledged, not_found: [...outcome.notFound, ...outcome.unknown] });
  } else {
    for (const key of outcome.unacknowledged) env.out.write(`unacknowledged ${key}\n`);
    for (const key of outcome.notAcknowledged) env.out.write(`not acknowledged ${key}\n`);
  }
  return reportMissing(env, [...outcome.notFound, ...outcome.unknown], source);
};

function describeRule(rule: AlertRule): string[] {
  return [
    rule.rule_id,
    rule.enabled ? 'on' : 'off',
    rule.severity,
    `${rule.metric_name} ${rule.comparison} ${rule.threshold}`,
    `${rule.cooldown_minutes}m`,
    formatTime(rule.last_triggered),
    rule.channels.join(','),
  ];
}

/** At most this many problems in the human report of `rules validate`; --json gives them all. */
const SHOWN_PROBLEMS = 50;

/** `rules validate <file>`: checks a rules file as the store and the engine would read it; opens no source, writes nothing. */
async function validateRules(file: string, json: boolean, env: CommandEnvironment): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new PitwallError('not-found', `${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const check = checkRulesFile(basename(file), bytes);
  const errors = check.problems.filter((problem) => problem.severity === 'error').length;
  if (json) {
    printJson(env.out, { file, ...check });
  } else {
    for (const problem of check.problems.slice(0, SHOWN_PROBLEMS)) env.out.error(`${problem.severity === 'warning' ? 'warning: ' : ''}${problem.message}\n`);
    if (check.problems.length > SHOWN_PROBLEMS) env.out.error(`${messages.rulesCheckMore(check.problems.length - SHOWN_PROBLEMS)}\n`);
    if (errors > 0) env.out.error(`${messages.rulesCheckInvalid(basename(file), errors, check.valid, check.rules)}\n`);
    else env.out.write(`${messages.rulesCheckValid(check.rules)}\n`);
  }
  return errors > 0 ? 2 : 0;
}

const rules: Command = async (argv, env) => {
  const { values, positionals } = parseCommand(argv, {});
  if (positionals[0] === 'validate') {
    return validateRules(requirePositional(positionals, 1, 'the rules file', 'pitwall rules validate <rules.json> [--json]'), Boolean(values.json), env);
  }
  const source = requirePositional(positionals, 0, 'the source', 'pitwall rules <source> [--json]');
  const list = await withStore(source, env, (store) => store.readRules());
  if (values.json) printJson(env.out, list);
  else if (list.length === 0) env.out.write('No rules in this source.\n');
  else env.out.write(formatTable(['RULE', 'ON', 'SEVERITY', 'CONDITION', 'COOLDOWN', 'LAST FIRED', 'CHANNELS'], list.map(describeRule)));
  return 0;
};

const rule: Command = async (argv, env) => {
  const usage = 'pitwall rule add <source> <rule.json> [--json]';
  const { values, positionals } = parseCommand(argv, {});
  if (positionals[0] !== 'add') throw new PitwallError('input', `unknown rule command "${positionals[0] ?? ''}".\nUsage: ${usage}`);
  const source = requirePositional(positionals, 1, 'the source', usage);
  const file = requirePositional(positionals, 2, 'the rule file', usage);
  let input: unknown;
  try {
    input = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw new PitwallError('input', `${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PitwallError('input', `${file}: a rule file holds one JSON object (a rule), not ${Array.isArray(input) ? 'an array' : String(input)}.`);
  }
  // A misspelt field would otherwise be dropped and its default used without a word.
  // Own keys only: `__proto__` and `constructor` are `in` every object.
  const unknown = Object.keys(input).filter((key) => !Object.hasOwn(AlertRuleSchema.shape, key));
  if (unknown.length > 0) {
    throw new PitwallError('input', `${file}: unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"`).join(', ')}; a rule has ${Object.keys(AlertRuleSchema.shape).join(', ')}.`);
  }
  const added = await withStore(source, env, (store) =>
    new AlertingSystem(store, env.now).addRule(input as AlertRule).catch((error: unknown) => {
      if (error instanceof PitwallError && error.code === 'input') throw new PitwallError('input', `${file}: ${error.message}`, { cause: error });
      throw error;
    }),
  );
  if (values.json) printJson(env.out, added);
  else env.out.write(`added rule ${added.rule_id}: ${added.metric_name} ${added.comparison} ${added.threshold}\n`);
  return 0;
};

const outcome: Command = async (argv, env) => {
  const usage = 'pitwall outcome <source> <prediction_id> <0|1> [--json]';
  const { values, positionals } = parseCommand(argv, {});
  const source = requirePositional(positionals, 0, 'the source', usage);
  const predictionId = requirePositional(positionals, 1, 'the prediction_id', usage);
  const actualText = requirePositional(positionals, 2, 'the actual outcome (0 or 1)', usage);
  if (actualText !== '0' && actualText !== '1') throw new PitwallError('input', `the actual outcome must be 0 or 1, not "${actualText}".`);
  const evaluation = await withStore(source, env, (store) => new ModelPerformanceTracker(store, env.now).recordActualOutcome(predictionId, Number(actualText)));
  if (!evaluation) throw new PitwallError('input', `no prediction "${predictionId}" in ${source}.`);
  if (values.json) printJson(env.out, evaluation);
  else env.out.write(`recorded ${predictionId}: predicted ${evaluation.predicted_outcome}, actual ${evaluation.actual_outcome} (${evaluation.correct ? 'correct' : 'wrong'})\n`);
  return 0;
};

const migrate: Command = async (argv, env) => {
  const usage = 'pitwall migrate <jsonl-folder> <new.db> [--dry-run] [--json]';
  const { values, positionals } = parseCommand(argv, { 'dry-run': { type: 'boolean', default: false } });
  const folder = requirePositional(positionals, 0, 'the JSONL folder', usage);
  const target = requirePositional(positionals, 1, 'the target database', usage);
  const report = await migrateJsonlToSqlite(folder, target, {
    dryRun: Boolean(values['dry-run']),
    ...(env.wasmPath === undefined ? {} : { wasmPath: env.wasmPath }),
  });
  if (values.json) printJson(env.out, report);
  else env.out.write(formatMigrationReport(report));
  return 0;
};

export const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  summary: { run: summary, summary: 'summary <source>                         counts, data span and freshness, open alerts, warnings' },
  alerts: { run: alerts, summary: 'alerts <source> [--severity S] [--unacknowledged] [--limit N]' },
  ack: { run: ack, summary: 'ack <source> <alert_id>... [--by NAME] [--comment TEXT]' },
  unack: { run: unack, summary: 'unack <source> <alert_id>...                 take acknowledgments back' },
  rules: { run: rules, summary: 'rules <source> | rules validate <rules.json>  the alert rules; or check a rules file' },
  rule: { run: rule, summary: 'rule add <source> <rule.json>            add a rule (a duplicate rule_id is refused)' },
  outcome: { run: outcome, summary: 'outcome <source> <prediction_id> <0|1>   record ground truth' },
  migrate: { run: migrate, summary: 'migrate <jsonl-folder> <new.db> [--dry-run]' },
};
