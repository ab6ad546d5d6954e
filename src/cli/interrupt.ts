/**
 * Ctrl-C during a command that wrote to a JSONL folder: the store may still be carrying lines
 * that the monitoring service appended to a file Pitwall has just replaced (lineRewrite.ts).
 * Exiting at once would lose them with the replaced file, so the first SIGINT closes every open
 * store (closing waits for that carry) and then exits; a second one exits at once. A command
 * that handles SIGINT itself is left to do so.
 */
import type { Store } from '../core/store/store';

const open = new Set<Store>();

/** Has `store` closed before the process exits on SIGINT; the returned function forgets it again. */
export function closeOnInterrupt(store: Store): () => void {
  open.add(store);
  return () => open.delete(store);
}

/** The exit status of a process ended by SIGINT, as shells report it. */
export const INTERRUPTED = 130;

/** Installs the SIGINT handler described above. */
export function exitOnInterrupt(): void {
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(INTERRUPTED);
    interrupted = true;
    // A command that listens itself (watch, health --schedule) stops cleanly and closes its store.
    if (process.listenerCount('SIGINT') > 1) return;
    void Promise.allSettled([...open].map((store) => store.close())).then(() => process.exit(INTERRUPTED));
  });
}
