import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { editRule, parseRuleAssignments, removeRule, setRuleEnabled } from '../core/alerting/ruleEdits';
import { checkNewRule, checkRulesFile } from '../core/alerting/rulesCheck';
import { AlertingSystem } from '../core/alertingSystem';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import type { AlertRule } from '../core/model/alertRule';
import { formatMigrationReport, migrateJsonlToSqlite } from '../core/store/migrate';
import { isPostgresMigration, migratePostgres } from '../core/store/postgres/migratePostgres';
import { checkHoldsMonitoringData } from '../core/store/monitoringData';
import type { Store } from '../core/store/store';
import { ModelPerformanceTracker } from '../core/tracker';
import { SOURCE } from './args';
import { defineCommand, type CliCommand } from './commandSpec';
import { withStore, type CommandEnvironment } from './context';
import { ack, unack } from './ackCommands';
import { alerts } from './alertsCommand';
import { formatTime, printJson, printTable } from './output';
import { summary } from './summaryCommand';

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

const rulesValidate = defineCommand({
  name: 'validate',
  summary: 'check a rules file as the store and the engine would read it (opens no source, writes nothing)',
  positionals: [{ name: 'file', description: 'a rules file: alert_rules.json or any JSON array of rules, or a file of one rule (as `rule add` takes)' }],
  examples: ['pitwall rules validate demo/monitoring/alert_rules.json', 'pitwall rules validate alert_rules.json --json', 'pitwall rules validate rule.json'],
  run: ({ values, args: { file } }, env) => validateRules(file, values.json, env),
});

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

const rules = defineCommand({
  name: 'rules',
  summary: 'the alert rules of a source',
  positionals: [SOURCE],
  subcommands: [rulesValidate],
  examples: ['pitwall rules demo/monitoring.db', 'pitwall rules demo/monitoring --json', 'pitwall rules validate alert_rules.json'],
  run: async ({ values, args: { source } }, env) => {
    const list = await withStore(source, env, (store) => store.readRules());
    if (values.json) printJson(env.out, list);
    else if (list.length === 0) env.out.write('No rules in this source.\n');
    else printTable(env.out, ['RULE', 'ON', 'SEVERITY', 'CONDITION', 'COOLDOWN', 'LAST FIRED', 'CHANNELS'], list.map(describeRule));
    return 0;
  },
});

const CREATE_OPTION = { type: 'boolean', description: 'write even to a source that holds no monitoring data yet (a new folder or database)' } as const;

/** Runs a write on the source; a source with no monitoring data is refused unless --create (a mistyped path would otherwise gain files). */
function writeRules<T>(source: string, create: boolean, env: CommandEnvironment, use: (store: Store) => Promise<T>): Promise<T> {
  return withStore(
    source,
    env,
    async (store) => {
      await checkHoldsMonitoringData(store, source, create);
      return use(store);
    },
    false,
    true,
  );
}

const RULE_ID = { name: 'rule_id', description: 'the rule to change (`pitwall rules <source>` lists them)' } as const;

const ruleAdd = defineCommand({
  name: 'add',
  summary: 'add a rule from a JSON file, checked as `rules validate` checks it (a duplicate rule_id is refused)',
  positionals: [SOURCE, { name: 'file', description: 'a JSON file holding one rule object' }],
  options: { create: CREATE_OPTION },
  examples: ['pitwall rule add demo/monitoring rule.json', 'pitwall rule add demo/monitoring.db rule.json --json', 'pitwall rule add new-folder rule.json --create'],
  run: async ({ values, args: { source, file } }, env) => {
    // Checked exactly as `rules validate` checks a file, and refused on any problem it finds.
    const checked = checkNewRule(file, await readInputFile(file));
    const added = await writeRules(source, values.create, env, (store) => new AlertingSystem(store, env.now).addRule(checked));
    if (values.json) printJson(env.out, added);
    else env.out.write(`added rule ${added.rule_id}: ${added.metric_name} ${added.comparison} ${added.threshold}\n`);
    return 0;
  },
});

const ruleRemove = defineCommand({
  name: 'remove',
  summary: 'remove a rule, also one that does not load',
  positionals: [SOURCE, RULE_ID],
  examples: ['pitwall rule remove demo/monitoring acc_low', 'pitwall rule remove demo/monitoring.db acc_low --json'],
  run: async ({ values, args: { source, rule_id: ruleId } }, env) => {
    await writeRules(source, false, env, (store) => removeRule(store, ruleId));
    if (values.json) printJson(env.out, { removed: ruleId });
    else env.out.write(`removed rule ${ruleId}\n`);
    return 0;
  },
});

