import { z } from 'zod';
import { DRIFT_BASELINES, DRIFT_CURRENT_RANGES, type DriftKeys, type DriftPanelOptions, type DriftViewMessage } from '../../shared/driftMessages';

/** The drift panel's options as its webview sends them (and saves them across a reload), the selected feature included. */
export const DriftOptionsSchema: z.ZodType<DriftPanelOptions> = z.object({
  version: z.string().max(500).nullable(),
  baseline: z.enum(DRIFT_BASELINES),
  current: z.enum(DRIFT_CURRENT_RANGES),
  feature: z.string().max(1000).nullable(),
});

/** What the drift panel keeps across a window reload. */
export const DriftKeysSchema: z.ZodType<DriftKeys> = z.object({
  source: z.string().max(4096).nullable(),
  model: z.string().max(500).nullable(),
  options: DriftOptionsSchema.nullable(),
});

export const DriftViewMessageSchema: z.ZodType<DriftViewMessage> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('options'), options: DriftOptionsSchema }),
  z.object({ type: z.literal('openSource') }),
  z.object({ type: z.literal('rendered'), bars: z.number().int().nonnegative() }),
  z.object({ type: z.literal('failed'), message: z.string().max(2000) }),
]);
