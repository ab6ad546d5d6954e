import { z } from 'zod';
import { PANEL_STATE_VERSION } from '../../shared/panelMessages';

/**
 * The keys a panel's webview saved (`setState`) before a reload, checked against the panel's
 * schema. Null when there is no state, when it was saved by another version of the panel, or when
 * it does not read: the panel then opens with its defaults rather than with half a state.
 */
export function readSavedKeys<Keys>(state: unknown, keys: z.ZodType<Keys>): Keys | null {
  const parsed = z.object({ version: z.literal(PANEL_STATE_VERSION), keys }).safeParse(state);
  return parsed.success ? parsed.data.keys : null;
}
