import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { PitwallError } from '../../../../src/core/errors';
import { openJsonlStore } from '../../../../src/core/store/jsonl/jsonlStore';
import { formatMigrationReport, migrateJsonlToSqlite, type MigrationProgress, type MigrationReport } from '../../../../src/core/store/migrate';
import { sqliteSchemaSql, sqliteSchemaStatements } from '../../../../src/core/store/sqlite/schema';
import { createNewDatabase, type SqliteStatement } from '../../../../src/core/store/sqlite/writer';
import { createPitwallDatabase, integrityCheck, pythonPath, runSqlite, selectRows, type Row } from './sqlite/writerSupport';

const SAMPLES = join(__dirname, '../../../fixtures/formats/jsonl');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pitwall-migrate-'));
}

function part(report: MigrationReport, name: string) {
  const found = report.parts.find((each) => each.part === name);
  assert.ok(found, `no part ${name}`);
  return found;
}

function counts(report: MigrationReport, name: string): [number, number, number, number, number, number] {
  const p = part(report, name);
  return [p.read, p.inserted, p.present, p.updated, p.skipped, p.renamed];
}

function rejectsWith(code: string, ...mentioning: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PitwallError, String(error));
    assert.equal(error.code, code, error.message);
    for (const text of mentioning) assert.ok(error.message.includes(text), `"${error.message}" lacks "${text}"`);
    return true;
  };
}

/** Every file under a folder with its bytes, to prove nothing was written. */
function snapshotFolder(folder: string): Record<string, string> {
  const files = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return Object.fromEntries(files.map((entry) => [join(entry.parentPath, entry.name), readFileSync(join(entry.parentPath, entry.name)).toString('base64')]));
}

const PREDICTION_COLUMNS =
  'id, timestamp, model_version, prediction_id, predicted_outcome, confidence, actual_outcome, actual_outcome_timestamp, features, extra_metadata, created_at';
const ALERT_COLUMNS =
  'id, timestamp, severity, metric_name, metric_value, threshold, component, model_version, acknowledged, acknowledged_at, acknowledged_by, created_at';
