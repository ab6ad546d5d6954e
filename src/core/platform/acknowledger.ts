/**
 * Who acknowledges an alert (`acknowledged_by`) from the editor: the `pitwall.user.name` setting,
 * else the operating-system user, else "vscode" where the system cannot say (a user without a
 * passwd entry in a container).
 */
import { userInfo } from 'node:os';

export function acknowledgerName(configured: string | undefined, osUserName: () => string = () => userInfo().username): string {
  const name = configured?.trim() ?? '';
  if (name !== '') return name;
  try {
    return osUserName() || 'vscode';
  } catch {
    return 'vscode';
  }
}
