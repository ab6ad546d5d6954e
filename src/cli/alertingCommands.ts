/** The alerting commands: evaluate (rules → alerts) and backtest (a rule over history). */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AlertEngine, type StepResult } from '../core/alerting/engine';
import { backtestRule } from '../core/alerting/backtestRule';
import { alertOf, channelSettings, DEFAULT_STALE_AFTER, deliveryFailures, deliveryTimeoutMs, evaluateOnce, formatValue, judgeRules, type DeliveryOutcome, type SkippedRule } from '../core/alerting/run';
import { formatAge, type Freshness } from '../core/analytics/freshness';
import { parseDuration } from '../core/analytics/duration';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { checkSilenceMatchers } from '../core/alerting/silenceCheck';
import { checkHoldsMonitoringData } from '../core/store/monitoringData';
import { checkSilence } from '../core/store/silenceRecords';
import { AlertRuleSchema, type AlertRule } from '../core/model/alertRule';
import type { Store } from '../core/store/store';
import { parseCount, parseSince, parseTime, SOURCE } from './args';
import { defineCommand, type CliCommand } from './commandSpec';
import { withStore, type CommandEnvironment } from './context';
import { formatTime, printJson, printTable, type Output } from './output';

/** The data's span and the built-in freshness check, in a line: what an empty evaluation would otherwise hide. */
function freshnessLine(freshness: Freshness): string {
  if (freshness.newest_prediction === null || freshness.first_prediction === null) return messages.freshnessNoData();
  const stale = freshness.versions.filter((v) => v.stale).map((v) => `${v.model_version} (silent ${formatAge(v.age)})`);
  return messages.freshnessLine(formatTime(freshness.first_prediction), formatTime(freshness.newest_prediction), formatAge(freshness.age ?? 0), formatAge(freshness.stale_after), stale);
}

/** Each rule an evaluation skipped, on stderr, then what --strict does about it. */
function reportSkipped(env: CommandEnvironment, skipped: readonly SkippedRule[], strict: boolean, indent = ''): void {
  for (const rule of skipped) env.out.error(`${indent}warning: ${rule.rule_id === null ? '' : `rule ${rule.rule_id} skipped: `}${rule.message}\n`);
  if (skipped.length > 0) env.out.error(`${indent}${messages.rulesSkipped(skipped.length, strict)}\n`);
}

/** --stale-after, a duration; the kernel's default when absent. */
function staleAfterOf(text: string | undefined): number {
  return text === undefined ? DEFAULT_STALE_AFTER : parseDuration(text);
}

const STRICT_OPTION = { type: 'boolean', description: 'a rule that cannot be judged fails the run (exit status 2) instead of a warning on stderr' } as const;
const STALE_AFTER_OPTION = {
  type: 'string',
  placeholder: 'DURATION',
  defaultText: `${DEFAULT_STALE_AFTER / 3600}h`,
  description: 'the built-in freshness check calls a model version stale when its newest prediction is older than this',
} as const;

const evaluate = defineCommand({
  name: 'evaluate',
  summary: 'evaluate the rules once: create alerts, deliver them, keep cooldowns',
  description: 'A rule that cannot be judged (it does not load, or its data cannot be read) is skipped with its reason on stderr, and the others are evaluated; --strict makes that fail. A rule on num_predictions judges every model version the source has had, however long it has been silent.',
  positionals: [SOURCE],
  options: {
    at: { type: 'string', placeholder: 'TIME', defaultText: 'now', description: 'evaluate as of this time (ISO 8601 or unix seconds); the alerts are real unless --dry-run' },
    'dry-run': { type: 'boolean', description: 'print the verdicts and the alerts it would create; write and deliver nothing' },
    strict: STRICT_OPTION,
    'stale-after': STALE_AFTER_OPTION,
  },
  examples: ['pitwall evaluate demo/monitoring.db --dry-run', 'pitwall evaluate demo/monitoring --json --strict', 'pitwall evaluate demo/monitoring.db --at 2026-10-12T00:00:00Z --dry-run'],
  run: async ({ values, args: { source } }, env) => {
    const at = parseTime(values.at, 'at') ?? env.now();
    const strict = values.strict;
    const staleAfter = staleAfterOf(values['stale-after']);
    if (values['dry-run']) return evaluateDryRun(source, at, strict, staleAfter, values.json, env);
    const settings = channelSettings(source, process.env);
    const timeoutMs = deliveryTimeoutMs(process.env);
    // With --json, stdout is the JSON document: the console channel writes to stderr then.
    const write = values.json ? (line: string) => env.out.error(`${line}\n`) : (line: string) => env.out.write(`${line}\n`);
    // The alerts are recorded when evaluateOnce returns; the store stays open until their
    // deliveries are done and in its delivery log.
    const { outcome, delivered } = await withStore(source, env, async (store) => {
      const outcome = await evaluateOnce(store, new AlertEngine([]), at, settings, write, { delivery: { timeoutMs }, staleAfter });
      return { outcome, delivered: await outcome.delivery };
    });
    const { result, created, skipped, freshness } = outcome;
    const problems = [...outcome.problems, ...delivered.problems];
    const status = strict && skipped.length > 0 ? 2 : 0;
    if (values.json) {
      printJson(env.out, {
        at,
        alerts: created,
        verdicts: result.verdicts,
        deliveries: delivered.deliveries,
        problems: [...result.problems, ...problems.map((message) => ({ rule_id: null, message }))],
        skipped_rules: skipped,
        freshness,
      });
      reportSkipped(env, skipped, strict);
      return status;
    }
    for (const problem of problems) env.out.error(`${problem}\n`);
    for (const failure of deliveryFailures(delivered)) env.out.error(`${failure}\n`);
    env.out.write(`Evaluated at ${formatTime(at)}: ${created.length} alert(s) created.\n`);
    env.out.write(`${freshnessLine(freshness)}\n`);
    if (result.verdicts.length > 0) printVerdicts(env.out, result.verdicts, false);
    reportSkipped(env, skipped, strict);
    return status;
  },
});

