import { z } from 'zod';
import type { AlertDetailsKeys } from '../../shared/alertDetailsMessages';

/** What the alert details panel keeps across a window reload: the source's path, the alert's key and id, and whether it was the preview. */
export const AlertDetailsKeysSchema: z.ZodType<AlertDetailsKeys> = z.object({
  source: z.string().max(4096).nullable(),
  alert: z.string().min(1).max(1000),
  alertId: z.string().max(1000),
  preview: z.boolean(),
});
