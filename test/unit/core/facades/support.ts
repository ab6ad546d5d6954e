import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { openStore } from '../../../../src/core/store/openStore';
import type { Store } from '../../../../src/core/store/store';

export type SourceKind = 'jsonl' | 'sqlite';
export const SOURCE_KINDS: readonly SourceKind[] = ['jsonl', 'sqlite'];

/** A fresh copy of generated monitoring data in both formats, removed by `cleanup`. */
export async function generatedSources(predictions = 3000, seed = 11) {
  const root = mkdtempSync(join(tmpdir(), 'pitwall-facade-'));
  await generateDataset({ outDir: root, predictions, seed });
  const paths: Record<SourceKind, string> = { jsonl: join(root, 'monitoring'), sqlite: join(root, 'monitoring.db') };
  const opened: Store[] = [];
  return {
    root,
    paths,
    async open(kind: SourceKind): Promise<Store> {
      const store = await openStore(paths[kind]);
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
