/**
 * A rule replayed over a source's history (`pitwall backtest`, the Rules view's Backtest): the
 * predictions the rule reads, once, then the engine stepped through the range as it would have
 * run, `for` and cooldown applied. Writes nothing.
 */
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { AlertRule } from '../model/alertRule';
import type { Store } from '../store/store';
import { backtest, type BacktestReport } from './engine';
import { indexFor } from './run';

export interface RuleBacktestOptions {
  /** Start of the replay; default the first prediction. */
  readonly from?: number;
  /** End of the replay; default the last prediction. */
  readonly to?: number;
  /** Seconds between evaluations; default backtestStep of the range. */
  readonly every?: number;
}

export interface RuleBacktest extends BacktestReport {
  readonly from: number;
  readonly to: number;
  readonly every: number;
}

const STEPS = [300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86_400];

/** A step that replays the range in at most about 1,000 evaluations, from 5 minutes to a day. */
export function backtestStep(from: number, to: number): number {
  const span = Math.max(0, to - from);
  return STEPS.find((step) => span / step <= 1000) ?? 86_400;
}

export async function backtestRule(store: Store, rule: AlertRule, options: RuleBacktestOptions = {}): Promise<RuleBacktest> {
  const index = await indexFor(store, [rule]);
  const times = index.columns.timestamp;
  if (times.length === 0 && (options.from === undefined || options.to === undefined)) throw new PitwallError('input', messages.backtestNoPredictions());
  const from = options.from ?? (times[0] as number);
  const to = options.to ?? (times[times.length - 1] as number);
  if (!(to > from)) throw new PitwallError('input', messages.backtestRangeEmpty());
  const every = options.every ?? backtestStep(from, to);
  return { ...backtest(index, rule, { from, to, every }), from, to, every };
}
