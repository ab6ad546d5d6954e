/** The alerting commands: evaluate (rules → alerts) and backtest (a rule over history). */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AlertEngine, backtest, type StepResult } from '../core/alerting/engine';
import { alertOf, channelSettings, DEFAULT_STALE_AFTER, deliveryFailures, deliveryTimeoutMs, evaluateOnce, formatValue, indexFor, judgeRules, type DeliveryOutcome, type SkippedRule } from '../core/alerting/run';
import { formatAge, type Freshness } from '../core/analytics/freshness';
import { parseDuration } from '../core/analytics/windows';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { checkSilenceMatchers } from '../core/alerting/silenceCheck';
import { checkHoldsMonitoringData } from '../core/store/monitoringData';
import { checkSilence } from '../core/store/silenceRecords';
import { AlertRuleSchema, type AlertRule } from '../core/model/alertRule';
import type { Store } from '../core/store/store';
import { parseCommand, parseCount, parseTime, requirePositional } from './args';
import { withStore, type Command, type CommandEnvironment } from './context';
import { formatTable, formatTime, printJson } from './output';

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

const evaluate: Command = async (argv, env) => {
  const { values, positionals } = parseCommand(argv, {
    at: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    'stale-after': { type: 'string' },
  });
  const source = requirePositional(positionals, 0, 'the source', EVALUATE_USAGE);
  const at = parseTime(values.at as string | undefined, 'at') ?? env.now();
  const strict = Boolean(values.strict);
  const staleAfter = staleAfterOf(values['stale-after'] as string | undefined);
  if (values['dry-run']) return evaluateDryRun(source, at, strict, staleAfter, Boolean(values.json), env);
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
  if (result.verdicts.length > 0) env.out.write(verdictTable(result.verdicts, false));
  reportSkipped(env, skipped, strict);
  return status;
};

const EVALUATE_USAGE = 'pitwall evaluate <source> [--at T] [--dry-run] [--strict] [--stale-after 1d] [--json]';

