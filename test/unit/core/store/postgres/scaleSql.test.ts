import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  citusSql,
  confidenceBinSql,
  coveringIndexSql,
  rollUpSql,
  timescaleSql,
  windowSumsSql,
  WINDOW_SUM_COLUMNS,
} from '../../../../../src/core/store/postgres/scaleSql';
import { startPostgresFixture, type PostgresFixture } from './support';

describe('Scale SQL: the statements for TimescaleDB, Citus and the covering index, as text', () => {
  it('bins confidence with a CASE ladder on float8 edges, 1.0 in no bin, as Python does', () => {
    assert.equal(
      confidenceBinSql('c', 4),
      'CASE WHEN c < 0 THEN NULL WHEN c < 0.25::float8 THEN 1 WHEN c < 0.5::float8 THEN 2 WHEN c < 0.75::float8 THEN 3 WHEN c < 1.0::float8 THEN 4 END',
    );
    assert.match(confidenceBinSql('c', 10), /WHEN c < 0\.2::float8 THEN 2 WHEN c < 0\.3::float8 THEN 3 .* WHEN c < 1\.0::float8 THEN 10 END$/);
    assert.ok(!/width_bucket|floor/.test(windowSumsSql({ window: '1 hour', bins: 10, bucket: 'date_bin' })));
    assert.throws(() => confidenceBinSql('c', 0), /bins must be a whole number/);
  });

  it('groups the additive sums by window, version and bin, with date_bin or time_bucket', () => {
    const plain = windowSumsSql({ window: '1 hour', bins: 10, bucket: 'date_bin' });
    assert.match(plain, /^SELECT date_bin\(INTERVAL '1 hour', "timestamp", TIMESTAMPTZ '2000-01-01 00:00:00\+00'\) AS win,/);
    assert.match(plain, /FROM predictions\nGROUP BY 1, 2, 3$/);
    for (const column of WINDOW_SUM_COLUMNS) assert.match(plain, new RegExp(` AS ${column}[,\\n]`));
    assert.match(windowSumsSql({ window: '15 minutes', bins: 10, bucket: 'time_bucket' }), /^SELECT time_bucket\(INTERVAL '15 minutes', "timestamp"\) AS win,/);
    assert.throws(() => windowSumsSql({ window: "1 hour'; DROP TABLE predictions; --", bins: 10, bucket: 'date_bin' }), /is not an interval/);
    assert.ok(!/GROUPING SETS/.test(plain), 'Citus rejects GROUPING SETS in distributed queries');
  });

  it('makes TimescaleDB unique keys include the time column before the hypertable, then keeps the sums in a continuous aggregate refreshed back over the label horizon', () => {
    const statements = timescaleSql();
    const at = (pattern: RegExp) => statements.findIndex((statement) => pattern.test(statement));
    assert.ok(at(/ADD PRIMARY KEY \(id, "timestamp"\)/) >= 0);
    assert.ok(at(/CREATE UNIQUE INDEX ix_predictions_prediction_id ON predictions \(prediction_id, "timestamp"\)/) >= 0);
    const hypertable = at(/^SELECT create_hypertable\('predictions', 'timestamp', chunk_time_interval => INTERVAL '1 day', migrate_data => true\)$/);
    assert.ok(hypertable > at(/ADD PRIMARY KEY/) && hypertable > at(/CREATE UNIQUE INDEX/), 'the keys change before the table becomes a hypertable');
    const view = statements[at(/WITH \(timescaledb\.continuous\)/)] ?? '';
    assert.match(view, /^CREATE MATERIALIZED VIEW pitwall_window_sums WITH \(timescaledb\.continuous\) AS\nSELECT time_bucket\(INTERVAL '1 hour', "timestamp"\)/);
    assert.match(view, /WITH NO DATA$/);
    assert.match(
      statements.at(-1) ?? '',
      /^SELECT add_continuous_aggregate_policy\('pitwall_window_sums', start_offset => INTERVAL '48 hours' \+ INTERVAL '1 hour', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '15 minutes'\)$/,
    );
    assert.match(rollUpSql('1 day'), /^SELECT time_bucket\(INTERVAL '1 day', win\) AS win, model_version, bin,\n {2}sum\(n_pred\) AS n_pred, .*sum\(tn\) AS tn\nFROM pitwall_window_sums\nGROUP BY 1, 2, 3$/);
  });

  it('distributes predictions by prediction_id for Citus, with the distribution column in the primary key, and copies the small tables', () => {
    const statements = citusSql({ shards: 16 });
    assert.ok(statements.indexOf('ALTER TABLE predictions ADD PRIMARY KEY (id, prediction_id)') < statements.indexOf("SELECT create_distributed_table('predictions', 'prediction_id')"));
    assert.ok(statements.includes('SET citus.shard_count = 16'));
    assert.ok(statements.includes('ALTER TABLE predictions ALTER COLUMN id TYPE bigint'));
    assert.ok(statements.includes("SELECT create_reference_table('alerts')"));
    assert.ok(statements.includes("SELECT create_reference_table('alert_rules')"));
  });

  it('writes the covering index version first, built concurrently', () => {
    assert.equal(
      coveringIndexSql(),
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS pitwall_predictions_version_time ON predictions (model_version, "timestamp") INCLUDE (confidence, predicted_outcome, actual_outcome)',
    );
  });
});

