import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { PostgresStore } from '../../../src/core/store/postgres/postgresStore';
import { pitwall, type CliResult } from './runCli';
import { startPostgresFixture, type PostgresFixture } from '../core/store/postgres/support';

/** The output with the source's own name replaced, so two sources' outputs compare. */
function sourceFree(result: CliResult, source: string): CliResult {
  return { ...result, stdout: result.stdout.split(source).join('SOURCE'), stderr: result.stderr.split(source).join('SOURCE') };
}

const READS = ['readPredictions', 'readPredictionColumns'] as const;

/**
 * Runs `work` with PostgresStore's prediction reads failing loudly, counting the attempts; only the
 * two one-row reads of the data's span (its first and last prediction) go through.
 */
async function withoutPredictionReads<T>(work: () => Promise<T>): Promise<{ result: T; attempts: number }> {
  const prototype = PostgresStore.prototype as unknown as Record<string, unknown>;
  const saved = READS.map((name) => prototype[name]);
  let attempts = 0;
  READS.forEach((name, index) => {
    prototype[name] = function (this: unknown, query?: { limit?: number }) {
      if (name === 'readPredictions' && query?.limit === 1) return (saved[index] as (q: unknown) => unknown).call(this, query);
      attempts++;
      return Promise.reject(new Error(`${name} was called`));
    };
  });
  try {
    return { result: await work(), attempts };
  } finally {
    READS.forEach((name, index) => (prototype[name] = saved[index]));
  }
}

describe('pitwall drift on a PostgreSQL URL counts on the server: the output of the SQLite file and the JSONL folder, reading no prediction but the first and last', function () {
  this.timeout(240_000);
  let fixture: PostgresFixture;
  let url: string;

  before(async () => {
    fixture = await startPostgresFixture(3000, 41);
    url = fixture.clone('drift_cli');
  });
  after(() => fixture?.close());

  const address = () => url.replace(/\/\/postgres:[^@]*@/, '//postgres@');
  const baseline = ['--baseline', '2026-10-01T00:00:00Z..2026-10-08T00:00:00Z'];
  const current = ['--current', '2026-10-10T00:00:00Z..2026-10-15T00:00:00Z'];

  it('prints what SQLite and JSONL print, as a table and as JSON, while reading a prediction would fail', async () => {
    const commands = [
      [...baseline, ...current],
      [...baseline, ...current, '--model', 'v1.1', '--feature', 'track_temp,circuit'],
      [...baseline, '--current', '2027-01-01T00:00:00Z..2027-01-02T00:00:00Z'],
      [...baseline, ...current, '--json'],
      [...baseline, ...current, '--feature', 'track_temp', '--vega'],
    ];
    for (const args of commands) {
      const label = args.join(' ');
      const onSqlite = sourceFree(await pitwall('drift', fixture.sqlite, ...args), fixture.sqlite);
      const onJsonl = sourceFree(await pitwall('drift', join(fixture.root, 'monitoring'), ...args), join(fixture.root, 'monitoring'));
      const { result, attempts } = await withoutPredictionReads(() => pitwall('drift', url, ...args));
      assert.equal(attempts, 0, `${label}: no prediction read`);
      const onPostgres = sourceFree(result, address());
      assert.equal(onSqlite.status, 0, `${label}: ${onSqlite.stderr}`);
      assert.ok(onSqlite.stdout.length > 100, label);
      assert.deepEqual(onPostgres, onSqlite, label);
      assert.deepEqual(onPostgres.stdout, onJsonl.stdout, `${label} (JSONL)`);
    }
  });

  it('refuses a feature no prediction has with exit 2 and the message SQLite gives', async () => {
    const args = [...baseline, ...current, '--feature', 'track_tmp'];
    const onSqlite = sourceFree(await pitwall('drift', fixture.sqlite, ...args), fixture.sqlite);
    const { result, attempts } = await withoutPredictionReads(() => pitwall('drift', url, ...args));
    assert.equal(attempts, 0);
    const onPostgres = sourceFree(result, address());
    assert.equal(onPostgres.status, 2);
    assert.match(onPostgres.stderr, /track_tmp/);
    assert.deepEqual(onPostgres, onSqlite);
  });
});
