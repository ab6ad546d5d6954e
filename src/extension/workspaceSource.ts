/**
 * Where `pitwall.source.path` points inside a workspace folder. Plain Node (no `vscode`), so it
 * is tested like the kernel. The path must stay inside the folder once symlinks are resolved:
 * a workspace's settings must not open, and in a trusted workspace write to, a source elsewhere.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';

export type WorkspaceSource =
  /** A source to open: a JSONL folder, or a SQLite file at or inside the configured path. */
  | { readonly kind: 'found'; readonly path: string }
  /** The configured path leaves the workspace folder (`..`, an absolute path, a symlink): not opened. */
  | { readonly kind: 'outside'; readonly path: string };

function isInside(folder: string, path: string): boolean {
  const rest = relative(folder, path);
  return rest === '' || (!rest.startsWith('..') && !isAbsolute(rest));
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The source that `configured` names in `folder`, or null when there is none. */
export async function findWorkspaceSource(folder: string, configured: string): Promise<WorkspaceSource | null> {
  const root = await realpath(folder).catch(() => null);
  if (root === null) return null;
  const candidate = resolve(folder, configured);
  if (!isInside(resolve(folder), candidate)) return { kind: 'outside', path: candidate };
  const real = await realpath(candidate).catch(() => null);
  if (real === null) return null;
  if (!isInside(root, real)) return { kind: 'outside', path: candidate };
  const info = await stat(real).catch(() => null);
  if (info?.isFile()) return { kind: 'found', path: candidate };
  if (!info?.isDirectory()) return null;
  for (const name of ['predictions.jsonl', 'alerts.jsonl', 'alert_rules.json']) {
    if (await exists(join(candidate, name))) return { kind: 'found', path: candidate };
  }
  const database = join(candidate, 'monitoring.db');
  if (!(await exists(database))) return null;
  // The database inside may itself be a link out of the workspace.
  const realDatabase = await realpath(database).catch(() => null);
  if (realDatabase === null) return null;
  return isInside(root, realDatabase) ? { kind: 'found', path: database } : { kind: 'outside', path: database };
}