describe('Scale SQL on a real PostgreSQL server (what runs without TimescaleDB or Citus)', function () {
  this.timeout(120_000);
  let fixture: PostgresFixture;
  before(async () => {
    fixture = await startPostgresFixture(3000, 21);
  });
  after(() => fixture?.close());

  it('puts values at and one ulp below every edge in the bin Python puts them in', () => {
    const values = [0, 1e-300, 0.05, 0.09999999999999999, 0.1, 0.19999999999999998, 0.2, 0.30000000000000004, 0.29999999999999993, 0.3, 0.5, 0.7, 0.6999999999999998, 0.8999999999999999, 0.9, 0.9999999999999999, 1, 1.5];
    const python = execFileSync('python3', ['-c', `import sys\nfor c in [${values.map((v) => v.toPrecision(17)).join(', ')}]:\n  b = [i + 1 for i in range(10) if c >= i / 10 and c < (i + 1) / 10]\n  print(b[0] if b else '')`], { encoding: 'utf8' }).trim().split('\n');
    const sql = fixture.cluster.psql('base', `SELECT coalesce((${confidenceBinSql('c', 10)})::text, '') FROM unnest(ARRAY[${values.map((v) => `${v.toPrecision(17)}::float8`).join(', ')}]) WITH ORDINALITY AS t(c, o) ORDER BY o`).split('\n');
    assert.deepEqual(sql, python);
  });

  it('runs the per-window sums (date_bin) and they add up to the table, and the covering index builds beside the Python schema', () => {
    const sums = fixture.cluster.psql('base', `SELECT sum(n_pred), sum(n_labeled), sum(n_correct), sum(tp + fp + fn + tn) FROM (${windowSumsSql({ window: '1 hour', bins: 10, bucket: 'date_bin' })}) s`);
    const table = fixture.cluster.psql('base', 'SELECT count(*), count(actual_outcome), count(*) FILTER (WHERE actual_outcome = predicted_outcome), count(*) FILTER (WHERE actual_outcome IN (0, 1) AND predicted_outcome IN (0, 1)) FROM predictions');
    assert.equal(sums, table);
    assert.ok(Number(table.split('|')[1]) > 0);
    const url = fixture.clone('indexed');
    const database = new URL(url).pathname.slice(1);
    fixture.cluster.psql(database, coveringIndexSql());
    assert.equal(fixture.cluster.psql(database, "SELECT indexdef FROM pg_indexes WHERE indexname = 'pitwall_predictions_version_time'"), 'CREATE INDEX pitwall_predictions_version_time ON public.predictions USING btree (model_version, "timestamp") INCLUDE (confidence, predicted_outcome, actual_outcome)');
  });
});
