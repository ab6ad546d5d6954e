import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { editRule, parseRuleAssignments, removeRule, setRuleEnabled } from '../core/alerting/ruleEdits';
import { checkNewRule, checkRulesFile } from '../core/alerting/rulesCheck';
import { AlertingSystem } from '../core/alertingSystem';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { ALERT_SEVERITIES, type AlertSeverity } from '../core/model/alert';
import type { AlertRule } from '../core/model/alertRule';
import { formatMigrationReport, migrateJsonlToSqlite } from '../core/store/migrate';
import { checkHoldsMonitoringData } from '../core/store/monitoringData';
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
  const result = await withStore(
    source,
    env,
    async (store) => {
    const [counts, labelled, versions, description] = await Promise.all([
      store.counts(),
      store.countPredictions({ hasOutcome: true }),
      store.readModelVersions(),
      store.describe(),
    ]);
    return {
      predictions: counts.predictions,
      labelled,
      model_versions: versions,
      health_snapshots: counts.healthSnapshots,
      alerts: counts.alerts,
      unacknowledged: counts.unacknowledgedAlerts,
      rules: counts.rules,
      writable: description.writable,
      warnings: [...description.warnings, ...description.diagnostics.map((d) => d.message)],
    };
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
      ['alerts', `${result.alerts} (${result.unacknowledged} unacknowledged)`],
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

/** Reads a JSON file given on the command line; an input error naming it otherwise. */
async function readInputFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (cause) {
    throw new PitwallError('input', `${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A change to a rule from a JSON file of its fields: one JSON object. */
function ruleChangeOf(file: string, bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw new PitwallError('input', `${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PitwallError('input', `${file}: a rule change holds one JSON object (fields of the rule), not ${Array.isArray(value) ? 'an array' : String(value)}.`);
  }
  return value as Record<string, unknown>;
}

const RULE_USAGE = [
  'pitwall rule add <source> <rule.json> [--create] [--json]',
  'pitwall rule remove <source> <rule_id> [--json]',
  'pitwall rule enable|disable <source> <rule_id> [--json]',
  'pitwall rule edit <source> <rule_id> (<change.json> | --set key=value ...) [--json]',
].join('\n       ');

const rule: Command = async (argv, env) => {
  const usage = RULE_USAGE;
  const { values, positionals } = parseCommand(argv, { create: { type: 'boolean', default: false }, set: { type: 'string', multiple: true } });
  const [action] = positionals;
  if (!['add', 'remove', 'enable', 'disable', 'edit'].includes(action ?? '')) throw new PitwallError('input', `unknown rule command "${action ?? ''}".\nUsage: ${usage}`);
  const source = requirePositional(positionals, 1, 'the source', usage);
  const sets = (values.set as string[] | undefined) ?? [];
  if (sets.length > 0 && action !== 'edit') throw new PitwallError('input', `--set is for rule edit.\nUsage: ${usage}`);
  const create = Boolean(values.create);
  const write = <T>(use: (store: Store) => Promise<T>): Promise<T> =>
    withStore(source, env, async (store) => {
      await checkHoldsMonitoringData(store, source, create);
      return use(store);
    }, false, true);
  if (action === 'add') {
    const file = requirePositional(positionals, 2, 'the rule file', usage);
    // Checked exactly as `rules validate` checks a file, and refused on any problem it finds.
    const checked = checkNewRule(file, await readInputFile(file));
    const added = await write((store) => new AlertingSystem(store, env.now).addRule(checked));
    if (values.json) printJson(env.out, added);
    else env.out.write(`added rule ${added.rule_id}: ${added.metric_name} ${added.comparison} ${added.threshold}\n`);
    return 0;
  }
  const ruleId = requirePositional(positionals, 2, 'the rule_id', usage);
  if (action === 'remove') {
    await write((store) => removeRule(store, ruleId));
    if (values.json) printJson(env.out, { removed: ruleId });
    else env.out.write(`removed rule ${ruleId}\n`);
    return 0;
  }
  if (action === 'enable' || action === 'disable') {
    const { rule: changed, changed: did } = await write((store) => setRuleEnabled(store, ruleId, action === 'enable'));
    if (values.json) printJson(env.out, changed);
    else env.out.write(`${did ? '' : 'already '}${action === 'enable' ? 'enabled' : 'disabled'} rule ${ruleId}\n`);
    return 0;
  }
  const file = positionals[3];
  if ((file === undefined) === (sets.length === 0)) throw new PitwallError('input', `rule edit needs a change: a JSON file of fields, or --set key=value (not both).\nUsage: ${usage}`);
  const change = file === undefined ? parseRuleAssignments(sets) : ruleChangeOf(file, await readInputFile(file));
  const edited = await write((store) => editRule(store, ruleId, change));
  if (values.json) printJson(env.out, edited);
  else env.out.write(`edited rule ${edited.rule_id}: ${edited.enabled ? '' : '(disabled) '}${edited.metric_name} ${edited.comparison} ${edited.threshold}\n`);
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
  summary: { run: summary, summary: 'summary <source>                         counts, model versions, writability, warnings' },
  alerts: { run: alerts, summary: 'alerts <source> [--severity S] [--unacknowledged] [--limit N]' },
  ack: { run: ack, summary: 'ack <source> <alert_id>... [--by NAME] [--comment TEXT]' },
  unack: { run: unack, summary: 'unack <source> <alert_id>...                 take acknowledgments back' },
  rules: { run: rules, summary: 'rules <source> | rules validate <rules.json>  the alert rules; or check a rules file' },
  rule: { run: rule, summary: 'rule add|remove|enable|disable|edit <source> …  change the rules (checked as rules validate checks them)' },
  outcome: { run: outcome, summary: 'outcome <source> <prediction_id> <0|1>   record ground truth' },
  migrate: { run: migrate, summary: 'migrate <jsonl-folder> <new.db> [--dry-run]' },
};
