import { z } from 'zod';
import { WINDOW_METRICS } from '../../core/analytics/windows';
import { TREND_RANGES, TREND_SLIDES, TREND_WINDOWS, type TrendKeys, type TrendOptions, type TrendViewMessage } from '../../shared/trendMessages';

/** The trend panel's options as its webview sends them (and saves them across a reload). */
export const TrendOptionsSchema: z.ZodType<TrendOptions> = z.object({
  window: z.enum(TREND_WINDOWS),
  slide: z.enum(TREND_SLIDES),
  range: z.enum(TREND_RANGES),
  from: z.iso.date().nullable(),
  to: z.iso.date().nullable(),
  versions: z.array(z.string().max(500)).max(200),
  metric: z.enum(WINDOW_METRICS),
});

/** What the trend panel keeps across a window reload. */
export const TrendKeysSchema: z.ZodType<TrendKeys> = z.object({
  source: z.string().max(4096).nullable(),
  model: z.string().max(500).nullable(),
  options: TrendOptionsSchema.nullable(),
});

export const TrendViewMessageSchema: z.ZodType<TrendViewMessage> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('options'), options: TrendOptionsSchema }),
  z.object({ type: z.literal('openSource') }),
  z.object({ type: z.literal('openNotebook') }),
  z.object({ type: z.literal('rendered'), points: z.number().int().nonnegative() }),
  z.object({ type: z.literal('failed'), message: z.string().max(2000) }),
]);
