import { readFile, stat } from 'node:fs/promises';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { isMissing } from './fileFollower';

/** What a whole-file read found: no file, the same file as last time, or new bytes. */
export type WholeFileRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'changed'; readonly identity: string; readonly bytes: Buffer };

/**
 * Reads a file that is rewritten whole (alert_rules.json and Pitwall's own JSON files) when its
 * identity (device, inode, size, mtime) differs from `seen`. A pipe or device in its place is
 * refused rather than read, since reading one would block forever.
 */
export async function readWholeFileIfChanged(path: string, seen: string | null): Promise<WholeFileRead> {
  let identity: string;
  let isFile: boolean;
  try {
    const s = await stat(path, { bigint: true });
    identity = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
    isFile = s.isFile();
  } catch (error) {
    if (!isMissing(error)) throw error;
    return { kind: 'missing' };
  }
  if (identity === seen) return { kind: 'unchanged' };
  if (!isFile) throw new PitwallError('format', messages.notRegularFile(path));
  return { kind: 'changed', identity, bytes: await readFile(path) };
}
