import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkRulesFile } from '../core/alerting/rulesCheck';
import { AlertingSystem } from '../core/alertingSystem';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { AlertRuleSchema, type AlertRule } from '../core/model/alertRule';
import { formatMigrationReport, migrateJsonlToSqlite } from '../core/store/migrate';
import type { AlertKey, Store } from '../core/store/store';
import { ModelPerformanceTracker } from '../core/tracker';
import { SOURCE } from './args';
import { defineCommand, type CliCommand } from './commandSpec';
import { withStore, type CommandEnvironment } from './context';
import { alerts } from './alertsCommand';
import { formatTable, formatTime, printJson } from './output';

/** At most this many warnings in the human summary; --json gives them all. */
const SHOWN_WARNINGS = 10;

const summary = defineCommand({
  name: 'summary',
  summary: 'counts, model versions, writability, and the problems met reading the source',
  positionals: [SOURCE],
  examples: ['pitwall summary demo/monitoring.db', 'pitwall summary demo/monitoring --json'],
  run: async ({ values, args: { source } }, env) => {
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
  },
});

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

const ack = defineCommand({
  name: 'ack',
  summary: 'acknowledge alerts, with who and why',
  positionals: [SOURCE, { name: 'alert', variadic: true, description: 'an alert_id, meaning every alert with it, or an alert key as `pitwall alerts` lists them' }],
  options: {
    by: { type: 'string', placeholder: 'NAME', defaultText: 'your user name ($USER)', description: 'who acknowledges' },
    comment: { type: 'string', placeholder: 'TEXT', description: 'why, kept with the acknowledgment' },
  },
  examples: [
    'pitwall ack demo/monitoring alert_1792022400622 --by oncall --comment "retraining v1.1"',
    'pitwall ack demo/monitoring.db alert_1792022400622 alert_1792026000000 --json',
  ],
  run: async ({ values, args: { source, alert } }, env) => {
    const by = values.by ?? process.env.USER ?? null;
    const comment = values.comment ?? null;
    const outcome = await withStore(source, env, async (store) => {
      const { keys, unknown } = await resolveAlerts(store, alert);
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
  },
});

/** Names the alerts asked for that the source does not have, on standard error: exit status 2 when there are any. */
function reportMissing(env: CommandEnvironment, missing: readonly string[], source: string): number {
  if (missing.length === 0) return 0;
  env.out.error(`pitwall: no alert ${missing.map((name) => `"${name}"`).join(', ')} in ${source}\n`);
  return 2;
}

const unack = defineCommand({
  name: 'unack',
  summary: 'take acknowledgments back',
  positionals: [SOURCE, { name: 'alert', variadic: true, description: 'an alert_id, meaning every alert with it, or an alert key' }],
  examples: ['pitwall unack demo/monitoring.db alert_1792022400622', 'pitwall unack demo/monitoring alert_1792022400622 --json'],
  run: async ({ values, args: { source, alert } }, env) => {
    const outcome = await withStore(source, env, async (store) => {
      const { keys, unknown } = await resolveAlerts(store, alert);
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
  },
});

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
  positionals: [{ name: 'file', description: 'a rules file: alert_rules.json or any JSON array of rules' }],
  examples: ['pitwall rules validate demo/monitoring/alert_rules.json', 'pitwall rules validate alert_rules.json --json'],
  run: ({ values, args: { file } }, env) => validateRules(file, values.json, env),
});

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
    else env.out.write(formatTable(['RULE', 'ON', 'SEVERITY', 'CONDITION', 'COOLDOWN', 'LAST FIRED', 'CHANNELS'], list.map(describeRule)));
    return 0;
  },
});

const ruleAdd = defineCommand({
  name: 'add',
  summary: 'add a rule from a JSON file (a duplicate rule_id is refused)',
  positionals: [SOURCE, { name: 'file', description: 'a JSON file holding one rule object' }],
  examples: ['pitwall rule add demo/monitoring rule.json', 'pitwall rule add demo/monitoring.db rule.json --json'],
  run: async ({ values, args: { source, file } }, env) => {
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
  },
});

const rule = defineCommand({
  name: 'rule',
  summary: 'change the rules of a source',
  subcommands: [ruleAdd],
  examples: ['pitwall rule add demo/monitoring rule.json', 'pitwall rule add demo/monitoring.db rule.json --json'],
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
  summary: 'copy a JSONL folder into a SQLite database (a second run adds only what is new)',
  positionals: [
    { name: 'folder', description: 'the JSONL monitoring folder to copy' },
    { name: 'target', description: 'the SQLite database to create or add to' },
  ],
  options: { 'dry-run': { type: 'boolean', description: 'report what would be copied; write nothing' } },
  examples: ['pitwall migrate demo/monitoring new.db --dry-run', 'pitwall migrate demo/monitoring new.db --json'],
  run: async ({ values, args: { folder, target } }, env) => {
    const report = await migrateJsonlToSqlite(folder, target, {
      dryRun: values['dry-run'],
      ...(env.wasmPath === undefined ? {} : { wasmPath: env.wasmPath }),
    });
    if (values.json) printJson(env.out, report);
    else env.out.write(formatMigrationReport(report));
    return 0;
  },
});

export const STORE_COMMANDS: readonly CliCommand[] = [summary, alerts, ack, unack, rules, rule, outcome, migrate];
