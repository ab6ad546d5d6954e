import { z } from 'zod';
import { CALIBRATION_BINS, CALIBRATION_LAYOUTS, CALIBRATION_STRATEGIES, type CalibrationKeys, type CalibrationOptions, type CalibrationViewMessage } from '../../shared/calibrationMessages';
import { RANGE_PRESETS } from '../../shared/ranges';

/** The calibration panel's options as its webview sends them (and saves them across a reload). */
export const CalibrationOptionsSchema: z.ZodType<CalibrationOptions> = z.object({
  range: z.enum(RANGE_PRESETS),
  versions: z.array(z.string().max(500)).max(200),
  bins: z.literal([...CALIBRATION_BINS]),
  strategy: z.enum(CALIBRATION_STRATEGIES),
  layout: z.enum(CALIBRATION_LAYOUTS),
});

/** What the calibration panel keeps across a window reload. */
export const CalibrationKeysSchema: z.ZodType<CalibrationKeys> = z.object({
  source: z.string().max(4096).nullable(),
  model: z.string().max(500).nullable(),
  options: CalibrationOptionsSchema.nullable(),
});

export const CalibrationViewMessageSchema: z.ZodType<CalibrationViewMessage> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('options'), options: CalibrationOptionsSchema }),
  z.object({ type: z.literal('openSource') }),
  z.object({ type: z.literal('showTrend') }),
  z.object({ type: z.literal('rendered'), points: z.number().int().nonnegative() }),
  z.object({ type: z.literal('failed'), message: z.string().max(2000) }),
]);
