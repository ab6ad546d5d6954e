/** The alerting commands: evaluate (rules → alerts) and backtest (a rule over history). */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AlertEngine, backtest } from '../core/alerting/engine';
import { channelSettings, deliveryFailures, deliveryTimeoutMs, evaluateOnce, formatValue, indexFor, type DeliveryOutcome } from '../core/alerting/run';
import { parseDuration } from '../core/analytics/windows';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { checkSilence } from '../core/store/silenceRecords';
import { AlertRuleSchema, type AlertRule } from '../core/model/alertRule';
import type { Store } from '../core/store/store';
import { parseCount, parseTime, SOURCE } from './args';
import { defineCommand, type CliCommand } from './commandSpec';
import { withStore } from './context';
import { formatTable, formatTime, printJson } from './output';

const evaluate = defineCommand({
  name: 'evaluate',
  summary: 'evaluate the rules once: create alerts, deliver them, keep cooldowns',
  positionals: [SOURCE],
  options: { at: { type: 'string', placeholder: 'TIME', defaultText: 'now', description: 'evaluate as of this time (ISO 8601 or unix seconds); the alerts are real' } },
  examples: ['pitwall evaluate demo/monitoring.db', 'pitwall evaluate demo/monitoring --json', 'pitwall evaluate demo/monitoring.db --at 2026-10-12T00:00:00Z'],
  run: async ({ values, args: { source } }, env) => {
    const at = parseTime(values.at, 'at') ?? env.now();
    const settings = channelSettings(source, process.env);
    const timeoutMs = deliveryTimeoutMs(process.env);
    // With --json, stdout is the JSON document: the console channel writes to stderr then.
    const write = values.json ? (line: string) => env.out.error(`${line}\n`) : (line: string) => env.out.write(`${line}\n`);
    // The alerts are recorded when evaluateOnce returns; the store stays open until their
    // deliveries are done and in its delivery log.
    const { outcome, delivered } = await withStore(source, env, async (store) => {
      const outcome = await evaluateOnce(store, new AlertEngine([]), at, settings, write, { delivery: { timeoutMs } });
      return { outcome, delivered: await outcome.delivery };
    });
    const { result, created } = outcome;
    const problems = [...outcome.problems, ...delivered.problems];
    if (values.json) {
      printJson(env.out, { at, alerts: created, verdicts: result.verdicts, deliveries: delivered.deliveries, problems: [...result.problems, ...problems.map((message) => ({ rule_id: null, message }))] });
      return result.problems.length > 0 ? 2 : 0;
    }
    for (const problem of problems) env.out.error(`${problem}\n`);
    for (const failure of deliveryFailures(delivered)) env.out.error(`${failure}\n`);
    env.out.write(`Evaluated at ${formatTime(at)}: ${created.length} alert(s) created.\n`);
    if (result.verdicts.length > 0) {
      env.out.write(
        formatTable(
          ['RULE', 'MODEL', 'SEGMENT', 'VALUE', 'OUTCOME', 'WHY'],
          result.verdicts.map((v) => [v.rule_id, v.model_version ?? '', v.segment ?? '', formatValue(v.value), v.outcome, v.reason]),
        ),
      );
    }
    for (const problem of result.problems) env.out.error(`rule ${problem.rule_id}: ${problem.message}\n`);
    return result.problems.length > 0 ? 2 : 0;
  },
});

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
    from: { type: 'string', placeholder: 'TIME', defaultText: 'the first prediction', description: 'start of the replay (ISO 8601 or unix seconds)' },
    to: { type: 'string', placeholder: 'TIME', defaultText: 'the last prediction', description: 'end of the replay' },
    every: { type: 'string', placeholder: 'DURATION', default: '5m', description: 'evaluate once per this step' },
  },
  examples: ['pitwall backtest demo/monitoring.db acc_low --every 1h', 'pitwall backtest demo/monitoring draft_rule.json --from 2026-10-01 --to 2026-10-08 --json'],
  run: async ({ values, args: { source, rule: name } }, env) => {
    const every = parseDuration(values.every);
    const report = await withStore(source, env, async (store) => {
      const rule = await ruleFor(store, name);
      const index = await indexFor(store, [rule]);
      const times = index.columns.timestamp;
      const from = parseTime(values.from, 'from') ?? (times.length > 0 ? (times[0] as number) : 0);
      const to = parseTime(values.to, 'to') ?? (times.length > 0 ? (times[times.length - 1] as number) : 0);
      if (!(to > from)) throw new PitwallError('input', '--to must be after --from.');
      return { ...backtest(index, rule, { from, to, every }), from, to, every };
    });
    if (values.json) {
      printJson(env.out, report);
      return 0;
    }
    env.out.write(`${messages.backtestScope(formatTime(report.from), formatTime(report.to), values.every)}\n`);
    env.out.write(`Rule ${report.rule_id}: ${report.alerts.length} alert(s) and ${report.resolutions.length} resolution(s) over ${report.evaluations} evaluations.\n`);
    if (report.alerts.length > 0) {
      env.out.write(formatTable(['FIRES AT', 'MODEL', 'SEGMENT', 'WHY'], report.alerts.map((a) => [formatTime(a.at), a.model_version ?? '', a.segment ?? '', a.reason])));
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
  positionals: [SOURCE],
  options: { interval: { type: 'string', placeholder: 'DURATION', default: '60s', description: 'evaluate at least this often' } },
  examples: ['pitwall watch demo/monitoring --interval 60s', 'pitwall watch demo/monitoring.db --json'],
  run: async ({ values, args: { source } }, env) => {
    const interval = parseDuration(values.interval);
    const settings = channelSettings(source, process.env);
    const timeoutMs = deliveryTimeoutMs(process.env);
    return withStore(source, env, async (store) => {
      const engine = new AlertEngine(await store.readRules());
      let running: Promise<void> = Promise.resolve();
      let stopped = false;
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
            const { result, created, problems, delivery } = await evaluateOnce(store, engine, at, settings, write, { delivery: { timeoutMs } });
            const pending = delivery.then(report);
            delivering.add(pending);
            void pending.finally(() => delivering.delete(pending));
            for (const problem of problems) env.out.error(`  ${problem}\n`);
            if (values.json) env.out.write(`${JSON.stringify({ at, why, alerts: created, resolved: result.resolved.map((r) => r.verdict), problems: result.problems })}\n`);
            else {
              env.out.write(`${formatTime(at)} (${why}) ${created.length} alert(s), ${result.resolved.length} resolved\n`);
              for (const alert of created) env.out.write(`  ${alert.severity} ${alert.message ?? alert.title ?? ''}\n`);
              for (const problem of result.problems) env.out.error(`  rule ${problem.rule_id}: ${problem.message}\n`);
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
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
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
      return 0;
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
  },
  examples: [
    'pitwall silence add demo/monitoring.db --rule acc_low --for 2h --comment "deploying" --by ana',
    'pitwall silence add demo/monitoring --model v1.1 --until 2026-10-12T08:00:00Z',
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
    await withStore(source, env, (store) => store.saveSilence(value));
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
    else env.out.write(formatTable(['ID', 'MATCHERS', 'FROM', 'UNTIL', 'BY', 'COMMENT'], list.map((s) => [s.id, JSON.stringify(s.matchers), formatTime(s.starts_at), formatTime(s.ends_at), s.created_by ?? '', s.comment])));
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
  examples: ['pitwall deliveries demo/monitoring.db --failed', 'pitwall deliveries demo/monitoring --alert alert_1792022400622 --json'],
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
    env.out.write(
      formatTable(
        ['FINISHED', 'ALERT', 'RULE', 'KIND', 'CHANNEL', 'STATUS', 'TRIES', 'ERROR'],
        log.records.map((r) => [formatTime(r.finished_at), r.alert, r.rule_id, r.kind, r.channel, r.status, String(r.attempts), r.error ?? '']),
      ),
    );
    return 0;
  },
});

export const ALERTING_COMMANDS: readonly CliCommand[] = [evaluate, watch, deliveries, silence, backtestCommand];