function verdictTable(verdicts: StepResult['verdicts'], dryRun: boolean): string {
  const outcome = (o: string) => (dryRun && o === 'fired' ? 'would fire' : dryRun && o === 'resolved' ? 'would resolve' : o);
  return formatTable(
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
    if (result.verdicts.length > 0) env.out.write(verdictTable(result.verdicts, true));
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

const backtestCommand: Command = async (argv, env) => {
  const usage = 'pitwall backtest <source> <rule_id | rule.json> [--from T] [--to T] [--every 5m] [--json]';
  const { values, positionals } = parseCommand(argv, { from: { type: 'string' }, to: { type: 'string' }, every: { type: 'string' } });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const name = requirePositional(positionals, 1, 'a rule_id or a rule file', usage);
  const every = parseDuration((values.every as string | undefined) ?? '5m');
  const report = await withStore(source, env, async (store) => {
    const rule = await ruleFor(store, name);
    const index = await indexFor(store, [rule]);
    const times = index.columns.timestamp;
    const from = parseTime(values.from as string | undefined, 'from') ?? (times.length > 0 ? (times[0] as number) : 0);
    const to = parseTime(values.to as string | undefined, 'to') ?? (times.length > 0 ? (times[times.length - 1] as number) : 0);
    if (!(to > from)) throw new PitwallError('input', '--to must be after --from.');
    return backtest(index, rule, { from, to, every });
  });
  if (values.json) {
    printJson(env.out, report);
    return 0;
  }
  env.out.write(`Rule ${report.rule_id}: ${report.alerts.length} alert(s) and ${report.resolutions.length} resolution(s) over ${report.evaluations} evaluations.\n`);
  if (report.alerts.length > 0) {
    env.out.write(formatTable(['FIRES AT', 'MODEL', 'SEGMENT', 'WHY'], report.alerts.map((a) => [formatTime(a.at), a.model_version ?? '', a.segment ?? '', a.reason])));
  }
  return 0;
};

/**
 * Evaluates the rules now, then again every interval and whenever the source's files change
 * (debounced), until SIGINT or SIGTERM: the run in progress finishes, deliveries still under
 * way end (each within its channels' deadline) and are logged, the store closes, exit 0.
 * Deliveries run apart from evaluations, so a hung channel never delays the next evaluation.
 * The engine lives across runs, so a scope that keeps holding is alerted once.
 */
const watch: Command = async (argv, env) => {
  const usage = 'pitwall watch <source> [--interval 60s] [--strict] [--stale-after 1d] [--json]';
  const { values, positionals } = parseCommand(argv, { interval: { type: 'string' }, strict: { type: 'boolean', default: false }, 'stale-after': { type: 'string' } });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const interval = parseDuration((values.interval as string | undefined) ?? '60s');
  const strict = Boolean(values.strict);
  const staleAfter = staleAfterOf(values['stale-after'] as string | undefined);
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
};

const silence: Command = async (argv, env) => {
  const usage = [
    'pitwall silence add <source> [--rule R] [--model V] [--segment S] [--severity X] (--for 2h | --until T) [--from T] [--comment TEXT] [--by NAME] [--force] [--create]',
    'pitwall silence list <source> [--all]',
    'pitwall silence expire <source> <id>',
  ].join('\n       ');
  const [action, ...rest] = argv;
  const { values, positionals } = parseCommand(rest, {
    rule: { type: 'string' },
    model: { type: 'string' },
    segment: { type: 'string' },
    severity: { type: 'string' },
    for: { type: 'string' },
    until: { type: 'string' },
    from: { type: 'string' },
    comment: { type: 'string' },
    by: { type: 'string' },
    all: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    create: { type: 'boolean', default: false },
  });
  const source = requirePositional(positionals, 0, 'the source', `Usage: ${usage}`);
  const now = env.now();
  if (action === 'add') {
    const starts = parseTime(values.from as string | undefined, 'from') ?? now;
    const until = parseTime(values.until as string | undefined, 'until');
    const ends = until ?? (values.for === undefined ? undefined : starts + parseDuration(values.for as string));
    if (ends === undefined) throw new PitwallError('input', `a silence needs an end: --for 2h or --until T.\nUsage: ${usage}`);
    const matchers = {
      ...(values.rule === undefined ? {} : { rule_id: values.rule as string }),
      ...(values.model === undefined ? {} : { model_version: values.model as string }),
      ...(values.segment === undefined ? {} : { segment: values.segment as string }),
      ...(values.severity === undefined ? {} : { severity: values.severity as string }),
    };
    if (Object.keys(matchers).length === 0) throw new PitwallError('input', 'a silence needs at least one matcher (--rule, --model, --segment or --severity): one that mutes everything is too easy to forget.');
    const value = checkSilence({ id: randomUUID().slice(0, 8), matchers, starts_at: starts, ends_at: ends, comment: (values.comment as string | undefined) ?? '', created_by: (values.by as string | undefined) ?? null, created_at: now });
    await withStore(
      source,
      env,
      async (store) => {
        await checkHoldsMonitoringData(store, source, Boolean(values.create));
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
  }
  if (action === 'list') {
    const list = (await withStore(source, env, (store) => store.readSilences())).filter((s) => values.all || s.ends_at > now);
    if (values.json) printJson(env.out, list);
    else if (list.length === 0) env.out.write(values.all ? 'No silences.\n' : 'No active silences (--all lists ended ones too).\n');
    else env.out.write(formatTable(['ID', 'MATCHERS', 'FROM', 'UNTIL', 'BY', 'COMMENT'], list.map((s) => [s.id, JSON.stringify(s.matchers), formatTime(s.starts_at), formatTime(s.ends_at), s.created_by ?? '', s.comment])));
    return 0;
  }
  if (action === 'expire') {
    const id = requirePositional(positionals, 1, 'the silence id', `Usage: ${usage}`);
    const found = await withStore(source, env, (store) => store.expireSilence(id, now));
    if (!found) throw new PitwallError('not-found', messages.silenceNotFound(id));
    env.out.write(`Silence ${id} ended at ${formatTime(now)}.\n`);
    return 0;
  }
  throw new PitwallError('input', `silence needs add, list or expire.\nUsage: ${usage}`);
};

/** The source's delivery log: what became of each notice on each channel, newest last. */
const deliveries: Command = async (argv, env) => {
  const usage = 'pitwall deliveries <source> [--failed] [--alert KEY] [--limit N] [--json]';
  const { values, positionals } = parseCommand(argv, { failed: { type: 'boolean', default: false }, alert: { type: 'string' }, limit: { type: 'string' } });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const limit = parseCount(values.limit as string | undefined, 'limit') ?? 100;
  const log = await withStore(source, env, (store) =>
    store.readDeliveries({ failed: values.failed as boolean, limit, ...(values.alert === undefined ? {} : { alert: values.alert as string }) }),
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
  env.out.write(
    formatTable(
      ['FINISHED', 'ALERT', 'RULE', 'KIND', 'CHANNEL', 'STATUS', 'TRIES', 'ERROR'],
      log.records.map((r) => [formatTime(r.finished_at), r.alert, r.rule_id, r.kind, r.channel, r.status, String(r.attempts), r.error ?? '']),
    ),
  );
  return 0;
};

export const ALERTING_COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  evaluate: { run: evaluate, summary: 'evaluate <source> [--at T] [--dry-run] [--strict]  evaluate the rules, create alerts, keep cooldowns' },
  watch: { run: watch, summary: 'watch <source> [--interval 60s] [--strict]      evaluate on an interval and on changes until stopped' },
  deliveries: { run: deliveries, summary: 'deliveries <source> [--failed] [--alert KEY]   the delivery log: each notice on each channel' },
  silence: { run: silence, summary: 'silence add|list|expire <source> …            mute delivery, keep the alerts' },
  backtest: { run: backtestCommand, summary: 'backtest <source> <rule_id|rule.json> [--from T] [--to T] [--every 5m]' },
};
