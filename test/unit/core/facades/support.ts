import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { openStore } from '../../../../src/core/store/openStore';
import type { Store } from '../../../../src/core/store/store';
import { startPostgresFixture, type PostgresFixture } from '../store/postgres/support';

export type SourceKind = 'jsonl' | 'sqlite' | 'postgres';
export const SOURCE_KINDS: readonly SourceKind[] = ['jsonl', 'sqlite', 'postgres'];

/**
 * One throw-away PostgreSQL server for every façade test of the run, started when the first
 * asks: the same generated data in a template database, cloned fresh for each test.
 */
let server: Promise<PostgresFixture> | undefined;
let clones = 0;
function postgresServer(predictions: number, seed: number): Promise<PostgresFixture> {
  if (server === undefined) {
    server = startPostgresFixture(predictions, seed);
    void server.then((fixture) => process.once('exit', () => fixture.close()));
  }
  return server;
}

/** A fresh copy of generated monitoring data in both formats, removed by `cleanup`. */
export async function generatedSources(predictions = 3000, seed = 11) {
  const root = mkdtempSync(join(tmpdir(), 'pitwall-facade-'));
  await generateDataset({ outDir: root, predictions, seed });
  const paths: Record<Exclude<SourceKind, 'postgres'>, string> = { jsonl: join(root, 'monitoring'), sqlite: join(root, 'monitoring.db') };
  const opened: Store[] = [];
  let database: string | undefined;
  return {
    root,
    paths,
    /** A source of this kind; for PostgreSQL, this test's own copy of the same data (opened again, the same copy). */
    async open(kind: SourceKind): Promise<Store> {
      if (kind === 'postgres' && database === undefined) database = (await postgresServer(predictions, seed)).clone(`facade_${++clones}`);
      const store = await openStore(kind === 'postgres' ? (database as string) : paths[kind]);
      opened.push(store);
      return store;
    },
    async cleanup(): Promise<void> {
      await Promise.all(opened.map((store) => store.close().catch(() => undefined)));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export const NOW = Date.UTC(2026, 10, 1) / 1000;

export interface SourcesFixture {
  sources: Awaited<ReturnType<typeof generatedSources>>;
  /** The façades' clock, in seconds; tests move it. */
  clock: number;
}

/** Fresh generated sources and a clock reset to NOW for every test of the enclosing suite. */
export function freshSourcesPerTest(): SourcesFixture {
  const fixture = { clock: NOW } as SourcesFixture;
  beforeEach(async () => {
    fixture.sources = await generatedSources();
    fixture.clock = NOW;
  });
  afterEach(() => fixture.sources.cleanup());
  return fixture;
}
