import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { PitwallError, type PitwallErrorCode } from '../../../../src/core/errors';
import type { DeliveryRecord } from '../../../../src/core/model/delivery';
import { DELIVERIES_FILE, DELIVERIES_TABLE } from '../../../../src/core/store/deliveryRecords';
import { openJsonlStore } from '../../../../src/core/store/jsonl/jsonlStore';
import { openStore } from '../../../../src/core/store/openStore';
import type { Store } from '../../../../src/core/store/store';
import { pythonRead } from './jsonl/pythonCheck';
import { integrityCheck, runSqlite, selectRows, type Row } from './sqlite/writerSupport';

const T = Date.parse('2026-10-10T00:00:00Z') / 1000;
const KINDS = ['jsonl', 'sqlite'] as const;
type Kind = (typeof KINDS)[number];

function delivery(fields: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    alert: '17',
    rule_id: 'acc_low',
    kind: 'firing',
    channel: 'slack',
    status: 'delivered',
    attempts: 1,
    error: null,
    evaluated_at: T,
    finished_at: T + 0.25,
    elapsed_ms: 250.5,
    ...fields,
  };
}

const FAILED = delivery({ channel: 'email', status: 'failed', attempts: 3, error: 'SMTP server smtp.example.com: 421 try later', finished_at: T + 30.125, elapsed_ms: 30_125 });
const TIMED_OUT = delivery({ alert: '18', rule_id: 'ece_high', channel: 'webhook', status: 'timed-out', attempts: 2, error: 'timed out after 10 s (attempt 2 of 2)', elapsed_ms: 20_000 });
const SILENCED = delivery({ alert: '18', rule_id: 'ece_high', channel: 'console', status: 'silenced', attempts: 0 });
const NOT_CONFIGURED = delivery({ alert: '19', kind: 'resolved', channel: 'email', status: 'not-configured', attempts: 0, error: 'email is not configured: set PITWALL_SMTP_HOST' });

