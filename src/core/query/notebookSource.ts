/**
 * Where a notebook's cells run: the `source` in its metadata, written relative to the notebook's
 * folder when the source is inside it (so a notebook and its data move together, and the file
 * diffs the same on every machine), absolute otherwise. A notebook without one runs on the source
 * open in the editor. A PostgreSQL source is its URL without the password, as it is.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isPostgresSource } from '../store/postgres/connection';

/** The absolute path a notebook's metadata names, or undefined when it names none. */
export function resolveNotebookSource(metadataSource: unknown, notebookFolder: string | undefined): string | undefined {
  if (typeof metadataSource !== 'string' || metadataSource.trim() === '') return undefined;
  // A database server is named by its URL (without its password), wherever the notebook is.
  if (isPostgresSource(metadataSource)) return metadataSource;
  if (isAbsolute(metadataSource)) return resolve(metadataSource);
  // An untitled notebook has no folder: a relative source is taken from the working folder given.
  return notebookFolder === undefined ? undefined : resolve(join(notebookFolder, metadataSource));
}

/** What a notebook's metadata stores for a chosen source: relative (with /) inside the notebook's folder, else absolute. */
export function notebookSourceValue(chosen: string, notebookFolder: string | undefined): string {
  if (isPostgresSource(chosen)) return chosen;
  const absolute = resolve(chosen);
  if (notebookFolder === undefined) return absolute;
  const inside = relative(resolve(notebookFolder), absolute);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return absolute;
  return inside.split(sep).join('/');
}
