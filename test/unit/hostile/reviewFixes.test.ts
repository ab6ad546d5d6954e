import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pitwall, Playground, REPO } from './support';

function mkfifo(path: string): void {
  rmSync(path, { recursive: true, force: true });
  const run = spawnSync('mkfifo', [path]);
  assert.equal(run.status, 0, String(run.stderr));
}

describe('hostile input: what the review found, fixed', function () {
  this.timeout(60_000);
  let playground: Playground;
  before(async () => {
    playground = await Playground.create();
  });
  after(() => playground.cleanup());

  it('a pipe in the place of alerts.jsonl, alert_rules.json or a -wal file is refused by name, never waited on', async () => {
    const ws = playground.fresh();
    mkfifo(ws.file('alerts.jsonl'));
    mkfifo(ws.file('alert_rules.json'));
    const summary = await pitwall('summary', ws.jsonl, '--json');
    assert.equal(summary.status, 0, summary.stderr);
    const report = JSON.parse(summary.stdout) as { predictions: number; alerts: number; rules: number; writable: boolean; warnings: string[] };
    assert.equal(report.predictions, 2000, 'the good files still load');
    assert.equal(report.writable, false, 'a folder holding a pipe is not written to');
    assert.ok(report.warnings.some((w) => w.includes('alerts.jsonl') && /not a regular file/.test(w)));
    assert.ok(report.warnings.some((w) => w.includes('alert_rules.json') && /not a regular file/.test(w)));

    const migrated = await pitwall('migrate', ws.jsonl, join(ws.root, 'migrated.db'));
    assert.equal(migrated.status, 2);
    assert.match(migrated.stderr, /(alerts\.jsonl|alert_rules\.json) is not a regular file/);

    mkfifo(`${ws.db}-wal`);
    const alerts = await pitwall('alerts', ws.db);
    assert.equal(alerts.status, 2);
    assert.match(alerts.stderr, /monitoring\.db-wal is not a regular file/);
  });

  it('a read command leaves a live database and its -wal byte for byte as they were', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pitwall-livewal-'));
    try {
      cpSync(join(REPO, 'test/fixtures/formats/live-wal'), dir, { recursive: true });
      const before = ['monitoring.db', 'monitoring.db-wal'].map((name) => readFileSync(join(dir, name)));
      for (const command of ['summary', 'alerts', 'rules']) {
        assert.equal((await pitwall(command, join(dir, 'monitoring.db'), '--json')).status, 0);
      }
      const after = ['monitoring.db', 'monitoring.db-wal'].map((name) => readFileSync(join(dir, name)));
      assert.ok(before.every((bytes, i) => bytes.equals(after[i] as Buffer)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rule add refuses a rule_id whose database row could not be read, and leaves that row alone', async () => {
    const ws = playground.fresh();
    const broken = spawnSync('sqlite3', [ws.db, `UPDATE alert_rules SET channels = '["console","pager"]' WHERE rule_id = 'acc_low'`]);
    assert.equal(broken.status, 0);
    const row = () => spawnSync('sqlite3', [ws.db, `SELECT metric_name, threshold, severity, cooldown_minutes FROM alert_rules WHERE rule_id = 'acc_low'`], { encoding: 'utf8' }).stdout;
    const before = row();
    const file = join(ws.root, 'rule.json');
    writeFileSync(file, JSON.stringify({ rule_id: 'acc_low', metric_name: 'avg_confidence', metric_type: 'threshold', threshold: 9, comparison: '>', severity: 'info', component: 'performance' }));
    const added = await pitwall('rule', 'add', ws.db, file);
    assert.equal(added.status, 2);
    assert.match(added.stderr, /alert_rules row \d+ already has rule_id "acc_low" but could not be read/);
    assert.equal(row(), before);
  });

  it('rule add names the file and refuses misspelt fields instead of dropping them', async () => {
    const ws = playground.fresh();
    const file = join(ws.root, 'rule.json');
    writeFileSync(file, JSON.stringify({ rule_id: 'typo', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.7, comparison: '<', severity: 'warning', component: 'performance', cooldown_minute: 5 }));
    const typo = await pitwall('rule', 'add', ws.jsonl, file);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /rule\.json: unknown field "cooldown_minute"/);
    writeFileSync(file, `\uFEFF${JSON.stringify({ rule_id: 'bom', metric_name: 'accuracy', metric_type: 'threshold', threshold: '0.5', comparison: '<', severity: 'warning', component: 'performance' })}`);
    const wrongType = await pitwall('rule', 'add', ws.jsonl, file);
    assert.equal(wrongType.status, 2);
    assert.match(wrongType.stderr, /rule\.json: .*threshold/);
    writeFileSync(file, '[]');
    assert.match((await pitwall('rule', 'add', ws.jsonl, file)).stderr, /one JSON object/);
    const rules = JSON.parse((await pitwall('rules', ws.jsonl, '--json')).stdout) as { rule_id: string }[];
    assert.deepEqual(rules.filter((r) => ['typo', 'bom'].includes(r.rule_id)), []);
  });

  it('a comment that cannot be logged stops the acknowledgment before anything is written', async () => {
    const ws = playground.fresh();
    mkdirSync(ws.file('acknowledgments.jsonl'));
    const alertsBefore = readFileSync(ws.file('alerts.jsonl'));
    const open = JSON.parse((await pitwall('alerts', ws.jsonl, '--unacknowledged', '--json')).stdout) as { alert_id: string }[];
    const target = open[0];
    assert.ok(target);
    const ack = await pitwall('ack', ws.jsonl, target.alert_id, '--comment', 'hello');
    assert.equal(ack.status, 1);
    assert.match(ack.stderr, /acknowledgments\.jsonl is not a regular file/);
    assert.ok(readFileSync(ws.file('alerts.jsonl')).equals(alertsBefore), 'alerts.jsonl is untouched');
  });

  it('other commands than summary say on stderr that part of the source could not be read', async () => {
    const ws = playground.fresh();
    writeFileSync(ws.file('alert_rules.json'), '{}');
    const rules = await pitwall('rules', ws.jsonl);
    assert.equal(rules.status, 0);
    assert.match(rules.stderr, /^warning: 1 problem reading .*alert_rules\.json/);
  });

  it('a zero-byte database is described in one sentence and not written to', async () => {
    const ws = playground.fresh();
    const empty = join(ws.root, 'empty.db');
    writeFileSync(empty, '');
    const summary = JSON.parse((await pitwall('summary', empty, '--json')).stdout) as { writable: boolean; warnings: string[] };
    assert.equal(summary.writable, false);
    assert.deepEqual(summary.warnings, [`${empty} is empty (0 bytes): no monitoring data yet. Point Pitwall at the database your service writes, or let the service create its tables first.`]);
    assert.equal(readFileSync(empty).length, 0);
  });

  it('a line of NUL bytes is reported with the bytes spelled out, never raw', async () => {
    const ws = playground.fresh();
    writeFileSync(ws.file('alerts.jsonl'), `${'\u0000'.repeat(64)}\n`);
    const summary = JSON.parse((await pitwall('summary', ws.jsonl, '--json')).stdout) as { warnings: string[] };
    const warning = summary.warnings.find((w) => w.includes('alerts.jsonl'));
    assert.ok(warning, summary.warnings.join('\n'));
    assert.match(warning, /\\u0000/);
    assert.ok(!warning.includes('\u0000'), 'no raw NUL in the message');
  });

  it('a damaged page costs its own table, not the source: the rest loads, the damage is named, nothing is written', async () => {
    const ws = playground.fresh();
    const root = Number(spawnSync('sqlite3', [ws.db, "SELECT rootpage FROM sqlite_master WHERE name = 'alerts'"], { encoding: 'utf8' }).stdout);
    assert.ok(root > 1);
    spawnSync('sqlite3', [ws.db, 'PRAGMA wal_checkpoint(TRUNCATE)']);
    const pageSize = Number(spawnSync('sqlite3', [ws.db, 'PRAGMA page_size'], { encoding: 'utf8' }).stdout);
    const bytes = readFileSync(ws.db);
    bytes.fill(0xa5, (root - 1) * pageSize, root * pageSize);
    writeFileSync(ws.db, bytes);

    const summary = await pitwall('summary', ws.db, '--json');
    assert.equal(summary.status, 0, summary.stderr);
    const report = JSON.parse(summary.stdout) as { predictions: number; alerts: number; rules: number; writable: boolean; warnings: string[] };
    assert.equal(report.predictions, 2000);
    assert.equal(report.rules, 8);
    assert.equal(report.alerts, 0);
    assert.equal(report.writable, false);
    assert.ok(report.warnings.some((w) => /Cannot read the alerts table/.test(w)), report.warnings.join('\n'));
    const ack = await pitwall('outcome', ws.db, 'pred-0000000', '1');
    assert.equal(ack.status, 1);
    assert.match(ack.stderr, /is damaged .* will not write to it/);
    assert.ok(readFileSync(ws.db).equals(bytes), 'the damaged file is left as it was');
  });
});

