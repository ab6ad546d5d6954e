/**
 * What an analysis covered, said with its answer: the range, the model version and the window it
 * used (a header line; a `scope` object in JSON objects), an unknown model version refused with
 * the known ones, and a range that misses the data told the data's span, never a silent table of
 * dashes.
 */
import { rangeMeetsData, type DataScope } from '../core/analytics/dataScope';
import { messages } from '../core/messages';
import { unknownNameError } from '../core/suggest';
import type { CommandEnvironment } from './context';
import { formatTime } from './output';

export interface RangeQuery {
  readonly modelVersion?: string;
  readonly from?: number;
  readonly to?: number;
}

/** An exit-2 input error for a model version the source does not know, naming those it does. */
export function checkModel(scope: DataScope, model: string | undefined): void {
  if (model !== undefined && !scope.versions.includes(model)) throw unknownNameError('model version', model, scope.versions, '`--model`');
}

/** `2026-10-01 00:00:00Z … 2026-10-08 00:00:00Z (exclusive)`: a range as asked, its open ends as the data's. */
export function rangeText(scope: DataScope, from: number | undefined, to: number | undefined): { from: string; to: string } {
  return {
    from: from !== undefined ? formatTime(from) : scope.first === null || (to !== undefined && to <= scope.first) ? 'the start' : `${formatTime(scope.first)} (first prediction)`,
    to: to !== undefined ? `${formatTime(to)} (exclusive)` : scope.last === null || (from !== undefined && from > scope.last) ? 'the end' : `${formatTime(scope.last)} (last prediction)`,
  };
}

/** Why the range holds no prediction, when it holds none: the data's span, or that there is no data. */
export function emptyRangeNote(scope: DataScope, query: RangeQuery): string | undefined {
  const model = query.modelVersion ?? null;
  if (scope.first === null || scope.last === null) return model === null ? messages.sourceWithoutPredictions() : messages.versionWithoutPredictions(model);
  if (rangeMeetsData(scope, query.from, query.to)) return undefined;
  const { from, to } = query;
  const range =
    from !== undefined && to !== undefined ? `in ${formatTime(from)} … ${formatTime(to)} (exclusive)` : from !== undefined ? `from ${formatTime(from)} on` : `before ${formatTime(to ?? scope.first)}`;
  return messages.rangeOutsideData(range, model, formatTime(scope.first), formatTime(scope.last));
}

/** The scope as a JSON object's `scope` field. */
export function scopeJson(scope: DataScope, query: RangeQuery, window: string | null) {
  return { from: query.from ?? null, to: query.to ?? null, model_version: query.modelVersion ?? null, window, data_first: microseconds(scope.first), data_last: microseconds(scope.last) };
}

/** A database keeps times to the microsecond: so does the echo, and a folder and its migrated database agree. */
function microseconds(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 1e6) / 1e6;
}

/**
 * Says what the analysis covered: for people a header line, and why the range is empty when it
 * is; with --json (whose document is on stdout) only the emptiness, on stderr.
 */
export function printScope(env: CommandEnvironment, json: boolean, scope: DataScope, query: RangeQuery, window: string | null): void {
  const note = emptyRangeNote(scope, query);
  if (json) {
    if (note !== undefined) env.out.error(`${note}\n`);
    return;
  }
  const range = rangeText(scope, query.from, query.to);
  env.out.write(`${messages.analysisScope(range.from, range.to, query.modelVersion ?? null, window)}\n`);
  if (note !== undefined) env.out.write(`${note}\n`);
}
