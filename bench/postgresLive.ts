/**
 * A live tick on PostgreSQL (PostgresStore.refresh(), follow.ts) over a million predictions
 * spread over ten days, on a throw-away server, opened as the editor opens it: the tick when
 * nothing changed, the tick after another session inserted predictions, and (a figure) the tick
 * that reads the 24 h label window again after a label arrived. The baseline, measured in the
 * same run on the same session, is the cheapest statement there is: `SELECT max(id)`, one round
 * trip. The target: a tick under 10 ms.
 *
 *   npm run bench -- postgresLive          (PITWALL_BENCH_PG_ROWS to change the million)
 */
import { Client } from 'pg';
import { startPostgresCluster } from '../scripts/postgresCluster';
import { writePostgresFromSqlite } from '../scripts/generator/writePostgres';
import { PostgresStore } from '../src/core/store/postgres/postgresStore';
import { benchDataset, checkTarget, median, ms } from './data';

const ROWS = Number(process.env.PITWALL_BENCH_PG_ROWS ?? 1_000_000);
const TARGET_MS = 10;

async function main(): Promise<void> {
  const cluster = await startPostgresCluster();
  try {
    // The generator's small dataset gives the schema, rules and alerts; the predictions are made on the server after its newest, ROWS over ten days.
    const { sqlite } = await benchDataset(2000, 42);
    cluster.createDatabase('live');
    await writePostgresFromSqlite(sqlite, cluster.url('live'));
    const spanSeconds = 10 * 86_400;
    cluster.psql(
      'live',
      `INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, actual_outcome, actual_outcome_timestamp, features)
       SELECT (SELECT max(timestamp) FROM predictions) + make_interval(secs => g * ${spanSeconds / ROWS}), CASE WHEN g % 2 = 0 THEN 'v1.0' ELSE 'v1.1' END, 'bench-' || g,
         g % 2, (g % 1000) / 1000.0, CASE WHEN g % 3 = 0 THEN NULL ELSE (g / 7) % 2 END, CASE WHEN g % 3 = 0 THEN NULL ELSE now() END, '{}'
       FROM generate_series(1, ${ROWS}) g`,
    );
    cluster.psql('live', 'VACUUM ANALYZE predictions');
    // As the editor opens it: the label window read when the server counted updated rows, and once a minute.
    const store = await PostgresStore.open(cluster.url('live'), { labelRescanSeconds: 60 });
    const writer = new Client({ connectionString: cluster.url('live') });
    const baseline = new Client({ connectionString: cluster.url('live') });
    await writer.connect();
    await baseline.connect();
    try {
      const seedStart = process.hrtime.bigint();
      await store.refresh();
      const seed = ms(seedStart);
      const horizon = cluster.psql('live', "SELECT count(*) FROM predictions WHERE timestamp >= (SELECT max(timestamp) FROM predictions) - interval '24 hours'");

      const idle: number[] = [];
      const inserts: number[] = [];
      const round: number[] = [];
      let seen = 0;
      for (let i = 0; i < 60; i++) {
        let start = process.hrtime.bigint();
        await baseline.query('SELECT max(id) FROM predictions');
        round.push(ms(start));
        start = process.hrtime.bigint();
        if ((await store.refresh()).changes.length !== 0) throw new Error('an idle tick saw a change');
        idle.push(ms(start));
        await writer.query(
          `INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features)
           SELECT (SELECT max(timestamp) FROM predictions) + interval '1 second', 'v1.1', 'live-${i}-' || g, 1, 0.7, '{}' FROM generate_series(1, 10) g`,
        );
        start = process.hrtime.bigint();
        const changes = (await store.refresh()).changes;
        inserts.push(ms(start));
        seen += changes.find((change) => change.collection === 'predictions')?.added ?? 0;
      }
      if (seen !== 600) throw new Error(`the ticks saw ${seen} new predictions of 600`);
      // A label arrives: the tick that sees the server's update counter move reads the whole label window.
      const labels: number[] = [];
      for (let i = 0; i < 5; i++) {
        await writer.query(`UPDATE predictions SET actual_outcome = 1, actual_outcome_timestamp = now() WHERE prediction_id = 'live-${i}-1'`);
        const deadline = Date.now() + 10_000;
        for (;;) {
          const start = process.hrtime.bigint();
          const changes = (await store.refresh()).changes;
          const took = ms(start);
          if (changes.some((change) => change.collection === 'outcomes')) {
            labels.push(took);
            break;
          }
          if (Date.now() > deadline) throw new Error('the label was not seen in 10 s');
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await store.refresh();
      }
      const fullStart = process.hrtime.bigint();
      await store.refresh({ full: true });
      const full = ms(fullStart);
      const base = median(round);
      process.stdout.write(`  ${ROWS.toLocaleString('en-US')} predictions over 10 days, ${Number(horizon).toLocaleString('en-US')} in the 24 h label horizon\n`);
      process.stdout.write(`  baseline SELECT max(id), one round trip: ${base.toFixed(2)} ms\n`);
      process.stdout.write(`  first refresh (counts everything, seeds the marks): ${seed.toFixed(0)} ms; full reconcile: ${full.toFixed(0)} ms\n`);
      process.stdout.write(`  tick that reads the label window after an UPDATE: ${median(labels).toFixed(1)} ms (${(median(labels) / base).toFixed(1)}× the baseline)\n`);
      checkTarget(median(idle) < TARGET_MS, `idle tick ${median(idle).toFixed(2)} ms (${(median(idle) / base).toFixed(1)}× the baseline; target < ${TARGET_MS} ms)`);
      checkTarget(median(inserts) < TARGET_MS, `tick after 10 inserts ${median(inserts).toFixed(2)} ms (${(median(inserts) / base).toFixed(1)}× the baseline; target < ${TARGET_MS} ms)`);
    } finally {
      await writer.end();
      await baseline.end();
      await store.close();
    }
  } finally {
    cluster.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
