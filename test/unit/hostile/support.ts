import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { openStore } from '../../../src/core/store/openStore';
import type { StoreCounts, StoreDescription } from '../../../src/core/store/store';

export { NOW, pitwall, type CliResult } from '../cli/runCli';
export const REPO = resolve(__dirname, '../../..');

export interface Workspace {
  readonly root: string;
  /** The JSONL folder. */
  readonly jsonl: string;
  /** The SQLite file. */
  readonly db: string;
  file(name: string): string;
}

/** Generated monitoring data (2000 predictions, seed 3), made once and copied afresh for each attack. */
export class Playground {
  private readonly copies: string[] = [];

  private constructor(private readonly base: string) {}

  static async create(): Promise<Playground> {
    const base = mkdtempSync(join(tmpdir(), 'pitwall-hostile-base-'));
    await generateDataset({ outDir: base, predictions: 2000, seed: 3 });
    return new Playground(base);
  }

  fresh(): Workspace {
    const root = mkdtempSync(join(tmpdir(), 'pitwall-hostile-'));
    cpSync(this.base, root, { recursive: true });
    // mkdtemp makes 0700 folders: let a test's unprivileged child process in.
    chmodSync(root, 0o755);
    this.copies.push(root);
    const jsonl = join(root, 'monitoring');
    return { root, jsonl, db: join(root, 'monitoring.db'), file: (name) => join(jsonl, name) };
  }

  cleanup(): void {
    for (const dir of [...this.copies, this.base]) {
      // Undo permission attacks so that removal works for any user.
      spawnSync('chmod', ['-R', 'u+rwX', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Runs a python3 script (isolated mode) with arguments; fails the test on a non-zero exit. */
export function python(script: string, ...args: string[]): string {
  const result = spawnSync('python3', ['-I', '-c', script, ...args], { encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) throw new Error(`python3 failed (${result.status ?? result.signal}): ${result.stderr}`);
  return result.stdout;
}

/** What Python's json module makes of every line of a JSONL file: a record or why it is not one. */
export function pythonJsonLines(path: string): (Record<string, unknown> | string)[] {
  const out = python(
    `import json, sys
rows = []
with open(sys.argv[1], encoding='utf-8', newline='') as f:
    for line in f.read().split('\\n')[:-1]:
        try:
            rows.append(json.loads(line))
        except Exception as e:
            rows.append(type(e).__name__)
print(json.dumps(rows))`,
    path,
  );
  return JSON.parse(out) as (Record<string, unknown> | string)[];
}

/** Rows of a query run by Python's sqlite3 on the real file, plus `PRAGMA integrity_check`. */
export function pythonSql(db: string, sql: string): { rows: unknown[][]; integrity: string } {
  const out = python(
    `import json, sqlite3, sys
con = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
rows = [list(r) for r in con.execute(sys.argv[2]).fetchall()]
print(json.dumps({'rows': rows, 'integrity': con.execute('PRAGMA integrity_check').fetchone()[0]}))`,
    db,
    sql,
  );
  return JSON.parse(out) as { rows: unknown[][]; integrity: string };
}

export interface Look {
  readonly counts: StoreCounts;
  readonly description: StoreDescription;
  readonly messages: string[];
}

/** Opens a source, reads its counts and description, and closes it. */
export async function lookAt(path: string): Promise<Look> {
  const store = await openStore(path);
  try {
    const [counts, description] = await Promise.all([store.counts(), store.describe()]);
    return { counts, description, messages: [...description.warnings, ...description.diagnostics.map((d) => d.message)] };
  } finally {
    await store.close();
  }
}

/** The rejection of a promise (fails when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
