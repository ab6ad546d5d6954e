/** What every CLI command gets, and how it opens a source. */
import type { AlertIndexOptions } from '../core/store/jsonl/jsonlStore';
import { openStore } from '../core/store/openStore';
import type { Store } from '../core/store/store';
import { closeOnInterrupt } from './interrupt';
import type { Output } from './output';

export interface CommandEnvironment {
  readonly out: Output;
  readonly wasmPath?: string;
  readonly now: () => number;
  /** Where a JSONL folder's alert index is kept between runs; none: every run parses alerts.jsonl. */
  readonly alertIndex?: AlertIndexOptions;
}

export type Command = (argv: readonly string[], env: CommandEnvironment) => Promise<number>;

/**
 * Opens the source, runs `use`, and says on stderr when some of the source could not be read,
 * so that a short listing is never taken for the whole story (summary lists the problems).
 */
export async function withStore<T>(path: string, env: CommandEnvironment, use: (store: Store) => Promise<T>, quiet = false, writes = false): Promise<T> {
  // No command compares what changed between two refreshes (watch refreshes only to take in new data).
  const store = await openStore(path, {
    ...(env.wasmPath === undefined ? {} : { wasmPath: env.wasmPath }),
    ...(env.alertIndex === undefined ? {} : { alertIndex: env.alertIndex }),
    writeSoon: writes,
    followChanges: false,
  });
  const forget = closeOnInterrupt(store);
  try {
    // A command that writes reports the problems of what it read before writing: asked afterwards,
    // the store would read its own write back only to say the same.
    const before = writes && !quiet ? await store.describe() : undefined;
    const result = await use(store);
    if (!quiet) {
      const { warnings, diagnostics } = before ?? (await store.describe());
      const problems = warnings.length + diagnostics.length;
      if (problems > 0) {
        const first = [...warnings, ...diagnostics.map((d) => d.message)][0] ?? '';
        env.out.error(`warning: ${problems} problem${problems === 1 ? '' : 's'} reading ${path} (first: ${first}); \`pitwall summary\` lists them.\n`);
      }
    }
    return result;
  } finally {
    await store.close();
    forget();
  }
}