function printVerdicts(out: Output, verdicts: StepResult['verdicts'], dryRun: boolean): void {
  const outcome = (o: string) => (dryRun && o === 'fired' ? 'would fire' : dryRun && o === 'resolved' ? 'would resolve' : o);
  printTable(
    out,
    ['RULE', 'MODEL', 'SEGMENT', 'VALUE', 'OUTCOME', 'WHY'],
    verdicts.map((v) => [v.rule_id, v.model_version ?? '', v.segment ?? '', formatValue(v.value), outcome(v.outcome), v.reason]),
  );
}

/** `evaluate --dry-run`: the verdicts an evaluation would reach now, with the alerts it would create; nothing is written or delivered. */
async function evaluateDryRun(source: string, at: number, strict: boolean, staleAfter: number, json: boolean, env: CommandEnvironment): Promise<number> {
  const judgement = await withStore(source, env, (store) => judgeRules(store, new AlertEngine([]), at, staleAfter));
  const { result, skipped, freshness } = judgement;
  const wouldCreate = result.fired.map(alertOf);
  if (json) {
    printJson(env.out, { at, dry_run: true, alerts: [], would_create: wouldCreate, verdicts: result.verdicts, deliveries: [], problems: result.problems, skipped_rules: skipped, freshness });
  } else {
    env.out.write(`${messages.dryRunHeader(formatTime(at), wouldCreate.length, result.resolved.length)}\n`);
    env.out.write(`${freshnessLine(freshness)}\n`);
    if (result.verdicts.length > 0) printVerdicts(env.out, result.verdicts, true);
  }
  reportSkipped(env, skipped, strict);
  return strict && skipped.length > 0 ? 2 : 0;
}

