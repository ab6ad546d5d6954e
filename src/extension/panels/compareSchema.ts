import { z } from 'zod';
import { WINDOW_METRICS } from '../../core/analytics/windows';
import { COMPARE_RANGES, type CompareKeys, type CompareOptions, type CompareViewMessage } from '../../shared/compareMessages';
import { TREND_WINDOWS } from '../../shared/trendMessages';

export const CompareOptionsSchema: z.ZodType<CompareOptions> = z.object({
  versions: z.array(z.string().max(500)).max(200),
  range: z.enum(COMPARE_RANGES),
  window: z.enum(TREND_WINDOWS),
  metric: z.enum(WINDOW_METRICS),
});

export const CompareKeysSchema: z.ZodType<CompareKeys> = z.object({
  source: z.string().max(4096).nullable(),
  options: CompareOptionsSchema.nullable(),
});

export const CompareViewMessageSchema: z.ZodType<CompareViewMessage> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('options'), options: CompareOptionsSchema }),
  z.object({ type: z.literal('openSource') }),
  z.object({ type: z.literal('rendered'), points: z.number().int().nonnegative() }),
  z.object({ type: z.literal('failed'), message: z.string().max(2000) }),
]);
