/**
 * The hourly trend per model version (accuracy and ECE) on PostgreSQL, against `psql` running the
 * very aggregate Pitwall sends (its own statements, from explainWindows) in the same run:
 * - a throw-away cluster (scripts/postgresCluster.ts), the Python schema with its indexes, and the
 *   generator's million predictions loaded with COPY (`\copy` of the sqlite3 shell's CSV into a
 *   staging table, then into `predictions` `--factor` times, each copy shifted back by the data's
 *   span, as the large SQLite benchmark does), then VACUUM ANALYZE;
 * - the target (≤ 1.2×): the trend asked of an open source in a running Node process (the
 *   editor's and a notebook's case: the aggregate on the server, the kernel's combine step and
 *   metrics in Node) against the whole `psql` process running the aggregate;
 * - for the record: `pitwall trend` as a fresh CLI process (Node's start included), with its peak
 *   memory (target < 300 MB: the result travels, not the table). The answers are compared.
 *
 *   node --expose-gc --import tsx bench/postgres.ts [--factor 10]   (npm run bench -- postgres; builds dist/ first)
 *
 * The default is 1M predictions; `--factor 10` is the manual 10M run (about 3 minutes of loading).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWindowedMetrics } from '../src/core/analytics/windows';
import { openStore } from '../src/core/store/openStore';
import { postgresSchemaStatements } from '../src/core/store/postgres/schema';
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from '../scripts/postgresCluster';
import { benchDataset, checkTarget, measure, median, TREND_ARGS } from './data';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const RUNS = 5;
const COLUMNS = ['timestamp', 'model_version', 'prediction_id', 'predicted_outcome', 'confidence', 'actual_outcome', 'actual_outcome_timestamp', 'features', 'extra_metadata'];
const TREND = { every: '1h', by: 'model_version' as const, metrics: ['accuracy', 'ece'], minLabels: 0 };

function factorOf(argv: readonly string[]): number {
  const at = argv.indexOf('--factor');
  const factor = at < 0 ? 1 : Number(argv[at + 1]);
  if (!Number.isInteger(factor) || factor < 1 || factor > 20) throw new Error('--factor takes a whole number from 1 to 20');
  return factor;
}

/** The generator's predictions into the cluster: CSV from the sqlite3 shell, COPY, `factor` shifted copies. */
function load(cluster: PostgresCluster, sqlite: string, factor: number, work: string): number {
  const csv = join(work, 'predictions.csv');
  // Text as stored (SQLAlchemy's UTC times); the confidence printed exactly (%!.17g).
  const select = COLUMNS.map((c) => (c === 'confidence' ? `printf('%!.17g', confidence)` : `"${c}"`)).join(', ');
  execFileSync('sh', ['-c', `sqlite3 -csv ${JSON.stringify(sqlite)} ${JSON.stringify(`SELECT ${select} FROM predictions ORDER BY id`)} > ${JSON.stringify(csv)}`]);
  chmodSync(csv, 0o644);
  cluster.createDatabase('bench');
  for (const statement of postgresSchemaStatements) cluster.psql('bench', statement);
  cluster.psql('bench', `CREATE UNLOGGED TABLE staging (${COLUMNS.map((c) => `"${c}" text`).join(', ')})`);
  const start = performance.now();
  cluster.psql('bench', `\\copy staging FROM '${csv}' WITH (FORMAT csv)`);
  const rows = Number(cluster.psql('bench', 'SELECT count(*) FROM staging'));
  const span = Number(cluster.psql('bench', `SELECT ceil(extract(epoch FROM max("timestamp"::timestamp) - min("timestamp"::timestamp)) / 86400) * 86400 FROM staging`));
  for (let k = 0; k < factor; k++) {
    const shift = `interval '${k * span} seconds'`;
    cluster.psql(
      'bench',
      `INSERT INTO predictions (${COLUMNS.map((c) => `"${c}"`).join(', ')})
       SELECT ("timestamp"::timestamp AT TIME ZONE 'UTC') - ${shift}, model_version, prediction_id || '${k === 0 ? '' : `#${k}`}', predicted_outcome::int,
         confidence::float8, nullif(actual_outcome, '')::int, (nullif(actual_outcome_timestamp, '')::timestamp AT TIME ZONE 'UTC') - ${shift}, features::json, nullif(extra_metadata, '')::json
       FROM staging`,
    );
  }
  cluster.psql('bench', 'DROP TABLE staging');
  cluster.psql('bench', 'VACUUM ANALYZE');
  process.stdout.write(`loaded ${(rows * factor).toLocaleString('en-US')} predictions with COPY in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return rows * factor;
}

interface Window {
  readonly window_start: number;
  readonly group: string | null;
  readonly count: number;
  readonly accuracy: number | null;
  readonly ece: number | null;
}

function sameWindows(a: readonly Window[], b: readonly Window[]): boolean {
  const close = (x: number | null, y: number | null) => (x === null || y === null ? x === y : Math.abs(x - y) <= 1e-12 * Math.max(1e-300, Math.abs(y)));
  return a.length === b.length && a.every((w, i) => {
    const v = b[i] as Window;
    return w.window_start === v.window_start && w.group === v.group && w.count === v.count && close(w.accuracy, v.accuracy) && close(w.ece, v.ece);
  });
}

async function main(): Promise<void> {
  const factor = factorOf(process.argv);
  const { sqlite } = await benchDataset();
  const work = mkdtempSync(join(tmpdir(), 'pitwall-bench-pg-'));
  chmodSync(work, 0o755);
  const cluster = await startPostgresCluster();
  try {
    const predictions = load(cluster, sqlite, factor, work);
    const url = cluster.url('bench');
    const store = await openStore(url);
    const psqlFile = join(work, 'aggregate.sql');
    let psqlRows = 0;
    try {
      // The statements Pitwall runs for this trend, for psql to run the same.
      const plan = { every: 3600, slide: 3600, from: -Infinity, to: Infinity, by: 'model_version' as const, bins: 10, scores: false };
      const statements = (await store.explainWindows?.(plan)) ?? [];
      writeFileSync(psqlFile, `${statements.join(';\n')};\n`);
      chmodSync(psqlFile, 0o644);
      const psql = [join(findPostgresBin(), 'psql'), '-X', '-q', '-At', '-h', cluster.host, '-p', String(cluster.port), '-U', cluster.user, '-d', 'bench', '-f', psqlFile];
      process.env.PGPASSWORD = cluster.password;
      psqlRows = execFileSync(psql[0] as string, psql.slice(1), { maxBuffer: 1 << 28 }).toString().trim().split('\n').length;

      // One untimed run of each: the table in the server's cache, the CLI's code in Node's.
      const first = await readWindowedMetrics(store, TREND);
      measure(psql);
      measure(['node', CLI, 'trend', url, ...TREND_ARGS]);
      const warm: number[] = [];
      const shell: number[] = [];
      const cold: { ms: number; mb: number }[] = [];
      for (let run = 0; run < RUNS; run++) {
        const start = performance.now();
        const again = await readWindowedMetrics(store, TREND);
        warm.push(performance.now() - start);
        if (again.path !== 'pushdown' || !sameWindows(again.rows as Window[], first.rows as Window[])) throw new Error('the trend changed between runs');
        shell.push(measure(psql).ms);
        cold.push(measure(['node', CLI, 'trend', url, ...TREND_ARGS]));
      }
      const cli = JSON.parse(execFileSync('node', [CLI, 'trend', url, ...TREND_ARGS], { maxBuffer: 1 << 28 }).toString()) as Window[];
      if (!sameWindows(cli, first.rows as Window[])) throw new Error('the CLI and the open source answer differently');
      const ratio = median(warm) / median(shell);
      const peak = Math.max(...cold.map((s) => s.mb));
      process.stdout.write(
        [
          `hourly accuracy + ECE per model version over ${predictions.toLocaleString('en-US')} predictions on PostgreSQL (${first.rows.length} windows; psql's aggregate returns ${psqlRows} rows):`,
          `  the trend on an open source ${median(warm).toFixed(0)} ms, psql running the same aggregate ${median(shell).toFixed(0)} ms → ratio ${ratio.toFixed(2)}× (target ≤ 1.2×)`,
          `  for the record: \`pitwall trend\` as a fresh process ${median(cold.map((s) => s.ms)).toFixed(0)} ms (${(median(cold.map((s) => s.ms)) / median(shell)).toFixed(2)}×), peak ${peak.toFixed(0)} MB; this process ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB resident`,
          '',
        ].join('\n'),
      );
      checkTarget(ratio <= 1.2, `PostgreSQL trend at ${predictions.toLocaleString('en-US')}: ${ratio.toFixed(2)}× psql (target ≤ 1.2)`);
      checkTarget(peak < 300, `PostgreSQL trend at ${predictions.toLocaleString('en-US')}: peak ${peak.toFixed(0)} MB (target < 300)`);
    } finally {
      await store.close();
    }
  } finally {
    cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
