/**
 * One real PostgreSQL server per test file: a throw-away cluster, the Python schema, and a
 * generated dataset loaded into a template database (`base`) from the same SQLite file the
 * comparisons read, so both stores hold the same records under the same keys. A test that writes
 * clones the template (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresCluster, type PostgresCluster } from '../../../../../scripts/postgresCluster';
import { generateDataset } from '../../../../../scripts/generator/generateDataset';
import { writePostgresFromSqlite } from '../../../../../scripts/generator/writePostgres';

export interface PostgresFixture {
  readonly cluster: PostgresCluster;
  /** The generated folder: monitoring/ (JSONL) and monitoring.db (SQLite). */
  readonly root: string;
  readonly sqlite: string;
  /** The URL of the loaded template database (read it only). */
  readonly base: string;
  /** A fresh copy of the loaded database, for a test that writes. */
  clone(name: string): string;
  close(): void;
}

export async function startPostgresFixture(predictions = 4000, seed = 9): Promise<PostgresFixture> {
  const root = mkdtempSync(join(tmpdir(), 'pitwall-pg-data-'));
  let cluster: PostgresCluster | undefined;
  try {
    await generateDataset({ outDir: root, predictions, seed });
    cluster = await startPostgresCluster();
    cluster.createDatabase('base');
    const sqlite = join(root, 'monitoring.db');
    await writePostgresFromSqlite(sqlite, cluster.url('base'));
    const started = cluster;
    return {
      cluster: started,
      root,
      sqlite,
      base: started.url('base'),
      clone: (name) => {
        started.psql('postgres', `CREATE DATABASE "${name}" TEMPLATE base`);
        return started.url(name);
      },
      close: () => {
        try {
          started.stop();
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    cluster?.stop();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
