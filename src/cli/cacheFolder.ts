/**
 * Pitwall's folders in the user's cache (the compile cache, the alert indexes), shared by the
 * launcher and the CLI: under XDG_CACHE_HOME when it is absolute (the XDG rules ignore a relative
 * one), else ~/.cache. None without a home, or when an empty HOME would make the path relative:
 * never a cache in the folder the command runs in.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function userCacheFolder(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  try {
    const folder = join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'pitwall', name);
    return isAbsolute(folder) ? folder : undefined;
  } catch {
    return undefined;
  }
}