function rejectsWith(code: PitwallErrorCode, ...mentioning: (string | RegExp)[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PitwallError, `expected a PitwallError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const text of mentioning) {
      assert.ok(typeof text === 'string' ? error.message.includes(text) : text.test(error.message), `"${error.message}" lacks ${String(text)}`);
    }
    return true;
  };
}

/** A JSON line of a delivery record, as a hand-written log might hold it. */
function line(fields: Record<string, unknown>): string {
  return `${JSON.stringify({ ...delivery(), ...fields })}\n`;
}

describe('the delivery log in the source', function () {
  this.timeout(60_000);
  let generated = '';
  let scratch = '';
  const open: Store[] = [];

  before(async () => {
    generated = mkdtempSync(join(tmpdir(), 'pitwall-deliveries-'));
    await generateDataset({ outDir: generated, predictions: 300, seed: 11 });
  });
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'pitwall-deliveries-case-'));
    cpSync(generated, scratch, { recursive: true });
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  after(() => {
    if (generated !== '') rmSync(generated, { recursive: true, force: true });
  });

  function sourcePath(kind: Kind): string {
    return kind === 'jsonl' ? join(scratch, 'monitoring') : join(scratch, 'monitoring.db');
  }

  async function openSource(kind: Kind, options: { readOnly?: string } = {}): Promise<Store> {
    const store = await openStore(sourcePath(kind), options);
    open.push(store);
    return store;
  }

  /** Whether the source holds the log at all: the file, or the table. */
  function logExists(kind: Kind): boolean {
    if (kind === 'jsonl') return existsSync(join(sourcePath(kind), DELIVERIES_FILE));
    return selectRows(sourcePath(kind), "SELECT name FROM sqlite_master WHERE name = ?", [DELIVERIES_TABLE]).length === 1;
  }

  for (const kind of KINDS) {
    describe(`in a ${kind === 'jsonl' ? 'JSONL folder' : 'SQLite database'}`, function () {
      it('reads as an empty log before anything was recorded', async function () {
        const store = await openSource(kind);
        assert.deepEqual(await store.readDeliveries(), { records: [], problems: [] });
        assert.equal(logExists(kind), false);
      });

      it('gives back what was recorded, equal and oldest first, and appends on each call', async function () {
        const store = await openSource(kind);
        const first = [delivery(), FAILED, TIMED_OUT];
        await store.recordDeliveries(first);
        assert.deepEqual(await store.readDeliveries(), { records: first, problems: [] });
        await store.recordDeliveries([SILENCED, NOT_CONFIGURED]);
        const all = [...first, SILENCED, NOT_CONFIGURED];
        assert.deepEqual(await store.readDeliveries(), { records: all, problems: [] });
        // A fresh open (another process's view) reads the same log.
        const again = await openSource(kind);
        assert.deepEqual(await again.readDeliveries(), { records: all, problems: [] });
        await again.recordDeliveries([delivery({ alert: '20' })]);
        assert.deepEqual((await again.readDeliveries()).records.map((r) => r.alert), ['17', '17', '18', '18', '19', '20']);
      });

      it('selects failed records, one alert\'s records, and the newest few, still oldest first', async function () {
        const store = await openSource(kind);
        const later = delivery({ alert: '18', rule_id: 'ece_high', channel: 'slack', status: 'failed', attempts: 1, error: 'Slack refused', evaluated_at: T + 60 });
        await store.recordDeliveries([delivery(), FAILED, TIMED_OUT, SILENCED]);
        await store.recordDeliveries([NOT_CONFIGURED, later]);
        const records = async (query: Parameters<Store['readDeliveries']>[0]) => (await store.readDeliveries(query)).records;
        assert.deepEqual(await records({ failed: true }), [FAILED, TIMED_OUT, NOT_CONFIGURED, later]);
        assert.deepEqual(await records({ failed: false }), [delivery(), FAILED, TIMED_OUT, SILENCED, NOT_CONFIGURED, later], 'failed: false filters nothing');
        assert.deepEqual(await records({ alert: '18' }), [TIMED_OUT, SILENCED, later]);
        assert.deepEqual(await records({ alert: 'nope' }), []);
        assert.deepEqual(await records({ limit: 2 }), [NOT_CONFIGURED, later]);
        assert.deepEqual(await records({ limit: 1 }), [later]);
        assert.deepEqual(await records({ limit: 100 }), [delivery(), FAILED, TIMED_OUT, SILENCED, NOT_CONFIGURED, later]);
        assert.deepEqual(await records({ failed: true, alert: '18', limit: 1 }), [later]);
        assert.deepEqual(await records({ failed: true, limit: 3 }), [TIMED_OUT, NOT_CONFIGURED, later]);
        for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
          await assert.rejects(store.readDeliveries({ limit }), rejectsWith('input', 'whole number above 0'), String(limit));
        }
      });

      it('keeps the newest of many when limited', async function () {
        const store = await openSource(kind);
        const many = Array.from({ length: 250 }, (_, index) => delivery({ alert: String(index), evaluated_at: T + index }));
        await store.recordDeliveries(many);
        assert.deepEqual((await store.readDeliveries({ limit: 7 })).records, many.slice(-7));
        assert.deepEqual((await store.readDeliveries({ limit: 100 })).records, many.slice(-100));
        assert.equal((await store.readDeliveries()).records.length, 250);
      });

      it('writes nothing for no records', async function () {
        const store = await openSource(kind);
        await store.recordDeliveries([]);
        assert.equal(logExists(kind), false);
      });

      it('refuses an invalid record, naming it and its field, and writes none of the call', async function () {
        const store = await openSource(kind);
        await store.recordDeliveries([delivery()]);
        const before = kind === 'jsonl' ? readFileSync(join(sourcePath(kind), DELIVERIES_FILE)) : null;
        const bad: unknown[] = [
          { ...delivery(), channel: 'pager' },
          { ...delivery(), attempts: -1 },
          { ...delivery(), evaluated_at: Number.NaN },
          { ...delivery(), surprise: true },
          { ...delivery(), alert: '' },
        ];
        const fields = ['channel', 'attempts', 'evaluated_at', 'surprise', 'alert'];
        for (const [index, record] of bad.entries()) {
          await assert.rejects(
            store.recordDeliveries([delivery({ alert: 'ok' }), record as DeliveryRecord]),
            rejectsWith('input', 'Nothing was written', 'record 2 of 2', fields[index] as string),
          );
        }
        assert.deepEqual(await store.readDeliveries(), { records: [delivery()], problems: [] });
        if (before !== null) assert.deepEqual(readFileSync(join(sourcePath(kind), DELIVERIES_FILE)), before);
        else assert.deepEqual(selectRows(sourcePath(kind), `SELECT count(*) FROM ${DELIVERIES_TABLE}`), [[1]]);
      });

      it('is refused by a read-only source, which writes nothing', async function () {
        const store = await openSource(kind, { readOnly: 'The workspace is not trusted.' });
        await assert.rejects(store.recordDeliveries([delivery()]), rejectsWith('read-only', 'not trusted'));
        await store.recordDeliveries([]);
        assert.equal(logExists(kind), false);
      });

      it('keeps concurrent calls whole and in order', async function () {
        const store = await openSource(kind);
        const calls = Array.from({ length: 8 }, (_, call) => [0, 1, 2].map((n) => delivery({ alert: `${call}`, attempts: n })));
        await Promise.all(calls.map((records) => store.recordDeliveries(records)));
        assert.deepEqual((await store.readDeliveries()).records, calls.flat());
      });
    });
  }

  describe('in a JSONL folder', function () {
    const logPath = () => join(scratch, 'monitoring', DELIVERIES_FILE);

    it('appends one line per record, and leaves every file of the Python system as it was', async function () {
      const folder = join(scratch, 'monitoring');
      const others = () => new Map(readdirSync(folder).filter((name) => name !== DELIVERIES_FILE).map((name) => [name, readFileSync(join(folder, name))]));
      const before = others();
      const store = await openSource('jsonl');
      await store.recordDeliveries([delivery(), FAILED]);
      await store.recordDeliveries([NOT_CONFIGURED]);
      assert.deepEqual(others(), before);
      const text = readFileSync(logPath(), 'utf8');
      assert.ok(text.endsWith('\n'));
      const lines = text.slice(0, -1).split('\n');
      assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), [delivery(), FAILED, NOT_CONFIGURED]);
      // Keys in the record's order, times as Python floats: json.loads reads it, json.dumps writes it back the same.
      assert.match(lines[0] as string, /^\{"alert": "17", "rule_id": "acc_low", "kind": "firing", "channel": "slack", "status": "delivered", "attempts": 1, "error": null, "evaluated_at": \d+\.0, /);
      const report = pythonRead(folder);
      for (const [name, file] of Object.entries(report.files)) {
        assert.deepEqual([file.notJson, file.rejected, file.records === file.lines], [[], [], true], name);
      }
    });

    it('skips damaged lines, naming the file, line and field, and still loads the good ones', async function () {
      const good = [delivery({ alert: 'a' }), delivery({ alert: 'b' }), delivery({ alert: 'c' })];
      writeFileSync(
        logPath(),
        Buffer.concat([
          Buffer.from(line(good[0] as DeliveryRecord)),
          Buffer.from('{"alert": "x", "rule_id": \n'),
          Buffer.from(line({ alert: 'y', channel: 'pager' })),
          Buffer.from('{"alert": "'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}\n'),
          Buffer.from('\n'),
          Buffer.from('[1, 2]\n'),
          Buffer.from(line({ alert: 'z', status: 'lost', attempts: 'two' })),
          Buffer.from(line({ ...(good[1] as DeliveryRecord), extra: 1 })),
          Buffer.from(line(good[1] as DeliveryRecord)),
          Buffer.from(line(good[2] as DeliveryRecord)),
        ]),
      );
      const store = await openSource('jsonl');
      const log = await store.readDeliveries();
      assert.deepEqual(log.records, good);
      const path = logPath();
      assert.equal(log.problems.length, 6, log.problems.join('\n'));
      const [notJson, channel, notUtf8, notObject, fields, unknownKey] = log.problems as [string, string, string, string, string, string];
      assert.match(notJson, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 2: not valid JSON`));
      assert.ok(channel.startsWith(`${path} line 3: channel must be one of "console", "file", "email", "slack", "webhook", not "pager"`), channel);
      assert.match(channel, /skipped/);
      assert.ok(notUtf8.startsWith(`${path} line 4: not valid UTF-8`), notUtf8);
      assert.ok(notObject.startsWith(`${path} line 6: the record must be a JSON object`), notObject);
      assert.ok(fields.startsWith(`${path} line 7: `) && fields.includes('status') && fields.includes('attempts'), fields);
      assert.ok(unknownKey.startsWith(`${path} line 8: extra is not a field of a delivery record`), unknownKey);
      // Filters do not hide a damaged line.
      assert.equal((await store.readDeliveries({ alert: 'c', limit: 1 })).problems.length, 6);
    });

    it('after a writer died mid-line, reports the torn line and appends the next records on a line of their own', async function () {
      const path = logPath();
      const intact = line(delivery({ alert: 'before' }));
      const torn = '{"alert": "torn", "rule_id": "acc_lo';
      writeFileSync(path, intact + torn);
      const store = await openJsonlStore(join(scratch, 'monitoring'));
      open.push(store);
      const waiting = await store.readDeliveries();
      assert.deepEqual(waiting.records, [delivery({ alert: 'before' })]);
      assert.deepEqual(waiting.problems.length, 1);
      assert.ok((waiting.problems[0] as string).startsWith(`${path} ends in an incomplete line (${Buffer.byteLength(torn)} bytes`), waiting.problems[0]);
      // Written long ago: its writer is gone, so Pitwall ends the line before appending.
      const past = new Date(Date.now() - 3600_000);
      utimesSync(path, past, past);
      await store.recordDeliveries([delivery({ alert: 'after-1' }), delivery({ alert: 'after-2' })]);
      const log = await store.readDeliveries();
      assert.deepEqual(log.records.map((r) => r.alert), ['before', 'after-1', 'after-2']);
      assert.equal(log.problems.length, 1, log.problems.join('\n'));
      assert.ok((log.problems[0] as string).startsWith(`${path} line 2: not valid JSON`), log.problems[0]);
      const bytes = readFileSync(path, 'utf8');
      assert.ok(bytes.startsWith(`${intact}${torn}\n`), 'the log was appended to, never rewritten');
      // A fresh reader sees the same.
      const again = await openSource('jsonl');
      assert.deepEqual((await again.readDeliveries()).records.map((r) => r.alert), ['before', 'after-1', 'after-2']);
    });

    it('takes appends of two stores at once, each call whole', async function () {
      const [a, b] = [await openSource('jsonl'), await openSource('jsonl')];
      const calls = Array.from({ length: 20 }, (_, call) => [0, 1, 2].map((n) => delivery({ alert: `call-${call}`, attempts: n })));
      await Promise.all(calls.map((records, call) => (call % 2 === 0 ? a : b).recordDeliveries(records)));
      const { records, problems } = await a.readDeliveries();
      assert.deepEqual(problems, []);
      assert.equal(records.length, 60);
      for (let start = 0; start < records.length; start += 3) {
        const group = records.slice(start, start + 3);
        assert.deepEqual(group.map((r) => r.attempts), [0, 1, 2]);
        assert.equal(new Set(group.map((r) => r.alert)).size, 1, 'one call\'s records are never split');
      }
    });

    it('reads appends by another store, and a log replaced under it from the start', async function () {
      const reader = await openSource('jsonl');
      const writer = await openSource('jsonl');
      await writer.recordDeliveries([delivery({ alert: 'one' })]);
      assert.deepEqual((await reader.readDeliveries()).records.map((r) => r.alert), ['one']);
      await writer.recordDeliveries([delivery({ alert: 'two' })]);
      assert.deepEqual((await reader.readDeliveries()).records.map((r) => r.alert), ['one', 'two']);
      rmSync(logPath());
      writeFileSync(logPath(), line({ alert: 'new' }) + line({ alert: 'bad', kind: 'exploded' }));
      const log = await reader.readDeliveries();
      assert.deepEqual(log.records.map((r) => r.alert), ['new']);
      assert.equal(log.problems.length, 1);
      assert.match(log.problems[0] as string, /line 2: kind /);
    });
  });

  describe('in a SQLite database', function () {
    const db = () => join(scratch, 'monitoring.db');
    const COLUMNS = 'alert, rule_id, kind, channel, status, attempts, error, evaluated_at, finished_at, elapsed_ms';
    const asRow = (r: DeliveryRecord): Row => [r.alert, r.rule_id, r.kind, r.channel, r.status, r.attempts, r.error, r.evaluated_at, r.finished_at, r.elapsed_ms];

    /** Every table of the monitoring service, as real SQLite reads it. */
    function serviceTables(): Record<string, Row[]> {
      const names = selectRows(db(), "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'pitwall_%' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((row) => String(row[0]));
      const rows = runSqlite(db(), names.map((name): [string, unknown[]] => [`SELECT * FROM "${name}" ORDER BY rowid`, []]));
      return Object.fromEntries(names.map((name, index) => [name, rows[index] ?? []]));
    }

    it('keeps the log in plain columns that SQL can query, and leaves the service tables as they were', async function () {
      const before = serviceTables();
      const store = await openSource('sqlite');
      await store.recordDeliveries([delivery(), FAILED, NOT_CONFIGURED]);
      assert.deepEqual(serviceTables(), before);
      assert.equal(integrityCheck(db()), 'ok');
      assert.deepEqual(selectRows(db(), `SELECT id, ${COLUMNS} FROM ${DELIVERIES_TABLE} ORDER BY id`), [delivery(), FAILED, NOT_CONFIGURED].map((r, index) => [index + 1, ...asRow(r)]));
      assert.deepEqual(
        selectRows(db(), `SELECT name, type, "notnull", pk FROM pragma_table_info('${DELIVERIES_TABLE}') ORDER BY cid`),
        [
          ['id', 'INTEGER', 0, 1],
          ['alert', 'TEXT', 1, 0],
          ['rule_id', 'TEXT', 1, 0],
          ['kind', 'TEXT', 1, 0],
          ['channel', 'TEXT', 1, 0],
          ['status', 'TEXT', 1, 0],
          ['attempts', 'INTEGER', 1, 0],
          ['error', 'TEXT', 0, 0],
          ['evaluated_at', 'REAL', 1, 0],
          ['finished_at', 'REAL', 1, 0],
          ['elapsed_ms', 'REAL', 1, 0],
        ],
      );
      assert.deepEqual(selectRows(db(), `SELECT DISTINCT typeof(attempts), typeof(evaluated_at), typeof(finished_at), typeof(elapsed_ms) FROM ${DELIVERIES_TABLE}`), [['integer', 'real', 'real', 'real']]);
      // The question a user asks of it with SQL.
      assert.deepEqual(
        selectRows(db(), `SELECT channel, count(*) FROM ${DELIVERIES_TABLE} WHERE status NOT IN ('delivered', 'silenced') GROUP BY channel ORDER BY channel`),
        [['email', 2]],
      );
    });

    it('skips a row damaged by hand, naming the database, the row id and the field, and loads the rest', async function () {
      const store = await openSource('sqlite');
      await store.recordDeliveries([delivery({ alert: 'a' }), delivery({ alert: 'b' })]);
      runSqlite(db(), [
        [`INSERT INTO ${DELIVERIES_TABLE} (${COLUMNS}) VALUES ('c', 'r', 'firing', 'slack', 'lost', 1, NULL, ?, ?, 1.5)`, [T, T]],
        [`INSERT INTO ${DELIVERIES_TABLE} (${COLUMNS}) VALUES ('d', 'r', 'firing', 'pager', 'failed', 1, 'boom', 'yesterday', ?, 1.5)`, [T]],
        [`INSERT INTO ${DELIVERIES_TABLE} (${COLUMNS}) VALUES ('e', 'r', 'firing', 'slack', 'failed', 2, 'boom', ?, ?, 3.0)`, [T, T]],
      ]);
      await store.refresh();
      const log = await store.readDeliveries();
      assert.deepEqual(log.records.map((r) => r.alert), ['a', 'b', 'e']);
      assert.equal(log.problems.length, 2, log.problems.join('\n'));
      const [status, two] = log.problems as [string, string];
      assert.ok(status.startsWith(`${db()}, ${DELIVERIES_TABLE} row 3: status must be one of "delivered", "failed", "timed-out", "not-configured", "silenced", not "lost"`), status);
      assert.match(status, /skipped/);
      assert.ok(two.startsWith(`${db()}, ${DELIVERIES_TABLE} row 4: `) && two.includes('channel') && two.includes('evaluated_at'), two);
      // Whatever the query selects, a damaged row is named.
      assert.deepEqual((await store.readDeliveries({ failed: true, limit: 1 })).records.map((r) => r.alert), ['e']);
      assert.equal((await store.readDeliveries({ alert: 'a' })).problems.length, 2);
      // Appending goes on after the damaged rows.
      await store.recordDeliveries([delivery({ alert: 'f' })]);
      assert.deepEqual((await store.readDeliveries()).records.map((r) => r.alert), ['a', 'b', 'e', 'f']);
      assert.deepEqual(selectRows(db(), `SELECT id FROM ${DELIVERIES_TABLE} WHERE alert = 'f'`), [[6]]);
    });
  });
});
