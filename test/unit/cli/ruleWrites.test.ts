import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { openStore } from '../../../src/core/store/openStore';
import { pitwall } from './runCli';

const HOUR = 3600;
const START = Date.parse('2026-10-01T00:00:00Z') / 1000;
const MAIN = join(__dirname, '../../../src/cli/main.ts');

/** The CLI as its own process, from source. */
function cliProcess(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function rule(ruleId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { rule_id: ruleId, metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.8, comparison: '<', severity: 'warning', component: 'performance', ...extra };
}

/** Every file of a folder (or the database file and its -wal), byte for byte. */
function snapshot(path: string): Record<string, string> {
  const files = statSync(path).isDirectory() ? readdirSync(path).map((name) => join(path, name)) : [path, `${path}-wal`].filter((file) => existsSync(file));
  return Object.fromEntries(files.map((file) => [file, readFileSync(file).toString('base64')]));
}

/** A row in alert_rules as the Python system (or a hand edit through sqlite3) writes it. */
function insertSqliteRule(db: string, ruleId: string, metric: string, conditions: Record<string, unknown>): void {
  const script = [
    'import sqlite3, sys, json',
    'c = sqlite3.connect(sys.argv[1])',
    "c.execute(\"INSERT INTO alert_rules (rule_id, metric_name, metric_type, threshold, comparison, severity, component, enabled, cooldown_minutes, channels, conditions) VALUES (?, ?, 'threshold', 0.8, '<', 'warning', 'performance', 1, 60, '[\\\"console\\\"]', ?)\", (sys.argv[2], sys.argv[3], sys.argv[4]))",
    'c.commit()',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, db, ruleId, metric, JSON.stringify(conditions)], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

function appendJsonlRule(folder: string, element: Record<string, unknown>): void {
  const file = join(folder, 'alert_rules.json');
  const rules = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
  writeFileSync(file, JSON.stringify([...rules, element], null, 2));
}

interface RuleRow {
  rule_id: string;
  enabled: boolean;
  threshold: number;
  severity: string;
  conditions: Record<string, unknown>;
}

describe('pitwall rule writes, bad rules at evaluation, silent versions, dry runs', function () {
  this.timeout(180_000);
  let root: string;
  let generated: string;
  let count = 0;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-rule-writes-'));
    generated = join(root, 'generated');
    await generateDataset({ outDir: generated, predictions: 3000, seed: 21 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh copy of the generated JSONL folder or SQLite file. */
  function fresh(kind: 'jsonl' | 'sqlite'): string {
    const target = join(root, `copy${count++}`);
    mkdirSync(target);
    if (kind === 'jsonl') {
      cpSync(join(generated, 'monitoring'), join(target, 'monitoring'), { recursive: true });
      return join(target, 'monitoring');
    }
    cpSync(join(generated, 'monitoring.db'), join(target, 'monitoring.db'));
    return join(target, 'monitoring.db');
  }

  function input(value: unknown): string {
    const file = join(root, `input${count++}.json`);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  }

  async function rules(source: string): Promise<RuleRow[]> {
    const listed = await pitwall('rules', source, '--json');
    assert.equal(listed.status, 0, listed.stderr);
    return JSON.parse(listed.stdout) as RuleRow[];
  }

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`rule add refuses an unknown metric, condition key and window with the path of each, and writes nothing (${kind})`, async () => {
      const source = fresh(kind);
      const before = snapshot(source);
      const file = input(rule('acc_bad', { metric_name: 'acuracy', conditions: { window: '6 hours', minimum: 0.5 } }));
      const added = await pitwall('rule', 'add', source, file);
      assert.equal(added.status, 2);
      const lines = added.stderr.split('\n');
      assert.ok(lines.some((line) => line.startsWith(`${file}: metric_name: "acuracy" is not a metric Pitwall computes; did you mean \`accuracy\`? (use one of accuracy,`)), added.stderr);
      assert.ok(lines.includes(`${file}: unknown field "conditions.minimum": it is not a field Pitwall knows (check its spelling)`), added.stderr);
      assert.ok(lines.includes(`${file}: conditions.window: must be a duration such as 15m, 6h or 7d`), added.stderr);
      assert.equal(lines.at(-1), 'The rule was not added: nothing was written.');
      assert.deepEqual(snapshot(source), before);
      // `rules validate` takes the same one-rule file and reports the same three problems.
      const validated = await pitwall('rules', 'validate', file, '--json');
      assert.equal(validated.status, 2);
      assert.deepEqual(
        (JSON.parse(validated.stdout) as { problems: { severity: string; field: string }[] }).problems.map((p) => [p.severity, p.field]),
        [['error', 'metric_name'], ['error', 'conditions.window'], ['warning', 'conditions.minimum']],
      );
      // A good one-rule file validates, and rule add takes it.
      const good = input(rule('acc_new', { metric_name: 'f1_score', conditions: { window: '6h' } }));
      assert.equal((await pitwall('rules', 'validate', good)).stdout, '1 rule valid\n');
      const ok = await pitwall('rule', 'add', source, good);
      assert.equal(ok.status, 0, ok.stderr);
      assert.ok((await rules(source)).some((r) => r.rule_id === 'acc_new'));
    });

    it(`rule disable, enable, edit and remove change one rule through the store, and refuse what they cannot do (${kind})`, async () => {
      const source = fresh(kind);
      const find = async (id: string) => (await rules(source)).find((r) => r.rule_id === id);
      assert.equal((await find('acc_low'))?.enabled, true);
      const disabled = await pitwall('rule', 'disable', source, 'acc_low');
      assert.equal(disabled.status, 0, disabled.stderr);
      assert.equal(disabled.stdout, 'disabled rule acc_low\n');
      assert.equal((await find('acc_low'))?.enabled, false);
      assert.equal((await pitwall('rule', 'disable', source, 'acc_low')).stdout, 'already disabled rule acc_low\n');
      if (kind === 'sqlite') {
        // The Python system's column holds 0 and 1.
        const stored = spawnSync('python3', ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT enabled FROM alert_rules WHERE rule_id=\'acc_low\'").fetchone()[0])', source], { encoding: 'utf8' });
        assert.equal(stored.stdout.trim(), '0');
      } else {
        const element = (JSON.parse(readFileSync(join(source, 'alert_rules.json'), 'utf8')) as { rule_id: string; enabled: unknown }[]).find((r) => r.rule_id === 'acc_low');
        assert.equal(element?.enabled, false);
      }
      assert.equal((await pitwall('rule', 'enable', source, 'acc_low')).status, 0);
      assert.equal((await find('acc_low'))?.enabled, true);

      const edited = await pitwall('rule', 'edit', source, 'acc_low', '--set', 'threshold=0.75', '--set', 'conditions.window=6h', '--set', 'severity=warning');
      assert.equal(edited.status, 0, edited.stderr);
      const after = await find('acc_low');
      assert.deepEqual([after?.threshold, after?.severity, after?.conditions.window, after?.conditions.min_value], [0.75, 'warning', '6h', 0]);
      const change = input({ channels: ['file'], conditions: { min_value: null } });
      assert.equal((await pitwall('rule', 'edit', source, 'acc_low', change)).status, 0);
      assert.deepEqual((await find('acc_low'))?.conditions, { window: '6h' });

      const before = snapshot(source);
      const bad = await pitwall('rule', 'edit', source, 'acc_low', '--set', 'metric_name=acuracy', '--set', 'conditions.windw=2h');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /^rule "acc_low" as edited: metric_name: "acuracy" is not a metric/m);
      assert.match(bad.stderr, /^rule "acc_low" as edited: unknown field "conditions\.windw"/m);
      assert.match(bad.stderr, /The rule was not changed: nothing was written\.$/);
      const renamed = await pitwall('rule', 'edit', source, 'acc_low', '--set', 'rule_id=other');
      assert.equal(renamed.status, 2);
      assert.match(renamed.stderr, /cannot change the rule_id/);
      const missing = await pitwall('rule', 'disable', source, 'acc_lwo');
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /^unknown rule_id "acc_lwo"; did you mean `acc_low`\? Valid: acc_low, /);
      const noChange = await pitwall('rule', 'edit', source, 'acc_low');
      assert.equal(noChange.status, 2);
      assert.match(noChange.stderr, /^rule edit needs a change: a JSON file of fields, or --set key=value \(not both\)/);
      const both = await pitwall('rule', 'edit', source, 'acc_low', input({ threshold: 0.5 }), '--set', 'threshold=0.6');
      assert.equal(both.status, 2);
      assert.match(both.stderr, /^rule edit needs a change/);
      const setElsewhere = await pitwall('rule', 'disable', source, 'acc_low', '--set', 'threshold=0.6');
      assert.equal(setElsewhere.status, 2);
      assert.match(setElsewhere.stderr, /^unknown option "--set" for `pitwall rule disable`/);
      assert.match((await pitwall('rule', 'edit', '--help')).stdout, /^ {2}--set KEY=VALUE +set one field .*\(repeatable\)$/m);
      assert.deepEqual(snapshot(source), before);

      assert.equal((await pitwall('rule', 'remove', source, 'acc_low')).stdout, 'removed rule acc_low\n');
      assert.equal(await find('acc_low'), undefined);
      assert.equal((await pitwall('rule', 'remove', source, 'acc_low')).status, 2);
    });

    it(`one bad rule no longer stops evaluate: it is skipped with its reason on stderr, the others are evaluated, --strict fails (${kind})`, async () => {
      const source = fresh(kind);
      if (kind === 'sqlite') insertSqliteRule(source, 'acc_typo', 'acuracy', { window: '6h' });
      else appendJsonlRule(source, rule('acc_typo', { metric_name: 'acuracy', conditions: { window: '6 hours' } }));
      const at = String(START + 11 * 24 * HOUR);
      const run = cliProcess('evaluate', source, '--at', at, '--json');
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /^warning: rule acc_typo skipped: Rule "acc_typo"/m);
      assert.match(run.stderr, /^1 rule was skipped; every other rule was evaluated\. \(--strict makes this exit with status 2\.\)$/m);
      const report = JSON.parse(run.stdout) as { verdicts: { rule_id: string }[]; skipped_rules: { rule_id: string }[] };
      assert.deepEqual(report.skipped_rules.map((r) => r.rule_id), ['acc_typo']);
      const judged = new Set(report.verdicts.map((v) => v.rule_id));
      for (const id of ['acc_low', 'ece_high', 'no_traffic']) assert.ok(judged.has(id), `${id} was evaluated`);
      assert.ok(!judged.has('acc_typo'));
      const strict = cliProcess('evaluate', source, '--at', String(START + 11 * 24 * HOUR + HOUR), '--strict');
      assert.equal(strict.status, 2);
      assert.match(strict.stderr, /--strict: exit status 2\./);
      assert.match(strict.stdout, /^Evaluated at /m);
    });

    it(`a rule the store cannot read is skipped and named too, and remove takes it away (${kind})`, async () => {
      const source = fresh(kind);
      if (kind === 'sqlite') {
        const run = spawnSync('python3', ['-c', `import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE alert_rules SET comparison='~' WHERE rule_id='ece_high'"); c.commit()`, source], { encoding: 'utf8' });
        assert.equal(run.status, 0, run.stderr);
      } else {
        const file = join(source, 'alert_rules.json');
        writeFileSync(file, readFileSync(file, 'utf8').replace(/("rule_id": "ece_high",[^}]*"comparison": )">"/, '$1"~"'));
      }
      const run = await pitwall('evaluate', source, '--at', String(START + 11 * 24 * HOUR), '--dry-run');
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /^warning: .*comparison must be one of .*not "~"/m);
      assert.match(run.stderr, /^1 rule was skipped/m);
      assert.equal((await pitwall('rule', 'remove', source, 'ece_high')).status, 0);
      const again = await pitwall('evaluate', source, '--at', String(START + 11 * 24 * HOUR), '--dry-run');
      assert.doesNotMatch(again.stderr, /skipped/);
    });

    it(`a version silent for 10 windows fires no_traffic once and stays firing until its traffic returns (${kind})`, async () => {
      const source = fresh(kind);
      const record = async (times: readonly number[]) => {
        const store = await openStore(source);
        try {
          for (const [i, timestamp] of times.entries()) {
            await store.recordPrediction({ timestamp, model_version: 'v0.9', prediction_id: `old-${timestamp}-${i}`, predicted_outcome: 1, confidence: 0.9, features: { circuit: 'monza' }, metadata: null });
          }
        } finally {
          await store.close();
        }
      };
      await record([START + 0.5 * HOUR, START + 0.75 * HOUR]);
      const noTraffic = (stdout: string) =>
        (JSON.parse(stdout) as { verdicts: { rule_id: string; model_version: string; outcome: string }[] }).verdicts.filter((v) => v.rule_id === 'no_traffic').map((v) => `${v.model_version} ${v.outcome}`);
      const alerts = async () => (JSON.parse((await pitwall('alerts', source, '--json', '--limit', '100000')).stdout) as { metric_name: string; model_version: string }[]).filter((a) => a.metric_name === 'num_predictions' && a.model_version === 'v0.9').length;
      // v0.9 sent its last prediction at 00:45; at 11:00 it has been silent for 10 one-hour windows.
      const first = cliProcess('evaluate', source, '--at', String(START + 11 * HOUR), '--json');
      assert.equal(first.status, 0, first.stderr);
      assert.deepEqual(noTraffic(first.stdout), ['v0.9 fired', 'v1.0 ok', 'v1.1 ok']);
      assert.equal(await alerts(), 1);
      // Later evaluations, in other processes and past the rule's 60-minute cooldown: still firing, no new alert.
      for (const hours of [12, 15]) {
        const again = cliProcess('evaluate', source, '--at', String(START + hours * HOUR), '--json');
        assert.deepEqual(noTraffic(again.stdout), ['v0.9 firing', 'v1.0 ok', 'v1.1 ok']);
      }
      assert.equal(await alerts(), 1);
      // The built-in freshness check says so without any rule.
      const human = await pitwall('evaluate', source, '--at', String(START + 15 * HOUR), '--dry-run');
      assert.match(human.stdout, /^Data: 2026-10-01 00:\d\d:\d\dZ to 2026-10-01 1\d:\d\d:\d\dZ, newest prediction \d+ (s|min) old\. Every version sent a prediction within 24 h\.$/m);
      const stale = await pitwall('evaluate', source, '--at', String(START + 15 * HOUR), '--dry-run', '--stale-after', '6h');
      assert.match(stale.stdout, /Silent for more than 6 h: v0\.9 \(silent 14 h\)\./);
      // Traffic returns: the condition resolves.
      await record([START + 15.5 * HOUR]);
      assert.deepEqual(noTraffic((await pitwall('evaluate', source, '--at', String(START + 16 * HOUR), '--json')).stdout), ['v0.9 resolved', 'v1.0 ok', 'v1.1 ok']);
      assert.equal(await alerts(), 1);
    });

    it(`evaluate --dry-run gives the verdicts and the alerts it would create, writes and delivers nothing, and explains a min_value band (${kind})`, async () => {
      const source = fresh(kind);
      // The generated rules may be inside their cooldowns: one of our own fires whenever it holds.
      assert.equal((await pitwall('rule', 'add', source, input(rule('acc_any', { threshold: 1.01, cooldown_minutes: 0, channels: ['file'] })))).status, 0);
      const before = snapshot(source);
      // The file channel appends to alert_log.txt beside the data.
      const log = join(kind === 'jsonl' ? source : dirname(source), 'alert_log.txt');
      const logText = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
      const logBefore = logText();
      const at = String(START + 12 * 24 * HOUR);
      const dry = await pitwall('evaluate', source, '--at', at, '--dry-run', '--json');
      assert.equal(dry.status, 0, dry.stderr);
      const report = JSON.parse(dry.stdout) as { dry_run: boolean; alerts: unknown[]; would_create: { metric_name: string }[]; verdicts: { rule_id: string; outcome: string; reason: string; value: number | null }[] };
      assert.equal(report.dry_run, true);
      assert.deepEqual(report.alerts, []);
      assert.ok(report.would_create.length > 0);
      assert.equal(report.would_create.length, report.verdicts.filter((v) => v.outcome === 'fired').length);
      const human = await pitwall('evaluate', source, '--at', at, '--dry-run');
      assert.match(human.stdout, /^Dry run at 2026-10-13 00:00:00Z: \d+ alert\(s\) would be created and 0 resolved; nothing was written or delivered\.$/m);
      assert.match(human.stdout, /would fire/);
      assert.deepEqual(snapshot(source), before, 'nothing written');
      assert.equal(logText(), logBefore);
      assert.equal(existsSync(log), kind === 'jsonl');
      // acc_warn is "accuracy < 0.78" with min_value 0.7: a value under both is explained.
      assert.equal((await pitwall('rule', 'edit', source, 'acc_warn', '--set', 'threshold=1.01', '--set', 'conditions.min_value=1.005')).status, 0);
      const banded = (JSON.parse((await pitwall('evaluate', source, '--at', at, '--dry-run', '--json')).stdout) as typeof report).verdicts.filter((v) => v.rule_id === 'acc_warn' && v.value !== null);
      assert.ok(banded.length > 0);
      for (const verdict of banded) {
        assert.equal(verdict.outcome, 'ok');
        assert.match(verdict.reason, /^accuracy is \d\.\d{4}, below the threshold 1\.01, but min_value 1\.005 limits the rule to values at or above 1\.005: the condition does not hold$/);
      }
    });

    it(`write commands refuse a source with no monitoring data unless --create, and silence add refuses matchers that match nothing unless --force (${kind})`, async () => {
      const empty = join(root, `empty${count++}`);
      mkdirSync(empty);
      let target = empty;
      if (kind === 'sqlite') {
        target = join(empty, 'other.db');
        const made = spawnSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE notes (x)"); c.commit()', target], { encoding: 'utf8' });
        assert.equal(made.status, 0, made.stderr);
      }
      const before = snapshot(target);
      for (const args of [['rule', 'add', target, input(rule('r1'))], ['silence', 'add', target, '--rule', 'r1', '--for', '1h', '--force']]) {
        const refused = await pitwall(...args);
        assert.equal(refused.status, 2, args.join(' '));
        assert.match(refused.stderr, /holds no monitoring data .*--create/);
      }
      assert.deepEqual(snapshot(target), before);
      if (kind === 'jsonl') {
        const created = await pitwall('rule', 'add', target, input(rule('r1')), '--create');
        assert.equal(created.status, 0, created.stderr);
        assert.ok(existsSync(join(target, 'alert_rules.json')));
      }

      const source = fresh(kind);
      const sourceBefore = snapshot(source);
      const wrong = await pitwall('silence', 'add', source, '--rule', 'acc_lwo', '--model', 'v9', '--for', '2h');
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /^unknown rule "acc_lwo" for --rule; did you mean `acc_low`\? Valid: acc_low, /m);
      assert.match(wrong.stderr, /^unknown model version "v9" for --model; valid: v1\.0, v1\.1\.$/m);
      assert.match(wrong.stderr, /pass --force to add it anyway/);
      const segment = await pitwall('silence', 'add', source, '--segment', 'circuit=monza', '--for', '2h');
      assert.equal(segment.status, 2);
      assert.match(segment.stderr, /no rule of the source splits its alerts by segment/);
      assert.deepEqual(snapshot(source), sourceBefore);
      assert.equal((await pitwall('silence', 'add', source, '--rule', 'acc_low', '--model', 'v1.1', '--for', '2h')).status, 0);
      assert.equal((await pitwall('silence', 'add', source, '--rule', 'acc_lwo', '--for', '2h', '--force')).status, 0);
      const listed = JSON.parse((await pitwall('silence', 'list', source, '--json')).stdout) as { matchers: Record<string, string> }[];
      assert.deepEqual(listed.map((s) => s.matchers.rule_id), ['acc_low', 'acc_lwo']);
    });
  }
});