const RULE_COLUMNS = 'id, rule_id, metric_name, metric_type, threshold, comparison, severity, component, enabled, cooldown_minutes, channels, conditions, last_triggered';
const HEALTH_COLUMNS =
  'id, timestamp, model_version, accuracy, precision, recall, f1_score, roc_auc, expected_calibration_error, num_predictions, degradation_detected, created_at';

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('migrateJsonlToSqlite', function () {
  this.timeout(60_000);

  describe('a generated folder, against the database the Python system would hold for it', function () {
    let dir: string;
    let folder: string;
    let oracle: string;
    let target: string;
    let report: MigrationReport;
    const progress: MigrationProgress[] = [];

    before(async function () {
      dir = tempDir();
      const generated = await generateDataset({ outDir: join(dir, 'generated'), predictions: 4000, seed: 7 });
      folder = generated.jsonlDir as string;
      oracle = generated.databasePath as string;
      target = join(dir, 'migrated.db');
      report = await migrateJsonlToSqlite(folder, target, { onProgress: (p) => progress.push(p) });
    });
    after(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes every prediction as that database holds it: times, JSON text, ground truth, row ids', function () {
      const query = `SELECT ${PREDICTION_COLUMNS} FROM predictions ORDER BY id`;
      const migrated = selectRows(target, query);
      assert.equal(migrated.length, 4000);
      assert.deepEqual(migrated, selectRows(oracle, query));
      const types = selectRows(target, 'SELECT DISTINCT typeof(confidence), typeof(features), typeof(timestamp) FROM predictions');
      assert.deepEqual(types, [['real', 'text', 'text']]);
    });

    it('writes the alerts with their acknowledgments; ids, titles and messages are the file store\'s own', function () {
      const query = `SELECT ${ALERT_COLUMNS} FROM alerts ORDER BY id`;
      const migrated = selectRows(target, query);
      assert.equal(migrated.length, 65);
      assert.deepEqual(migrated, selectRows(oracle, query));
      const fileAlerts = lines(join(folder, 'alerts.jsonl'));
      assert.deepEqual(
        selectRows(target, 'SELECT alert_id, title, message FROM alerts ORDER BY id'),
        fileAlerts.map((alert) => [alert.alert_id, alert.title, alert.message]),
      );
      assert.ok(selectRows(target, 'SELECT count(*) FROM alerts WHERE acknowledged = 1')[0]?.[0] as number > 0);
    });

    it('sets each rule\'s last_triggered from its latest alert; created_at and updated_at are the migration\'s time', function () {
      const query = `SELECT ${RULE_COLUMNS} FROM alert_rules ORDER BY id`;
      const migrated = selectRows(target, query);
      assert.deepEqual(migrated, selectRows(oracle, query));
      assert.ok(migrated.some((row) => row[12] !== null) && migrated.some((row) => row[12] === null));
      for (const [created, updated] of selectRows(target, 'SELECT created_at, updated_at FROM alert_rules')) {
        assert.match(String(created), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        assert.equal(updated, created);
      }
    });

    it('writes the health snapshots, keeping the file\'s prediction_accuracy_trend where the database API leaves NULL', function () {
      const query = `SELECT ${HEALTH_COLUMNS} FROM health_snapshots ORDER BY id`;
      assert.deepEqual(selectRows(target, query), selectRows(oracle, query));
      assert.deepEqual(
        selectRows(target, 'SELECT prediction_accuracy_trend FROM health_snapshots ORDER BY id').map((row) => row[0]),
        lines(join(folder, 'health_snapshots.jsonl')).map((snapshot) => snapshot.prediction_accuracy_trend),
      );
    });

    it('leaves the tables the file store has no data for empty', function () {
      for (const table of ['drift_results', 'feature_importance', 'degradation_analysis', 'metric_snapshots']) {
        assert.deepEqual(selectRows(target, `SELECT count(*) FROM ${table}`), [[0]], table);
      }
    });

    it('is a sound database for real SQLite, with exactly SQLAlchemy\'s schema', function () {
      assert.equal(integrityCheck(target), 'ok');
      const ddl = selectRows(target, 'SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid').map((row) => `${String(row[0])};\n`);
      assert.equal(ddl.join(''), sqliteSchemaSql);
      const master = 'SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid';
      assert.deepEqual(selectRows(target, master), selectRows(oracle, master));
    });

    it('reports what it read and wrote, part by part, and its progress', function () {
      assert.equal(report.newDatabase, true);
      assert.equal(report.dryRun, false);
      assert.deepEqual(counts(report, 'predictions'), [4000, 4000, 0, 0, 0, 0]);
      assert.deepEqual(counts(report, 'outcomes'), [2860, 2860, 0, 0, 0, 0]);
      assert.deepEqual(counts(report, 'health_snapshots'), [112, 112, 0, 0, 0, 0]);
      assert.deepEqual(counts(report, 'alerts'), [65, 65, 0, 0, 0, 0]);
      assert.deepEqual(counts(report, 'alert_rules'), [8, 8, 0, 0, 0, 0]);
      assert.deepEqual(report.diagnostics, []);
      assert.deepEqual(report.warnings, []);
      assert.deepEqual(report.renamed, []);
      assert.deepEqual(progress.at(-1), { stage: 'saving', target });
      assert.ok(progress.some((p) => p.stage === 'rows' && p.part === 'predictions' && p.rows === 4000));
    });

    it('adds nothing on a second run, and a dry run of it says so without writing', async function () {
      const before = snapshotFolder(dir);
      const dry = await migrateJsonlToSqlite(folder, target, { dryRun: true });
      assert.deepEqual(snapshotFolder(dir), before);
      const again = await migrateJsonlToSqlite(folder, target, { batchSize: 500 });
      for (const result of [dry, again]) {
        assert.equal(result.newDatabase, false);
        assert.deepEqual(counts(result, 'predictions'), [4000, 0, 4000, 0, 0, 0]);
        assert.deepEqual(counts(result, 'outcomes'), [2860, 0, 2860, 0, 0, 0]);
        assert.deepEqual(counts(result, 'alerts'), [65, 0, 65, 0, 0, 0]);
        assert.deepEqual(counts(result, 'alert_rules'), [8, 0, 8, 0, 0, 0]);
        assert.deepEqual(counts(result, 'health_snapshots'), [112, 0, 112, 0, 0, 0]);
      }
      const query = `SELECT ${PREDICTION_COLUMNS} FROM predictions ORDER BY id`;
      assert.deepEqual(selectRows(target, query), selectRows(oracle, query));
      assert.equal(integrityCheck(target), 'ok');
    });
  });

  describe('a dry run into a new file', function () {
    it('reads everything, counts what it would insert and creates nothing', async function () {
      const dir = tempDir();
      try {
        const folder = join(dir, 'jsonl');
        cpSync(SAMPLES, folder, { recursive: true });
        const before = snapshotFolder(dir);
        const dry = await migrateJsonlToSqlite(folder, join(dir, 'new.db'), { dryRun: true });
        assert.deepEqual(snapshotFolder(dir), before);
        const real = await migrateJsonlToSqlite(folder, join(dir, 'new.db'));
        assert.deepEqual(
          dry.parts.map((p) => [p.part, p.inserted]),
          real.parts.map((p) => [p.part, p.inserted]),
        );
        assert.equal(dry.renamed.length, real.renamed.length);
        assert.match(formatMigrationReport(dry), /^Dry run, nothing was written/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the format samples', function () {
    let dir: string;
    let target: string;
    let report: MigrationReport;

    before(async function () {
      dir = tempDir();
      target = join(dir, 'monitoring.db');
      report = await migrateJsonlToSqlite(SAMPLES, target);
    });
    after(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps the first of two alerts that share an alert_id, renames the later one and reports it', function () {
      assert.deepEqual(report.renamed[0], {
        file: 'alerts.jsonl',
        line: 2,
        from: 'alert_1790856000000',
        to: 'alert_1790856000000-2',
        message: 'alerts.jsonl line 2: alert_id "alert_1790856000000" is already used by an earlier alert; migrated as "alert_1790856000000-2".',
      });
      const sample = lines(join(SAMPLES, 'alerts.jsonl'));
      const duplicates = sample.length - new Set(sample.map((alert) => alert.alert_id)).size;
      assert.ok(duplicates > 0);
      assert.equal(report.renamed.length, duplicates);
      assert.deepEqual(counts(report, 'alerts'), [sample.length, sample.length, 0, 0, 0, duplicates]);
      assert.deepEqual(selectRows(target, 'SELECT count(DISTINCT alert_id), count(*) FROM alerts'), [[sample.length, sample.length]]);
      assert.deepEqual(selectRows(target, 'SELECT alert_id, severity FROM alerts ORDER BY id LIMIT 2'), [
        ['alert_1790856000000', 'critical'],
        ['alert_1790856000000-2', 'warning'],
      ]);
    });

    it('turns float-second timestamps into SQLAlchemy text and carries acknowledgments', function () {
      assert.deepEqual(selectRows(target, 'SELECT timestamp, acknowledged, acknowledged_at, acknowledged_by FROM alerts ORDER BY id LIMIT 1'), [
        ['2026-10-01 12:00:00.000000', 1, '2026-10-15 00:10:00.000000', 'oncall@example.com'],
      ]);
      assert.deepEqual(selectRows(target, "SELECT timestamp, created_at FROM predictions WHERE prediction_id = 'pred-0000000'"), [
        ['2026-10-01 00:23:09.121265', '2026-10-01 00:23:09'],
      ]);
    });

    it('writes JSON columns as the sample database holds them, floats as floats', function () {
      const sampleDb = join(SAMPLES, '../sqlite/monitoring.db');
      const query = "SELECT features, extra_metadata FROM predictions WHERE prediction_id IN ('pred-0000000', 'pred-0000001') ORDER BY prediction_id";
      assert.deepEqual(selectRows(target, query), selectRows(sampleDb, query));
      assert.deepEqual(selectRows(target, "SELECT channels, conditions FROM alert_rules WHERE rule_id = 'acc_low'"), [['["console", "file"]', '{"min_value": 0.0}']]);
    });

    it('renames the same way on a second run, so it adds nothing', async function () {
      const again = await migrateJsonlToSqlite(SAMPLES, target);
      assert.deepEqual(again.renamed, report.renamed);
      assert.ok(again.parts.every((p) => p.inserted === 0 && p.updated === 0));
      assert.equal(integrityCheck(target), 'ok');
    });
  });

  describe('a folder with bad lines', function () {
    let dir: string;
    let folder: string;
    let target: string;
    let report: MigrationReport;
    const prediction = (id: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        timestamp: 1790814189.5,
        model_version: 'v1.0',
        prediction_id: id,
        predicted_outcome: 1,
        confidence: 0.75,
        features: { grid_position: 3, track_temp: 30.5, circuit: 'spa' },
        metadata: { race_id: 1, source: 'sim' },
        ...extra,
      });

    before(async function () {
      dir = tempDir();
      folder = join(dir, 'monitoring');
      mkdirSync(folder);
      target = join(dir, 'monitoring.db');
      writeFileSync(
        join(folder, 'predictions.jsonl'),
        Buffer.concat([
          Buffer.from(
            [
              prediction('p1'),
              prediction('p2', { confidence: 'high' }),
              '{"timestamp": 17908{"timestamp": 1790814190.0, "model_version": "v1.0"}',
              '',
              prediction('p3', { predicted_outcome: 2, features: { grid_position: [1] } }),
              prediction('p1', { confidence: 0.1 }),
              prediction('p4'),
              '',
            ].join('\n'),
          ),
          Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]),
          Buffer.from(`${prediction('p5')}\n{"timestamp": 1790814199.0, "model_ver`),
        ]),
      );
      writeFileSync(
        join(folder, 'outcomes.jsonl'),
        [
          '{"prediction_id": "p1", "actual_outcome": 1, "timestamp": 1790900000.0}',
          '{"prediction_id": "p4", "actual_outcome": "yes", "timestamp": 1790900000.0}',
          '{"prediction_id": "gone", "actual_outcome": 0, "timestamp": 1790900000.0}',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(folder, 'alerts.jsonl'),
        `${JSON.stringify({ timestamp: 1790856000.0, alert_id: 'a1', severity: 'loud', title: null, message: null, metric_name: 'accuracy', metric_value: 0.5, threshold: 0.7, component: 'performance', model_version: 'v1.0', acknowledged: false, acknowledged_at: null, acknowledged_by: null })}\n`,
      );
      report = await migrateJsonlToSqlite(folder, target);
    });
    after(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it('migrates the good lines', function () {
      assert.deepEqual(selectRows(target, 'SELECT prediction_id, confidence, actual_outcome FROM predictions ORDER BY id'), [
        ['p1', 0.75, 1],
        ['p4', 0.75, null],
        ['p5', 0.75, null],
      ]);
      assert.deepEqual(counts(report, 'predictions'), [3, 3, 0, 0, 6, 0]);
      assert.deepEqual(counts(report, 'outcomes'), [2, 1, 0, 0, 1, 0]);
      assert.deepEqual(counts(report, 'alerts'), [0, 0, 0, 0, 1, 0]);
      assert.equal(integrityCheck(target), 'ok');
    });

    it('reports each bad line with its file, line and field, as the JSONL store does', async function () {
      const predictionsFile = join(folder, 'predictions.jsonl');
      const where = report.diagnostics.map((d) => [d.file === predictionsFile ? 'predictions' : d.file.split('/').at(-1), d.line, d.field ?? null]);
      assert.deepEqual(where, [
        ['predictions', 2, 'confidence'],
        ['predictions', 3, null],
        ['predictions', 5, 'predicted_outcome'],
        ['predictions', 6, 'prediction_id'],
        ['predictions', 8, null],
        ['predictions', 10, null],
        ['outcomes.jsonl', 2, 'actual_outcome'],
        ['alerts.jsonl', 1, 'severity'],
      ]);
      assert.ok(report.diagnostics.every((d) => d.severity === 'error' && d.message.includes(`line ${d.line}`)));
      const store = await openJsonlStore(folder);
      try {
        // The store reads the prediction files at the first question that needs them.
        await store.counts();
        const unfinished = report.diagnostics.filter((d) => d.line === 10);
        assert.equal(unfinished.length, 1);
        assert.match(unfinished[0]?.message ?? '', /predictions\.jsonl line 10 has no newline yet .*not migrated/);
        assert.deepEqual(
          report.diagnostics.filter((d) => d.line !== 10 || d.file !== predictionsFile),
          (await store.describe()).diagnostics,
        );
      } finally {
        await store.close();
      }
    });

    it('warns about outcomes whose prediction it does not have', function () {
      assert.deepEqual(report.warnings, ['outcomes.jsonl has outcomes for 1 predictions that predictions.jsonl does not hold: they were not migrated.']);
    });

    it('lists the bad lines in its printed report', function () {
      const text = formatMigrationReport(report);
      assert.ok(text.includes('predictions.jsonl line 2: confidence must be'), text);
      assert.ok(text.includes('outcomes.jsonl has outcomes for 1 predictions'), text);
    });

    it('migrates the unfinished last line once its writer has finished it', async function () {
      appendFileSync(join(folder, 'predictions.jsonl'), 'sion": "v1.0", "prediction_id": "p6", "predicted_outcome": 0, "confidence": 0.6, "features": {}}\n');
      const again = await migrateJsonlToSqlite(folder, target);
      assert.deepEqual(counts(again, 'predictions'), [4, 1, 3, 0, 5, 0]);
      assert.deepEqual(selectRows(target, "SELECT timestamp, features, extra_metadata FROM predictions WHERE prediction_id = 'p6'"), [
        ['2026-10-01 00:23:19.000000', '{}', null],
      ]);
    });
  });

  describe('an existing database', function () {
    let dir: string;
    let folder: string;
    let oracle: string;

    before(async function () {
      dir = tempDir();
      const generated = await generateDataset({ outDir: join(dir, 'generated'), predictions: 3000, seed: 7 });
      folder = generated.jsonlDir as string;
      oracle = generated.databasePath as string;
    });
    after(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    /** A copy of the generated folder with only the first `count` lines of some files. */
    function partialFolder(name: string, keep: Record<string, number>): string {
      const partial = join(dir, name);
      cpSync(folder, partial, { recursive: true });
      for (const [file, count] of Object.entries(keep)) {
        const text = readFileSync(join(folder, file), 'utf8').split('\n').slice(0, count);
        writeFileSync(join(partial, file), text.map((line) => `${line}\n`).join(''));
      }
      return partial;
    }

    it('gets only the rows it lacks, outcomes where it has none, and later last_triggered only', async function () {
      const target = join(dir, 'subset.db');
      const first = await migrateJsonlToSqlite(partialFolder('subset', { 'predictions.jsonl': 1000, 'outcomes.jsonl': 0, 'alerts.jsonl': 10 }), target);
      assert.deepEqual(counts(first, 'predictions'), [1000, 1000, 0, 0, 0, 0]);
      assert.deepEqual(counts(first, 'outcomes'), [0, 0, 0, 0, 0, 0]);
      const [kept] = selectRows(target, 'SELECT rule_id FROM alert_rules WHERE last_triggered IS NOT NULL ORDER BY id')[0] as Row;
      runSqlite(target, [["UPDATE alert_rules SET last_triggered = '2099-01-01 00:00:00.000000' WHERE rule_id = ?", [kept]]]);

      const report = await migrateJsonlToSqlite(folder, target, { batchSize: 97 });
      const outcomes = lines(join(folder, 'outcomes.jsonl'));
      const ofFirst = outcomes.filter((outcome) => Number(String(outcome.prediction_id).slice(5)) < 1000).length;
      assert.deepEqual(counts(report, 'predictions'), [3000, 2000, 1000, 0, 0, 0]);
      assert.deepEqual(counts(report, 'outcomes'), [outcomes.length, outcomes.length - ofFirst, 0, ofFirst, 0, 0]);
      const alerts = lines(join(folder, 'alerts.jsonl')).length;
      assert.deepEqual(counts(report, 'alerts'), [alerts, alerts - 10, 10, 0, 0, 0]);
      const expected = new Map(selectRows(oracle, 'SELECT rule_id, last_triggered FROM alert_rules').map(([id, at]) => [id, at]));
      const triggered = new Map(selectRows(target, 'SELECT rule_id, last_triggered FROM alert_rules').map(([id, at]) => [id, at]));
      assert.equal(triggered.get(kept), '2099-01-01 00:00:00.000000');
      triggered.set(kept, expected.get(kept) ?? null);
      assert.deepEqual(triggered, expected);
      const moved = [...expected.values()].filter((at) => at !== null).length - 1;
      assert.ok(moved > 0);
      assert.deepEqual(counts(report, 'alert_rules'), [8, 0, 8, moved, 0, 0]);

      for (const query of [`SELECT ${PREDICTION_COLUMNS} FROM predictions ORDER BY id`, `SELECT ${ALERT_COLUMNS} FROM alerts ORDER BY id`]) {
        assert.deepEqual(selectRows(target, query), selectRows(oracle, query));
      }
      assert.equal(integrityCheck(target), 'ok');
    });

    it('adds to a live WAL database of the service without touching the rows it wrote', async function () {
      const target = join(dir, 'live.db');
      createPitwallDatabase(target, 'wal');
      const firstOutcome = lines(join(folder, 'outcomes.jsonl'))[0] as { prediction_id: string };
      runSqlite(target, [
        [
          "INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES ('2026-10-01 00:00:00.000000', 'v1.0', ?, 1, 0.5, '{}')",
          [firstOutcome.prediction_id],
        ],
        [
          "INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features, actual_outcome) VALUES ('2026-10-02 00:00:00.000000', 'v2.0', 'svc-1', 0, 0.9, '{\"x\": 1}', 1)",
          [],
        ],
      ]);
      const report = await migrateJsonlToSqlite(folder, target);
      assert.deepEqual(counts(report, 'predictions'), [3000, 2999, 1, 0, 0, 0]);
      assert.equal(part(report, 'outcomes').updated, 1);
      assert.deepEqual(selectRows(target, 'SELECT model_version, confidence, features, actual_outcome IS NOT NULL FROM predictions WHERE prediction_id IN (?, ?) ORDER BY id', [firstOutcome.prediction_id, 'svc-1']), [
        ['v1.0', 0.5, '{}', 1],
        ['v2.0', 0.9, '{"x": 1}', 1],
      ]);
      assert.deepEqual(selectRows(target, 'PRAGMA journal_mode'), [['wal']]);
      assert.equal(integrityCheck(target), 'ok');
    });

    it('creates the tables an older database lacks', async function () {
      const target = join(dir, 'older.db');
      const predictionsTable = sqliteSchemaStatements.slice(0, 6);
      assert.ok(predictionsTable[5]?.includes('ON predictions') && !sqliteSchemaStatements[6]?.includes('ON predictions'));
      runSqlite(target, predictionsTable.map((sql) => [sql, []]));
      const report = await migrateJsonlToSqlite(folder, target);
      assert.deepEqual(report.warnings, [
        `${target} had no health_snapshots, alerts, alert_rules, drift_results, feature_importance, degradation_analysis, metric_snapshots tables: created as SQLAlchemy's create_all creates them.`,
      ]);
      assert.equal(part(report, 'health_snapshots').inserted, lines(join(folder, 'health_snapshots.jsonl')).length);
      const ddl = selectRows(target, 'SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid').map((row) => `${String(row[0])};\n`);
      assert.equal(ddl.join(''), sqliteSchemaSql);
    });

    it('refuses a database without the outcome columns, writing nothing', async function () {
      const target = join(dir, 'no-outcomes.db');
      runSqlite(target, [['CREATE TABLE predictions (id INTEGER NOT NULL, timestamp DATETIME NOT NULL, prediction_id VARCHAR(100) NOT NULL, PRIMARY KEY (id))', []]]);
      const before = readFileSync(target);
      await assert.rejects(
        migrateJsonlToSqlite(folder, target),
        rejectsWith('format', target, 'predictions.model_version', 'predictions.actual_outcome', 'nothing was migrated'),
      );
      assert.deepEqual(readFileSync(target), before);
      await assert.rejects(migrateJsonlToSqlite(folder, target, { dryRun: true }), rejectsWith('format', 'predictions.actual_outcome'));
    });
  });

  describe('targets it refuses', function () {
    let dir: string;
    before(function () {
      dir = tempDir();
    });
    after(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it('a file that is not SQLite: a clear error, and the file untouched', async function () {
      const target = join(dir, 'notes.db');
      writeFileSync(target, 'my notes, not a database\n');
      for (const dryRun of [false, true]) {
        await assert.rejects(migrateJsonlToSqlite(SAMPLES, target, { dryRun }), rejectsWith('format', target, 'is not a SQLite database', 'left as it was'));
      }
      assert.equal(readFileSync(target, 'utf8'), 'my notes, not a database\n');
      assert.deepEqual(readdirSync(dir), ['notes.db']);
    });

    it('a folder, or a place in a folder that does not exist', async function () {
      await assert.rejects(migrateJsonlToSqlite(SAMPLES, dir), rejectsWith('input', 'is a folder'));
      await assert.rejects(migrateJsonlToSqlite(SAMPLES, join(dir, 'missing', 'x.db')), rejectsWith('not-found', join(dir, 'missing')));
    });

    it('a source that is not a folder', async function () {
      await assert.rejects(migrateJsonlToSqlite(join(dir, 'nowhere'), join(dir, 'x.db')), rejectsWith('not-found', 'nowhere'));
      await assert.rejects(migrateJsonlToSqlite(join(SAMPLES, 'alerts.jsonl'), join(dir, 'x.db')), rejectsWith('input', 'is not a folder'));
      assert.equal(existsSync(join(dir, 'x.db')), false);
    });
  });

  describe('JSON columns', function () {
    it('hold the text Python\'s json.dumps writes for what json.loads read, where JSON.parse would lose it', async function () {
      const dir = tempDir();
      try {
        const folder = join(dir, 'monitoring');
        mkdirSync(folder);
        const texts = [
          '{"timestamp": 1790814189.0, "model_version": "v1.0", "prediction_id": "j1", "predicted_outcome": 1, "confidence": 1.0, "features": {"t": 31.0, "n": 5, "z": -0.0, "e": 1e3, "big": 12345678901234567890}, "metadata": {"2": "b", "1": "a", "x": 1.50, "nested": {"10": [1.0, 2]}}}',
          '{"timestamp":1790814190,"model_version":"v1.0","prediction_id":"j2","predicted_outcome":0,"confidence":0.5,"features":{"s":"caf\\u00e9 \\ud83d\\ude00","b":true,"n":null},"metadata":{"k":"v","k":"w","small":1e-7}}',
          '{"timestamp": 1790814191.25, "model_version": "v1.0", "prediction_id": "j3", "predicted_outcome": 0, "confidence": 0.5, "features": {"a": 1}, "metadata": null}',
        ];
        writeFileSync(join(folder, 'predictions.jsonl'), texts.map((text) => `${text}\n`).join(''));
        const target = join(dir, 'monitoring.db');
        await migrateJsonlToSqlite(folder, target);
        const python = spawnSync(
          pythonPath,
          ['-c', 'import json,sys\nfor line in sys.stdin:\n    r = json.loads(line)\n    m = r.get("metadata")\n    print(json.dumps([json.dumps(r["features"]), None if m is None else json.dumps(m)]))'],
          { input: texts.join('\n'), encoding: 'utf8' },
        );
        assert.equal(python.status, 0, python.stderr);
        const expected = python.stdout.trim().split('\n').map((line) => JSON.parse(line) as Row);
        assert.deepEqual(selectRows(target, 'SELECT features, extra_metadata FROM predictions ORDER BY id'), expected);
        assert.deepEqual(expected[0], [
          '{"t": 31.0, "n": 5, "z": -0.0, "e": 1000.0, "big": 12345678901234567890}',
          '{"2": "b", "1": "a", "x": 1.5, "nested": {"10": [1.0, 2]}}',
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('rules and their alerts', function () {
    it('matches an alert to the rule with its metric, component and severity, then threshold; warns when that is not one rule', async function () {
      const dir = tempDir();
      try {
        const folder = join(dir, 'monitoring');
        mkdirSync(folder);
        const rule = (id: string, threshold: number, extra: Record<string, unknown> = {}) => ({
          rule_id: id,
          metric_name: 'accuracy',
          metric_type: 'threshold',
          threshold,
          comparison: '<',
          severity: 'warning',
          component: 'performance',
          ...extra,
        });
        writeFileSync(
          join(folder, 'alert_rules.json'),
          JSON.stringify([
            rule('low', 0.7),
            rule('lower', 0.6),
            rule('own', 0.5, { severity: 'critical', last_triggered: 1791000000.5, for_minutes: 15 }),
            rule('twin-a', 0.4, { component: 'drift' }),
            rule('twin-b', 0.4, { component: 'drift' }),
          ]),
        );
        const alert = (timestamp: number, threshold: number, extra: Record<string, unknown> = {}) =>
          JSON.stringify({
            timestamp,
            alert_id: `alert_${timestamp * 1000}`,
            severity: 'warning',
            title: 't',
            message: 'm',
            metric_name: 'accuracy',
            metric_value: 0.1,
            threshold,
            component: 'performance',
            model_version: 'v1.0',
            acknowledged: false,
            acknowledged_at: null,
            acknowledged_by: null,
            ...extra,
          });
        writeFileSync(
          join(folder, 'alerts.jsonl'),
          [
            alert(1790900000, 0.7),
            alert(1790950000, 0.6),
            alert(1790960000, 0.7),
            alert(1790970000, 0.5, { severity: 'critical' }),
            alert(1790980000, 0.4, { component: 'drift' }),
            alert(1790990000, 0.9, { metric_name: 'f1_score' }),
          ].join('\n') + '\n',
        );
        const target = join(dir, 'monitoring.db');
        const report = await migrateJsonlToSqlite(folder, target);
        assert.deepEqual(selectRows(target, 'SELECT rule_id, last_triggered FROM alert_rules ORDER BY id'), [
          ['low', '2026-10-02 16:53:20.000000'],
          ['lower', '2026-10-02 14:06:40.000000'],
          ['own', '2026-10-03 04:00:00.500000'],
          ['twin-a', null],
          ['twin-b', null],
        ]);
        assert.deepEqual(report.warnings, [
          'Alerts on accuracy (drift, warning) fit the rules twin-a, twin-b alike: their last_triggered was not set from those alerts.',
        ]);
        // Pitwall's own rule fields travel inside conditions, where the SQLite store reads them back.
        assert.deepEqual(selectRows(target, "SELECT conditions FROM alert_rules WHERE rule_id = 'own'"), [['{"for_minutes": 15}']]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('formatMigrationReport', function () {
    it('aligns the counts in columns and shortens long lists', async function () {
      const dir = tempDir();
      try {
        const report = await migrateJsonlToSqlite(SAMPLES, join(dir, 'x.db'));
        const text = formatMigrationReport(report);
        const [title, blank, header, ...rest] = text.split('\n');
        assert.match(title ?? '', new RegExp(`^Migrated ${SAMPLES} into ${join(dir, 'x.db')} \\(a new database\\) in \\d+\\.\\d s:$`));
        assert.equal(blank, '');
        const table = [header as string, ...rest.slice(0, 4)];
        assert.match(table[0] as string, /^table +from +read +inserted +present +updated +skipped +renamed$/);
        assert.match(table[3] as string, /^alerts +alerts\.jsonl +63 +63 +0 +0 +0 +19$/);
        const ends = (line: string) => [...line.matchAll(/\S+/g)].map((match) => (match.index ?? 0) + match[0].length).slice(2);
        for (const line of table) assert.deepEqual(ends(line), ends(table[0] as string), line);
        assert.ok(text.includes('Alert ids renamed:\n  alerts.jsonl line 2: alert_id "alert_1790856000000"'));
        assert.ok(text.includes('  … and 0 more.') === false);
        assert.equal(text.split('\n').filter((line) => line.startsWith('  alerts.jsonl line')).length, 19);
        const many = { ...report, renamed: [...report.renamed, ...report.renamed] };
        assert.ok(formatMigrationReport(many).includes('  … and 18 more.\n'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('createNewDatabase from a stream of statements', function () {
  let dir: string;
  beforeEach(function () {
    dir = tempDir();
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const schema = sqliteSchemaStatements.map((sql): SqliteStatement => ({ sql, params: [] }));
  const insert = (id: number): SqliteStatement => ({
    sql: "INSERT INTO alerts (alert_id, timestamp, severity) VALUES (?, '2026-10-01 00:00:00.000000', 'info')",
    params: [`a-${id}`],
  });

  it('takes sync and async generators without holding the statements', async function () {
    function* sync(): Generator<SqliteStatement> {
      yield* schema;
      for (let id = 0; id < 500; id++) yield insert(id);
    }
    async function* later(): AsyncGenerator<SqliteStatement> {
      yield* schema;
      for (let id = 0; id < 500; id++) {
        if (id % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
        yield insert(id);
      }
    }
    await createNewDatabase(join(dir, 'sync.db'), sync());
    await createNewDatabase(join(dir, 'async.db'), later());
    for (const name of ['sync.db', 'async.db']) assert.deepEqual(selectRows(join(dir, name), 'SELECT count(*) FROM alerts'), [[500]]);
  });

  it('names a failing statement by its place in the stream, and writes nothing', async function () {
    function* failing(bad: SqliteStatement): Generator<SqliteStatement> {
      yield* schema;
      yield insert(1);
      yield bad;
    }
    const place = schema.length + 2;
    await assert.rejects(
      createNewDatabase(join(dir, 'a.db'), failing({ sql: 'INSERT INTO nowhere VALUES (?)', params: [1] })),
      rejectsWith('input', `statement ${place} failed`, 'no such table: nowhere'),
    );
    await assert.rejects(
      createNewDatabase(join(dir, 'b.db'), failing({ ...insert(2), params: [Number.NaN] })),
      rejectsWith('input', `Statement ${place}, parameter 1`),
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});