/** `rule enable` and `rule disable`: one description, two commands. */
function ruleSwitch(enable: boolean): CliCommand {
  const name = enable ? 'enable' : 'disable';
  return defineCommand({
    name,
    summary: enable ? 'turn a rule on: evaluate and watch judge it again' : 'turn a rule off: evaluate and watch pass it by, it stays in the source',
    positionals: [SOURCE, RULE_ID],
    examples: [`pitwall rule ${name} demo/monitoring acc_low`, `pitwall rule ${name} demo/monitoring.db acc_low --json`],
    run: async ({ values, args: { source, rule_id: ruleId } }, env) => {
      const { rule: changed, changed: did } = await writeRules(source, false, env, (store) => setRuleEnabled(store, ruleId, enable));
      if (values.json) printJson(env.out, changed);
      else env.out.write(`${did ? '' : 'already '}${enable ? 'enabled' : 'disabled'} rule ${ruleId}\n`);
      return 0;
    },
  });
}

const ruleEdit = defineCommand({
  name: 'edit',
  summary: 'change fields of a rule from a JSON file or --set key=value, checked as `rule add` checks a rule',
  positionals: [SOURCE, RULE_ID, { name: 'change', optional: true, description: 'a JSON file holding one object of the fields to change (or use --set)' }],
  options: {
    set: { type: 'string', multiple: true, placeholder: 'KEY=VALUE', description: 'set one field (conditions.window=6h reaches into conditions; a null there removes the key)' },
  },
  examples: ['pitwall rule edit demo/monitoring acc_low --set threshold=0.75 --set conditions.window=6h', 'pitwall rule edit demo/monitoring.db acc_low change.json --json'],
  run: async ({ values, args: { source, rule_id: ruleId, change: file } }, env) => {
    const sets = values.set;
    if ((file === undefined) === (sets.length === 0)) throw new PitwallError('input', messages.ruleEditNeedsChange());
    const change = file === undefined ? parseRuleAssignments(sets) : ruleChangeOf(file, await readInputFile(file));
    const edited = await writeRules(source, false, env, (store) => editRule(store, ruleId, change));
    if (values.json) printJson(env.out, edited);
    else env.out.write(`edited rule ${edited.rule_id}: ${edited.enabled ? '' : '(disabled) '}${edited.metric_name} ${edited.comparison} ${edited.threshold}\n`);
    return 0;
  },
});

const rule = defineCommand({
  name: 'rule',
  summary: 'change the rules of a source (each change checked as `rules validate` checks a file)',
  subcommands: [ruleAdd, ruleRemove, ruleSwitch(true), ruleSwitch(false), ruleEdit],
  examples: ['pitwall rule add demo/monitoring rule.json', 'pitwall rule disable demo/monitoring.db acc_low', 'pitwall rule edit demo/monitoring acc_low --set threshold=0.75'],
});

const outcome = defineCommand({
  name: 'outcome',
  summary: 'record the ground truth of a prediction',
  positionals: [SOURCE, { name: 'prediction_id', description: 'the prediction the outcome belongs to' }, { name: 'actual', description: 'what really happened: 0 or 1' }],
  examples: ['pitwall outcome demo/monitoring.db pred-0000042 1', 'pitwall outcome demo/monitoring pred-0000042 0 --json'],
  run: async ({ values, args: { source, prediction_id: predictionId, actual: actualText } }, env) => {
    if (actualText !== '0' && actualText !== '1') throw new PitwallError('input', `the actual outcome must be 0 or 1, not "${actualText}".`);
    const evaluation = await withStore(source, env, (store) => new ModelPerformanceTracker(store, env.now).recordActualOutcome(predictionId, Number(actualText)));
    if (!evaluation) throw new PitwallError('input', `no prediction "${predictionId}" in ${source}.`);
    if (values.json) printJson(env.out, evaluation);
    else env.out.write(`recorded ${predictionId}: predicted ${evaluation.predicted_outcome}, actual ${evaluation.actual_outcome} (${evaluation.correct ? 'correct' : 'wrong'})\n`);
    return 0;
  },
});

const migrate = defineCommand({
  name: 'migrate',
  summary: 'copy a JSONL folder into a SQLite database (a second run adds only what is new), or into and out of PostgreSQL',
  positionals: [
    { name: 'source', description: 'the JSONL monitoring folder to copy; into PostgreSQL also a SQLite file; a postgres:// URL to copy out of' },
    { name: 'target', description: 'the SQLite database to create or add to; a postgres:// URL of a database without monitoring rows; out of PostgreSQL a new .db file or a new folder' },
  ],
  options: { 'dry-run': { type: 'boolean', description: 'report what would be copied; write nothing' } },
  examples: [
    'pitwall migrate demo/monitoring new.db --dry-run',
    'pitwall migrate demo/monitoring.db postgres://monitor@db.internal/monitoring',
    'pitwall migrate postgres://monitor@db.internal/monitoring copy.db',
  ],
  run: async ({ values, args: { source, target } }, env) => {
    const options = { dryRun: values['dry-run'], ...(env.wasmPath === undefined ? {} : { wasmPath: env.wasmPath }) };
    const report = isPostgresMigration(source, target) ? await migratePostgres(source, target, options) : await migrateJsonlToSqlite(source, target, options);
    if (values.json) printJson(env.out, report);
    else env.out.write(formatMigrationReport(report));
    return 0;
  },
});

export const STORE_COMMANDS: readonly CliCommand[] = [summary, alerts, ack, unack, rules, rule, outcome, migrate];