/** A rule by id from the source, or a draft rule from a JSON file. */
async function ruleFor(store: Store, name: string): Promise<AlertRule> {
  const rules = await store.readRules();
  const known = rules.find((rule) => rule.rule_id === name);
  if (known !== undefined) return known;
  if (!name.endsWith('.json')) throw new PitwallError('input', `No rule "${name}" in the source, and it is not a .json file: give a rule_id or a rule file.`);
  let text: string;
  try {
    text = await readFile(name, 'utf8');
  } catch (error) {
    throw new PitwallError('not-found', `Cannot read the rule file ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PitwallError('input', `${name} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = AlertRuleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PitwallError('input', `${name}: ${(issue?.path ?? []).join('.') || 'the rule'} ${issue?.message ?? 'is not valid'}`);
  }
  return parsed.data;
}

const backtestCommand = defineCommand({
  name: 'backtest',
  summary: 'replay a rule over history: when it would have fired and resolved (writes nothing)',
  positionals: [SOURCE, { name: 'rule', description: 'a rule_id of the source, or a draft rule in a .json file' }],
  options: {
    from: { type: 'string', placeholder: 'TIME', defaultText: 'the first prediction', description: 'start of the replay (ISO 8601, unix seconds, or an age such as 7d)' },
    to: { type: 'string', placeholder: 'TIME', defaultText: 'the last prediction', description: 'end of the replay' },
    every: { type: 'string', placeholder: 'DURATION', default: '5m', description: 'evaluate once per this step' },
  },
  examples: ['pitwall backtest demo/monitoring.db acc_low --every 1h', 'pitwall backtest demo/monitoring draft_rule.json --from 2026-10-01 --to 2026-10-08 --json'],
  run: async ({ values, args: { source, rule: name } }, env) => {
    const every = parseDuration(values.every);
    const report = await withStore(source, env, async (store) => {
      const rule = await ruleFor(store, name);
      const from = parseSince(values.from, 'from', env.now());
      const to = parseSince(values.to, 'to', env.now());
      return backtestRule(store, rule, { every, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
    });
    if (values.json) {
      printJson(env.out, report);
      return 0;
    }
    env.out.write(`${messages.backtestScope(formatTime(report.from), formatTime(report.to), values.every)}\n`);
    env.out.write(`Rule ${report.rule_id}: ${report.alerts.length} alert(s) and ${report.resolutions.length} resolution(s) over ${report.evaluations} evaluations.\n`);
    if (report.alerts.length > 0) {
      printTable(env.out, ['FIRES AT', 'MODEL', 'SEGMENT', 'WHY'], report.alerts.map((a) => [formatTime(a.at), a.model_version ?? '', a.segment ?? '', a.reason]));
    }
    return 0;
  },
});

/**
 * Evaluates the rules now, then again every interval and whenever the source's files change
 * (debounced), until SIGINT or SIGTERM: the run in progress finishes, deliveries still under
 * way end (each within its channels' deadline) and are logged, the store closes, exit 0.
 * Deliveries run apart from evaluations, so a hung channel never delays the next evaluation.
 * The engine lives across runs, so a scope that keeps holding is alerted once.
 */
const watch = defineCommand({
  name: 'watch',
  summary: 'evaluate the rules on an interval and whenever the source changes, until stopped',
  description: 'A rule that cannot be judged is skipped with a warning on stderr (said again only when it changes); with --strict the watch stops with exit status 2.',
  positionals: [SOURCE],
  options: {
    interval: { type: 'string', placeholder: 'DURATION', default: '60s', description: 'evaluate at least this often' },
    strict: STRICT_OPTION,
    'stale-after': STALE_AFTER_OPTION,
  },
  examples: ['pitwall watch demo/monitoring --interval 60s', 'pitwall watch demo/monitoring.db --json --strict', 'pitwall watch demo/monitoring.db --stale-after 6h'],
  run: async ({ values, args: { source } }, env) => {
    const interval = parseDuration(values.interval);
    const strict = values.strict;
    const staleAfter = staleAfterOf(values['stale-after']);
    const settings = channelSettings(source, process.env);
    const timeoutMs = deliveryTimeoutMs(process.env);
    return withStore(source, env, async (store) => {
      const engine = new AlertEngine(await store.readRules());
      let running: Promise<void> = Promise.resolve();
      let stopped = false;
      let status = 0;
      let stop: () => void = () => undefined;
      // Skipped rules and freshness are said when they change, not at every run.
      let lastSkipped = '';
      let lastFreshness = '';
      // Deliveries run apart from the evaluations: a hung channel never holds up the next one.
      const delivering = new Set<Promise<void>>();
      const report = (outcome: DeliveryOutcome) => {
        for (const problem of outcome.problems) env.out.error(`  ${problem}\n`);
        for (const failure of deliveryFailures(outcome)) env.out.error(`  ${failure}\n`);
      };
      const run = (why: string) => {
        running = running.then(async () => {
          if (stopped) return;
          const at = env.now();
          try {
            await store.refresh();
            const write = values.json ? (line: string) => env.out.error(`${line}\n`) : (line: string) => env.out.write(`${line}\n`);
            const { result, created, problems, delivery, skipped, freshness } = await evaluateOnce(store, engine, at, settings, write, { delivery: { timeoutMs }, staleAfter });
            const pending = delivery.then(report);
            delivering.add(pending);
            void pending.finally(() => delivering.delete(pending));
            for (const problem of problems) env.out.error(`  ${problem}\n`);
            if (values.json) env.out.write(`${JSON.stringify({ at, why, alerts: created, resolved: result.resolved.map((r) => r.verdict), problems: result.problems, skipped_rules: skipped, freshness })}\n`);
            else {
              env.out.write(`${formatTime(at)} (${why}) ${created.length} alert(s), ${result.resolved.length} resolved\n`);
              for (const alert of created) env.out.write(`  ${alert.severity} ${alert.message ?? alert.title ?? ''}\n`);
              const stale = JSON.stringify(freshness.versions.filter((v) => v.stale).map((v) => v.model_version));
              if (stale !== lastFreshness) env.out.write(`  ${freshnessLine(freshness)}\n`);
              lastFreshness = stale;
            }
            const said = JSON.stringify(skipped);
            if (said !== lastSkipped) reportSkipped(env, skipped, strict, '  ');
            lastSkipped = said;
            if (strict && skipped.length > 0) {
              status = 2;
              stop();
            }
          } catch (error) {
            // One failed run (a file mid-rewrite, a locked database) is reported; the next one tries again.
            env.out.error(`${formatTime(at)} evaluation failed: ${error instanceof Error ? error.message : String(error)}\n`);
          }
        });
      };
      run('start');
      const timer = setInterval(() => run('interval'), interval * 1000);
      let debounce: ReturnType<typeof setTimeout> | undefined;
      let watcher: FSWatcher | undefined;
      try {
        watcher = fsWatch(source, () => {
          if (debounce !== undefined) clearTimeout(debounce);
          debounce = setTimeout(() => run('change'), 500);
        });
      } catch {
        // Watching is a convenience: the interval still runs.
      }
      await new Promise<void>((resolve) => {
        stop = resolve;
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      }).finally(() => {
        // Stopped by --strict: the signal handlers go too.
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      });
      stopped = true;
      clearInterval(timer);
      if (debounce !== undefined) clearTimeout(debounce);
      watcher?.close();
      await running;
      if (delivering.size > 0) {
        // Each delivery ends within its channels' deadline; the store stays open for their log.
        env.out.error(`waiting for ${delivering.size} evaluation(s) still delivering…\n`);
        await Promise.all(delivering);
      }
      env.out.write('stopped\n');
      return status;
    });
  },
});

const silenceAdd = defineCommand({
  name: 'add',
  summary: 'mute the delivery of matching alerts for a while (the alerts are still recorded)',
  positionals: [SOURCE],
  options: {
    rule: { type: 'string', placeholder: 'RULE_ID', description: 'mute alerts of this rule' },
    model: { type: 'string', placeholder: 'VERSION', description: 'mute alerts of this model version' },
    segment: { type: 'string', placeholder: 'SEGMENT', description: 'mute alerts of this segment' },
    severity: { type: 'string', placeholder: 'SEVERITY', description: 'mute alerts of this severity' },
    for: { type: 'string', placeholder: 'DURATION', description: 'how long from --from (this or --until is needed)' },
    until: { type: 'string', placeholder: 'TIME', description: 'when the silence ends' },
    from: { type: 'string', placeholder: 'TIME', defaultText: 'now', description: 'when the silence starts' },
    comment: { type: 'string', placeholder: 'TEXT', description: 'why' },
    by: { type: 'string', placeholder: 'NAME', description: 'who silences' },
    force: { type: 'boolean', description: 'add it even when a matcher matches no rule, model version or segment the source knows (one still to come)' },
    create: { type: 'boolean', description: 'write even to a source that holds no monitoring data yet' },
  },
  examples: [
    'pitwall silence add demo/monitoring.db --rule acc_low --for 2h --comment "deploying" --by ana',
    'pitwall silence add demo/monitoring --model v1.1 --until 2026-10-12T08:00:00Z',
    'pitwall silence add demo/monitoring.db --rule acc_next --for 1d --force',
  ],
  run: async ({ values, args: { source } }, env) => {
    const now = env.now();
    const starts = parseTime(values.from, 'from') ?? now;
    const until = parseTime(values.until, 'until');
    const ends = until ?? (values.for === undefined ? undefined : starts + parseDuration(values.for));
    if (ends === undefined) throw new PitwallError('input', 'a silence needs an end: --for 2h or --until T (see `pitwall silence add --help`).');
    const matchers = {
      ...(values.rule === undefined ? {} : { rule_id: values.rule }),
      ...(values.model === undefined ? {} : { model_version: values.model }),
      ...(values.segment === undefined ? {} : { segment: values.segment }),
      ...(values.severity === undefined ? {} : { severity: values.severity }),
    };
    if (Object.keys(matchers).length === 0) throw new PitwallError('input', 'a silence needs at least one matcher (--rule, --model, --segment or --severity): one that mutes everything is too easy to forget.');
    const value = checkSilence({ id: randomUUID().slice(0, 8), matchers, starts_at: starts, ends_at: ends, comment: values.comment ?? '', created_by: values.by ?? null, created_at: now });
    await withStore(
      source,
      env,
      async (store) => {
        await checkHoldsMonitoringData(store, source, values.create);
        if (!values.force) {
          const problems = await checkSilenceMatchers(store, value.matchers);
          if (problems.length > 0) throw new PitwallError('input', [...problems, messages.silenceMatchesNothing()].join('\n'));
        }
        await store.saveSilence(value);
      },
      false,
      true,
    );
    if (values.json) printJson(env.out, value);
    else env.out.write(`Silence ${value.id} mutes ${JSON.stringify(value.matchers)} from ${formatTime(value.starts_at)} until ${formatTime(value.ends_at)}.\n`);
    return 0;
  },
});

const silenceList = defineCommand({
  name: 'list',
  summary: 'the silences in force (or all of them)',
  positionals: [SOURCE],
  options: { all: { type: 'boolean', description: 'list ended silences too' } },
  examples: ['pitwall silence list demo/monitoring.db', 'pitwall silence list demo/monitoring --all --json'],
  run: async ({ values, args: { source } }, env) => {
    const now = env.now();
    const list = (await withStore(source, env, (store) => store.readSilences())).filter((s) => values.all || s.ends_at > now);
    if (values.json) printJson(env.out, list);
    else if (list.length === 0) env.out.write(values.all ? 'No silences.\n' : 'No active silences (--all lists ended ones too).\n');
    else printTable(env.out, ['ID', 'MATCHERS', 'FROM', 'UNTIL', 'BY', 'COMMENT'], list.map((s) => [s.id, JSON.stringify(s.matchers), formatTime(s.starts_at), formatTime(s.ends_at), s.created_by ?? '', s.comment]));
    return 0;
  },
});

const silenceExpire = defineCommand({
  name: 'expire',
  summary: 'end a silence now',
  positionals: [SOURCE, { name: 'id', description: 'the silence id, as `pitwall silence list` shows it' }],
  examples: ['pitwall silence expire demo/monitoring.db 3f2a9c1e', 'pitwall silence expire demo/monitoring 3f2a9c1e'],
  run: async ({ args: { source, id } }, env) => {
    const now = env.now();
    const found = await withStore(source, env, (store) => store.expireSilence(id, now));
    if (!found) throw new PitwallError('not-found', messages.silenceNotFound(id));
    env.out.write(`Silence ${id} ended at ${formatTime(now)}.\n`);
    return 0;
  },
});

const silence = defineCommand({
  name: 'silence',
  summary: 'mute delivery for a while, keep the alerts',
  subcommands: [silenceAdd, silenceList, silenceExpire],
  examples: ['pitwall silence add demo/monitoring.db --rule acc_low --for 2h', 'pitwall silence list demo/monitoring.db', 'pitwall silence expire demo/monitoring.db 3f2a9c1e'],
});

/** The source's delivery log: what became of each notice on each channel, newest last. */
const deliveries = defineCommand({
  name: 'deliveries',
  summary: 'the delivery log: what became of each notice on each channel, newest last',
  positionals: [SOURCE],
  options: {
    failed: { type: 'boolean', description: 'only deliveries that failed' },
    alert: { type: 'string', placeholder: 'KEY', description: 'only the deliveries of this alert' },
    limit: { type: 'string', placeholder: 'N', default: '100', description: 'at most N records' },
  },
  examples: ['pitwall deliveries demo/monitoring.db --failed', 'pitwall deliveries demo/monitoring --alert alert_1790856000697#1 --json'],
  run: async ({ values, args: { source } }, env) => {
    const limit = parseCount(values.limit, 'limit');
    const log = await withStore(source, env, (store) =>
      store.readDeliveries({ failed: values.failed, limit, ...(values.alert === undefined ? {} : { alert: values.alert }) }),
    );
    for (const problem of log.problems) env.out.error(`${problem}\n`);
    if (values.json) {
      printJson(env.out, log);
      return 0;
    }
    if (log.records.length === 0) {
      env.out.write(values.failed ? 'No failed deliveries.\n' : 'No deliveries recorded: `pitwall evaluate` and `pitwall watch` log them.\n');
      return 0;
    }
    printTable(
        env.out,
        ['FINISHED', 'ALERT', 'RULE', 'KIND', 'CHANNEL', 'STATUS', 'TRIES', 'ERROR'],
        log.records.map((r) => [formatTime(r.finished_at), r.alert, r.rule_id, r.kind, r.channel, r.status, String(r.attempts), r.error ?? '']),
    );
    return 0;
  },
});

export const ALERTING_COMMANDS: readonly CliCommand[] = [evaluate, watch, deliveries, silence, backtestCommand];
