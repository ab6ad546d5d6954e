/**
 * Time windows over prediction columns. Windows are half-open [start, end) in float unix
 * seconds and aligned to the epoch, so they fall on UTC hour and day boundaries and two runs
 * over overlapping data agree on where every window starts. Tumbling windows (no slide) put
 * each row in exactly one window; sliding windows of length `every` start at every multiple
 * of `slide`, and a row belongs to each window that contains it.
 */
import * as aq from 'arquero';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { durationSeconds, type Duration } from './duration';
import type { StoreReader, WindowColumns } from '../store/store';
import { combinePanes, compareTriples, CompensatedSum, emptyBin, panePlanOf, segmentColumns, segmentOf, sortWindowStats, type BinStats, type ScoreCounts, type WindowGrouping, type WindowPlan, type WindowStats } from '../store/windowStats';
import { accuracyOf, f1Of, precisionOf, recallOf, type ClassificationColumns, type Confusion } from './classification';
import { averagePrecision, logLoss, positiveProbability, reliabilityOf, rocAuc, specificityOf, type Reliability } from './metrics';

export interface WindowSpec {
  readonly every: Duration;
  /** Step between window starts; tumbling (equal to `every`) when left out. */
  readonly slide?: Duration;
  /** Only rows with from ≤ timestamp < to take part; either bound may be left out. */
  readonly from?: number;
  readonly to?: number;
}

/** How many windows one row may fall in; beyond it a sliding spec is almost surely a mistake. */
export const MAX_WINDOWS_PER_ROW = 1000;

/** Row-to-window pairs: pair k puts row `row[k]` in the window starting at `start[k]`. */
export interface WindowAssignment {
  readonly every: number;
  readonly slide: number;
  readonly length: number;
  readonly row: Uint32Array;
  readonly start: Float64Array;
}

interface ResolvedSpec {
  readonly every: number;
  readonly slide: number;
  readonly from: number;
  readonly to: number;
}

export function resolveSpec(spec: WindowSpec): ResolvedSpec {
  const every = durationSeconds(spec.every);
  const slide = spec.slide === undefined ? every : durationSeconds(spec.slide);
  if (slide > every) throw new PitwallError('input', messages.windowSlideTooLong(slide, every));
  if (every / slide > MAX_WINDOWS_PER_ROW) throw new PitwallError('input', messages.windowTooManyOverlaps(every, slide, MAX_WINDOWS_PER_ROW));
  const from = spec.from ?? -Infinity;
  const to = spec.to ?? Infinity;
  if (Number.isNaN(from) || Number.isNaN(to) || to <= from) throw new PitwallError('input', messages.windowRangeInvalid(from, to));
  return { every, slide, from, to };
}

/** The largest k with k · step ≤ t; division alone can round across a boundary. */
function stepIndex(t: number, step: number): number {
  let k = Math.floor(t / step);
  if (k * step > t) k--;
  else if ((k + 1) * step <= t) k++;
  return k;
}

/** Puts each timestamp in range into its windows, rows in order and, within a row, windows oldest first. */
export function assignWindows(timestamps: ArrayLike<number>, spec: WindowSpec): WindowAssignment {
  const { every, slide, from, to } = resolveSpec(spec);
  const rows: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i] as number;
    if (!(t >= from && t < to)) continue;
    const last = stepIndex(t, slide);
    // The first window still open at t, the smallest k with k · slide + every > t. t − every
    // can round onto a boundary, so the estimate is corrected with exact integer-bound tests.
    let first = stepIndex(t - every, slide) + 1;
    while ((first - 1) * slide + every > t) first--;
    while (first * slide + every <= t) first++;
    for (let k = first; k <= last; k++) {
      rows.push(i);
      starts.push(k * slide);
    }
  }
  return { every, slide, length: rows.length, row: Uint32Array.from(rows), start: Float64Array.from(starts) };
}

export const WINDOW_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'specificity',
  'ece',
  'mce',
  'ece_mass',
  'mce_mass',
  'roc_auc',
  'average_precision',
  'log_loss',
  'brier',
  'avg_confidence',
  'min_confidence',
  'max_confidence',
  'confidence_std',
] as const;
export type WindowMetric = (typeof WINDOW_METRICS)[number];

/** Metrics that do not need ground truth, so they are reported even for an insufficient window. */
const LABEL_FREE: ReadonlySet<WindowMetric> = new Set<WindowMetric>(['avg_confidence', 'min_confidence', 'max_confidence', 'confidence_std']);
/** Metrics computed from the labelled rows' scores rather than from counts and sums. */
const SCORE_METRICS: ReadonlySet<WindowMetric> = new Set<WindowMetric>(['roc_auc', 'average_precision', 'log_loss', 'ece_mass', 'mce_mass']);

export type { WindowGrouping };

export interface WindowedMetricsOptions extends WindowSpec {
  readonly by?: WindowGrouping;
  /** Only this model version's predictions. */
  readonly modelVersion?: string;
  /** Below this many labelled rows a window is `insufficient` and its label metrics are null; default 30. */
  readonly minLabels?: number;
  /** Metrics to compute, all of WINDOW_METRICS when left out. */
  readonly metrics?: readonly string[];
  /** Equal-width bins of ECE and MCE; default 10. */
  readonly bins?: number;
  /**
   * Also list the windows without predictions, with count 0 (zero traffic is a signal): every
   * window that overlaps from…to, or between the first and the last window with rows when the
   * range is open, for each group seen (ungrouped: the null group).
   */
  readonly fillEmpty?: boolean;
}

export const DEFAULT_MIN_LABELS = 30;
/** The metrics a trend shows when none are named (`pitwall trend`, a PQL window without `metrics`). */
export const DEFAULT_TREND_METRICS: readonly string[] = ['accuracy', 'f1', 'ece', 'avg_confidence'];
/** Most rows fillEmpty may produce: beyond it the window is almost surely too short for the range. */
export const MAX_FILLED_ROWS = 100_000;
export const DEFAULT_BINS = 10;

export interface WindowRow {
  readonly window_start: number;
  readonly window_end: number;
  /** The model version or feature value; null when not grouped, or when the feature is missing. */
  readonly group: string | null;
  readonly count: number;
  readonly labelled: number;
  readonly label_coverage: number;
  readonly insufficient: boolean;
  /** The window reaches outside from…to, so it holds only the rows of its covered span. */
  readonly partial: boolean;
  /** The part of a partial window inside from…to; absent when the window is whole. */
  readonly covered_start?: number;
  readonly covered_end?: number;
}

/** One (window, group) with rows in it; only the metrics asked for are present. */
export type WindowMetricsRow = WindowRow & { readonly [M in WindowMetric]?: number | null };

function selectedMetrics(names: readonly string[] | undefined): readonly WindowMetric[] {
  if (names === undefined) return WINDOW_METRICS;
  const known: ReadonlySet<string> = new Set(WINDOW_METRICS);
  for (const name of names) if (!known.has(name)) throw new PitwallError('input', messages.windowMetricUnknown(name, WINDOW_METRICS));
  return WINDOW_METRICS.filter((metric) => names.includes(metric));
}

function checkGrouping(by: string | undefined): WindowGrouping | undefined {
  if (by === undefined || by === 'model_version' || /^(feature|metadata):./s.test(by)) return by as WindowGrouping | undefined;
  throw new PitwallError('input', messages.windowGroupUnknown(by));
}

/** The plan that both paths (in memory, or pushed down to a database) carry out. */
export function planWindows(options: WindowedMetricsOptions): WindowPlan {
  const { every, slide, from, to } = resolveSpec(options);
  const bins = options.bins ?? DEFAULT_BINS;
  if (!Number.isSafeInteger(bins) || bins < 1 || bins > 1000) throw new PitwallError('input', messages.binsInvalid(bins));
  const wanted = selectedMetrics(options.metrics);
  return {
    every,
    slide,
    from,
    to,
    ...(options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion }),
    ...(options.by === undefined ? {} : { by: checkGrouping(options.by) }),
    bins,
    scores: wanted.some((metric) => SCORE_METRICS.has(metric)),
    needs: {
      square: wanted.includes('confidence_std'),
      brier: wanted.includes('brier'),
      range: wanted.includes('min_confidence') || wanted.includes('max_confidence'),
    },
  };
}

function groupKeys(columns: WindowColumns, by: WindowGrouping | undefined): readonly (string | null)[] | null {
  if (by === undefined) return null;
  if (by === 'model_version') return columns.model_version;
  const segment = segmentOf(by) as { kind: 'feature' | 'metadata'; name: string };
  const name = segment.name;
  const values = segment.kind === 'feature' ? columns.features.get(name) : columns.metadata?.get(name);
  if (values === undefined) throw new PitwallError('input', messages.windowFeatureMissing(name));
  return values.map((value) => (value === null ? null : String(value)));
}

/** The labelled rows' (score, label) pairs in a canonical order: by score, then label. */
function canonicalScores(rows: readonly number[], columns: WindowColumns): ScoreCounts {
  const { predicted_outcome: p, confidence: c, actual_outcome: a } = columns;
  const order = [...rows].sort((x, y) => compareTriples(p[x] as number, c[x] as number, a[x] as number, p[y] as number, c[y] as number, a[y] as number));
  return {
    predicted: Uint8Array.from(order, (i) => p[i] as number),
    confidence: Float64Array.from(order, (i) => c[i] as number),
    actual: Uint8Array.from(order, (i) => a[i] as number),
    weight: new Uint32Array(order.length).fill(1),
  };
}

/** Dictionary codes of a text column: code c ≥ 0 is names[c], −1 is null. Cached per column. */
interface Codes {
  readonly codes: Int32Array;
  readonly names: readonly string[];
}
const codeCache = new WeakMap<object, Map<string, Codes>>();

function encode(values: readonly (string | null)[]): Codes {
  const dictionary = new Map<string, number>();
  const names: string[] = [];
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = dictionary.get(value);
    if (code === undefined) {
      code = names.length;
      dictionary.set(value, code);
      names.push(value);
    }
    codes[i] = code;
  }
  return { codes, names };
}

function codesOf(columns: WindowColumns, key: WindowGrouping): Codes {
  let cached = codeCache.get(columns);
  if (cached === undefined) codeCache.set(columns, (cached = new Map()));
  let codes = cached.get(key);
  if (codes === undefined && key === 'model_version' && columns.model_version_codes !== undefined) {
    codes = columns.model_version_codes;
    cached.set(key, codes);
  }
  if (codes === undefined) {
    const values = key === 'model_version' ? columns.model_version : groupKeys(columns, key);
    codes = encode(values ?? []);
    cached.set(key, codes);
  }
  return codes;
}

/**
 * Layout of one cell's statistics, as the `pitwall_cell` aggregate keeps them. A row's outcome
 * code is 0 when it has no label, else 1 + 2 · predicted + actual, so the first five slots count
 * the unlabelled rows, then true negatives, false negatives, false positives and true positives.
 */
const CELL_TN = 1;
const CELL_FN = 2;
const CELL_FP = 3;
const CELL_TP = 4;
const CELL_CONFIDENCE = 5;
const CELL_SQUARE = 7;
const CELL_BRIER = 9;
const CELL_MIN = 11;
const CELL_MAX = 12;
const CELL_SIZE = 13;
/** Bits of the aggregate's parameter: which optional sums to keep. */
const NEED_SQUARE = 1;
const NEED_BRIER = 2;
const NEED_RANGE = 4;

/**
 * The aggregate's state: Arquero hands every operator of a group one state object. A group's
 * numbers live at `base` in one Float64Array shared by the rollup's groups (a typed array per
 * group would cost an allocation each, and windows over short panes have tens of thousands).
 */
interface CellState {
  base?: number;
}

/**
 * The columns the rollup under way reads its rows from. An aggregate's parameters are literals in
 * its expression, so the columns are handed over here, just before the (synchronous) rollup.
 */
let rollupColumns: { confidences: ArrayLike<number>; outcomes: Uint8Array } | undefined;

function initialCell(): Float64Array {
  const cell = new Float64Array(CELL_SIZE);
  cell[CELL_MIN] = Infinity;
  cell[CELL_MAX] = -Infinity;
  return cell;
}

/** Add x to the compensated sum whose running value is at cells[at] and error at cells[at + 1]. */
function addCompensated(cells: Float64Array, at: number, x: number): void {
  const sum = cells[at] as number;
  const next = sum + x;
  cells[at + 1]! += Math.abs(sum) >= Math.abs(x) ? sum - next + x : x - next + sum;
  cells[at] = next;
}

/**
 * An Arquero aggregate over (confidence, outcome code) holding a whole cell's statistics, its
 * sums compensated exactly as CompensatedSum (and SQLite's SUM) compensates them. One aggregate
 * rather than a dozen keeps the rollup to a single visit per row. Arquero creates the operator
 * once per rollup and initializes every group before adding any row, so the shared array only
 * grows before the first add.
 */
aq.addAggregateFunction(
  'pitwall_cell',
  {
    create: (needs: number) => {
      // Outside tumblingStatsOf's rollup there are no columns to read: a loud failure, not NaN.
      if (rollupColumns === undefined) throw new Error('op.pitwall_cell is only for the rollup of tumblingStatsOf');
      const { confidences, outcomes } = rollupColumns;
      let cells = new Float64Array(CELL_SIZE * 1024);
      let used = 0;
      return {
        init: (state: CellState) => {
          if (used + CELL_SIZE > cells.length) {
            const grown = new Float64Array(cells.length * 2);
            grown.set(cells);
            cells = grown;
          }
          cells[used + CELL_MIN] = Infinity;
          cells[used + CELL_MAX] = -Infinity;
          state.base = used;
          used += CELL_SIZE;
        },
        // The one field is the row: the row's confidence and outcome are read from the columns
        // themselves, sparing Arquero a second field read per row.
        add: (state: CellState, row: number) => {
          const base = state.base as number;
          const confidence = confidences[row] as number;
          const outcome = outcomes[row] as number;
          cells[base + outcome]! += 1;
          addCompensated(cells, base + CELL_CONFIDENCE, confidence);
          if (needs & NEED_SQUARE) addCompensated(cells, base + CELL_SQUARE, confidence * confidence);
          if (needs & NEED_BRIER && outcome > 0) {
            const code = outcome - 1;
            const actual = code & 1;
            const d = actual - positiveProbability(code >> 1, confidence);
            addCompensated(cells, base + CELL_BRIER, d * d);
          }
          if (needs & NEED_RANGE) {
            if (confidence < (cells[base + CELL_MIN] as number)) cells[base + CELL_MIN] = confidence;
            if (confidence > (cells[base + CELL_MAX] as number)) cells[base + CELL_MAX] = confidence;
          }
        },
        // Windows are aggregated whole, never streamed: nothing is ever removed.
        rem: () => undefined,
        value: (state: CellState) => binStatsOf(cells, state.base as number),
      };
    },
    param: [1, 1],
  },
  { override: true },
);

/** The BinStats of the cell whose numbers start at `base`. */
function binStatsOf(cells: Float64Array, base = 0): BinStats {
  return {
    count: (cells[base] as number) + (cells[base + CELL_TN] as number) + (cells[base + CELL_FN] as number) + (cells[base + CELL_FP] as number) + (cells[base + CELL_TP] as number),
    truePositives: cells[base + CELL_TP] as number,
    falsePositives: cells[base + CELL_FP] as number,
    trueNegatives: cells[base + CELL_TN] as number,
    falseNegatives: cells[base + CELL_FN] as number,
    confidenceSum: (cells[base + CELL_CONFIDENCE] as number) + (cells[base + CELL_CONFIDENCE + 1] as number),
    confidenceSquareSum: (cells[base + CELL_SQUARE] as number) + (cells[base + CELL_SQUARE + 1] as number),
    confidenceMin: cells[base + CELL_MIN] as number,
    confidenceMax: cells[base + CELL_MAX] as number,
    brierSum: (cells[base + CELL_BRIER] as number) + (cells[base + CELL_BRIER + 1] as number),
  };
}

const outcomeCache = new WeakMap<object, Uint8Array>();

/** Each row's outcome code (see CELL_TN), the same whatever the plan: computed once per columns. */
function outcomesOf(columns: WindowColumns): Uint8Array {
  let codes = outcomeCache.get(columns);
  if (codes === undefined) {
    const { predicted_outcome: predicted, actual_outcome: actual } = columns;
    codes = new Uint8Array(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const a = actual[i];
      if (a === 0 || a === 1) codes[i] = 1 + 2 * (predicted[i] as number) + a;
    }
    outcomeCache.set(columns, codes);
  }
  return codes;
}

/** The earliest and latest timestamp in [from, to), or [Infinity, -Infinity] when none is. */
function timeSpan(timestamp: ArrayLike<number>, length: number, from: number, to: number): [number, number] {
  let lowest = Infinity;
  let highest = -Infinity;
  for (let i = 0; i < length; i++) {
    const t = timestamp[i] as number;
    if (!(t >= from && t < to)) continue;
    if (t < lowest) lowest = t;
    if (t > highest) highest = t;
  }
  return [lowest, highest];
}

/**
 * Where a pass put the rows. Cells are (window, group, bin) triples met, numbered in order of
 * first appearance (as Arquero numbers groups): `cellOfRow` names each row's cell,
 * `representative` each cell's first row; `cellWindow`, `cellGroup` and `cellBin` say what a
 * cell is (window −1 for the one cell of every row out of range or of another model version).
 * Slots are the (window, group) pairs, in order of first appearance, and `cellSlot` maps a
 * cell to its slot; `slotRows` holds each slot's labelled rows when the plan wants scores.
 */
interface CellAssignment {
  readonly cellOfRow: Uint32Array;
  readonly representative: number[];
  readonly cellSlot: number[];
  readonly cellBin: number[];
  readonly slotWindow: number[];
  readonly slotGroup: number[];
  readonly slotRows: number[][];
}

/**
 * One pass over the rows in row order, placing each in its cell. Windows are placed exactly as
 * assignWindows places them; the plan is tumbling (a pane plan), so each row lies in one window.
 * A dense index finds the cells when the windows in range are few enough, a map otherwise.
 */
function assignCells(
  columns: WindowColumns,
  plan: WindowPlan,
  groupCodes: Int32Array | null,
  groupCount: number,
  modelCodes: Int32Array | null,
  modelCode: number,
): CellAssignment {
  const { every, slide, from, to } = plan;
  const { timestamp, confidence: confidenceColumn, actual_outcome: actualColumn } = columns;
  const rows = columns.length;
  const bins = plan.bins;
  const binCount = bins + 1;
  const scores = plan.scores;
  const [lowest, highest] = timeSpan(timestamp, rows, from, to);
  const firstWindow = Number.isFinite(lowest) ? stepIndex(lowest - every, slide) : 0;
  const windowSpan = Number.isFinite(lowest) ? stepIndex(highest, slide) - firstWindow + 1 : 0;
  const span = windowSpan * groupCount;
  const denseCells = span * binCount <= 1 << 22 ? new Int32Array(span * binCount).fill(-1) : null;
  const denseSlots = denseCells === null ? null : new Int32Array(span).fill(-1);
  const cellMap = new Map<number, number>();
  const slotMap = new Map<number, number>();
  const cellOfRow = new Uint32Array(rows);
  const representative: number[] = [];
  const cellSlot: number[] = [];
  const cellBin: number[] = [];
  const slotWindow: number[] = [];
  const slotGroup: number[] = [];
  const slotRows: number[][] = [];
  let excluded = -1;
  let lastWindow = 0;
  let lastLow = Infinity;
  let lastHigh = -Infinity;
  for (let i = 0; i < rows; i++) {
    const t = timestamp[i] as number;
    if (!(t >= from && t < to) || (modelCodes !== null && modelCodes[i] !== modelCode)) {
      if (excluded < 0) {
        excluded = representative.length;
        representative.push(i);
        cellSlot.push(-1);
        cellBin.push(-1);
      }
      cellOfRow[i] = excluded;
      continue;
    }
    const g = groupCodes === null ? 0 : (groupCodes[i] as number) + 1;
    const actual = actualColumn[i] as number;
    const labelled = actual === 0 || actual === 1;
    const b = labelled ? Math.min(bins - 1, Math.floor((confidenceColumn[i] as number) * bins)) + 1 : 0;
    // Rows come mostly in time order: the window of the previous row usually holds this one too.
    if (!(t >= lastLow && t < lastHigh)) {
      lastWindow = stepIndex(t, slide);
      lastLow = lastWindow * slide;
      lastHigh = lastLow + slide;
    }
    const key = (lastWindow - firstWindow) * groupCount + g;
    const cellKey = key * binCount + b;
    let cell = denseCells === null ? (cellMap.get(cellKey) ?? -1) : (denseCells[cellKey] as number);
    if (cell < 0) {
      let slot = denseSlots === null ? (slotMap.get(key) ?? -1) : (denseSlots[key] as number);
      if (slot < 0) {
        slot = slotWindow.length;
        if (denseSlots === null) slotMap.set(key, slot);
        else denseSlots[key] = slot;
        slotWindow.push(lastWindow);
        slotGroup.push(g);
        if (scores) slotRows.push([]);
      }
      cell = representative.length;
      if (denseCells === null) cellMap.set(cellKey, cell);
      else denseCells[cellKey] = cell;
      representative.push(i);
      cellSlot.push(slot);
      cellBin.push(b);
    }
    cellOfRow[i] = cell;
    if (scores && labelled) (slotRows[cellSlot[cell] as number] as number[]).push(i);
  }
  return { cellOfRow, representative, cellSlot, cellBin, slotWindow, slotGroup, slotRows };
}

/**
 * The statistics of each (window, group) over loaded columns, oldest window first and groups
 * in order within a window; windows and groups without rows are left out. A pass places each
 * row in its (window, group, bin) cell; Arquero then groups the loaded records by cell and rolls
 * each group up with `pitwall_cell`. The cell column hands Arquero the grouping the pass
 * already found (cells numbered in order of first appearance, as Arquero numbers groups), so
 * grouping costs nothing more; without that hint Arquero would find the same groups from the
 * column's values.
 */
function tumblingStatsOf(columns: WindowColumns, plan: WindowPlan): WindowStats[] {
  const grouping = plan.by === undefined ? null : codesOf(columns, plan.by);
  const models = plan.modelVersion === undefined ? null : codesOf(columns, 'model_version');
  const modelCode = models === null ? -1 : models.names.indexOf(plan.modelVersion as string);
  if (models !== null && modelCode < 0) return [];
  const binCount = plan.bins + 1;
  const cells = assignCells(columns, plan, grouping?.codes ?? null, (grouping?.names.length ?? 0) + 1, models?.codes ?? null, modelCode);
  const { cellOfRow, representative, cellSlot, cellBin, slotWindow, slotGroup, slotRows } = cells;
  if (slotWindow.length === 0) return [];

  const cellColumn = {
    length: columns.length,
    at: (row: number) => cellOfRow[row],
    groups: (names: readonly string[]) => ({ keys: cellOfRow, get: [(row: number) => cellOfRow[row]], names, rows: representative, size: representative.length }),
  };
  // Without `needs` (a plan made by hand) every sum is kept.
  const needs = (plan.needs?.square ?? true ? NEED_SQUARE : 0) | (plan.needs?.brier ?? true ? NEED_BRIER : 0) | (plan.needs?.range ?? true ? NEED_RANGE : 0);
  const rowColumn = { length: columns.length, at: (row: number) => row };
  rollupColumns = { confidences: columns.confidence, outcomes: outcomesOf(columns) };
  let rolled: aq.ColumnTable;
  try {
    rolled = aq
      .table({ cell: cellColumn as unknown as number[], row: rowColumn as unknown as number[] })
      .groupby('cell')
      .rollup({ stats: `d => op.pitwall_cell(d.row, ${needs})` });
  } finally {
    rollupColumns = undefined;
  }
  const rolledCells = rolled.array('cell') as ArrayLike<number>;
  const rolledStats = rolled.array('stats') as ArrayLike<BinStats>;

  // Empty cells read the aggregate's initial state, so that every BinStats holds doubles alike.
  const empty = binStatsOf(initialCell());
  const slotBins: BinStats[][] = slotWindow.map(() => new Array<BinStats>(binCount).fill(empty));
  for (let r = 0; r < rolledCells.length; r++) {
    const cell = rolledCells[r] as number;
    const slot = cellSlot[cell] as number;
    if (slot < 0) continue;
    (slotBins[slot] as BinStats[])[cellBin[cell] as number] = rolledStats[r] as BinStats;
  }

  const result: WindowStats[] = [];
  for (let slot = 0; slot < slotWindow.length; slot++) {
    const g = slotGroup[slot] as number;
    const scores = plan.scores ? canonicalScores(slotRows[slot] as number[], columns) : undefined;
    result.push({
      window_start: (slotWindow[slot] as number) * plan.slide,
      group: g === 0 ? null : (grouping?.names[g - 1] ?? null),
      bins: slotBins[slot] as BinStats[],
      ...(scores === undefined ? {} : { scores }),
    });
  }
  return sortWindowStats(result);
}

/**
 * The statistics of each (window, group) over loaded columns, oldest window first and groups
 * in order within a window; windows and groups without rows are left out. A sliding plan is
 * computed as tumbling panes, then combined.
 */
export function windowStatsOf(columns: WindowColumns, plan: WindowPlan): WindowStats[] {
  return combinePanes(paneStatsOf(columns, panePlanOf(plan)), plan);
}

/** The statistics of the panes of a pane plan (see panePlanOf), to combine into any plan with that pane plan. */
export function paneStatsOf(columns: WindowColumns, panePlan: WindowPlan): WindowStats[] {
  return tumblingStatsOf(columns, panePlan);
}

/** A window's labelled rows as classification columns, for the metrics that need the rows themselves. */
function scoreColumns(scores: ScoreCounts): ClassificationColumns {
  let n = 0;
  for (const w of scores.weight) n += w;
  const predicted = new Uint8Array(n);
  const confidence = new Float64Array(n);
  const actual = new Int8Array(n);
  let j = 0;
  for (let i = 0; i < scores.weight.length; i++) {
    for (let k = 0; k < (scores.weight[i] as number); k++) {
      predicted[j] = scores.predicted[i] as number;
      confidence[j] = scores.confidence[i] as number;
      actual[j++] = scores.actual[i] as number;
    }
  }
  return { length: n, predicted, confidence, actual };
}

/** A window's metrics from its statistics: the one definition both paths share. */
export function metricsOfWindow(
  stats: WindowStats,
  plan: WindowPlan,
  wanted: readonly WindowMetric[],
  minLabels: number,
): WindowMetricsRow {
  const total = emptyBin();
  const confidence = new CompensatedSum();
  const square = new CompensatedSum();
  const brier = new CompensatedSum();
  for (const bin of stats.bins) {
    total.count += bin.count;
    total.truePositives += bin.truePositives;
    total.falsePositives += bin.falsePositives;
    total.trueNegatives += bin.trueNegatives;
    total.falseNegatives += bin.falseNegatives;
    confidence.add(bin.confidenceSum);
    square.add(bin.confidenceSquareSum);
    brier.add(bin.brierSum);
    total.confidenceMin = Math.min(total.confidenceMin, bin.confidenceMin);
    total.confidenceMax = Math.max(total.confidenceMax, bin.confidenceMax);
  }
  const c: Confusion = {
    labelled: total.truePositives + total.falsePositives + total.trueNegatives + total.falseNegatives,
    truePositives: total.truePositives,
    falsePositives: total.falsePositives,
    trueNegatives: total.trueNegatives,
    falseNegatives: total.falseNegatives,
  };
  const n = total.count;
  const insufficient = c.labelled < minLabels;
  const scored = stats.scores === undefined ? undefined : scoreColumns(stats.scores);
  let massCalibration: Reliability | undefined;
  const out: Partial<Record<WindowMetric, number | null>> = {};
  for (const metric of wanted) {
    if (insufficient && !LABEL_FREE.has(metric)) {
      out[metric] = null;
      continue;
    }
    switch (metric) {
      case 'accuracy': out[metric] = accuracyOf(c); break;
      case 'precision': out[metric] = precisionOf(c); break;
      case 'recall': out[metric] = recallOf(c); break;
      case 'f1': out[metric] = f1Of(c); break;
      case 'specificity': out[metric] = specificityOf(c); break;
      case 'ece': out[metric] = calibrationGap(stats.bins, c.labelled).ece; break;
      case 'mce': out[metric] = calibrationGap(stats.bins, c.labelled).mce; break;
      case 'ece_mass': out[metric] = scored === undefined ? null : (massCalibration ??= reliabilityOf(scored, { binning: 'mass', binCount: plan.bins })).ece; break;
      case 'mce_mass': out[metric] = scored === undefined ? null : (massCalibration ??= reliabilityOf(scored, { binning: 'mass', binCount: plan.bins })).mce; break;
      case 'roc_auc': out[metric] = scored === undefined ? null : rocAuc(scored); break;
      case 'average_precision': out[metric] = scored === undefined ? null : averagePrecision(scored); break;
      case 'log_loss': out[metric] = scored === undefined ? null : logLoss(scored); break;
      case 'brier': out[metric] = c.labelled === 0 ? null : brier.value / c.labelled; break;
      case 'avg_confidence': out[metric] = n === 0 ? null : confidence.value / n; break;
      case 'min_confidence': out[metric] = n === 0 ? null : total.confidenceMin; break;
      case 'max_confidence': out[metric] = n === 0 ? null : total.confidenceMax; break;
      // Confidences all alike deviate by exactly 0, as one pass over them says; Σc² − (Σc)²/n may leave a rounding residue.
      case 'confidence_std': out[metric] = n < 2 ? null : total.confidenceMin === total.confidenceMax ? 0 : Math.sqrt(Math.max(0, (square.value - (confidence.value * confidence.value) / n) / (n - 1))); break;
    }
  }
  return {
    window_start: stats.window_start,
    window_end: stats.window_start + plan.every,
    group: stats.group,
    count: n,
    labelled: c.labelled,
    label_coverage: n === 0 ? 0 : c.labelled / n,
    insufficient,
    ...coverageOf(stats.window_start, plan),
    ...out,
  };
}

/** Whether a window reaches outside the plan's range, and if so the span inside it. */
function coverageOf(start: number, plan: WindowPlan): { partial: boolean; covered_start?: number; covered_end?: number } {
  const end = start + plan.every;
  if (start >= plan.from && end <= plan.to) return { partial: false };
  return { partial: true, covered_start: Math.max(start, plan.from), covered_end: Math.min(end, plan.to) };
}

/** The first window start k · slide whose window reaches past `from` (k · slide + every > from). */
function firstStartAfter(from: number, plan: WindowPlan): number {
  let k = Math.floor((from - plan.every) / plan.slide) + 1;
  while ((k - 1) * plan.slide + plan.every > from) k--;
  while (k * plan.slide + plan.every <= from) k++;
  return k * plan.slide;
}

/** The last window start k · slide before `to`. */
function lastStartBefore(to: number, plan: WindowPlan): number {
  let k = Math.ceil(to / plan.slide) - 1;
  while (k * plan.slide >= to) k--;
  while ((k + 1) * plan.slide < to) k++;
  return k * plan.slide;
}

/** The rows plus a count-0 row for every (window, group) without predictions; see fillEmpty. */
function fillEmptyWindows(rows: WindowMetricsRow[], plan: WindowPlan, wanted: readonly WindowMetric[], minLabels: number): WindowMetricsRow[] {
  // An open end of the range is bounded by the data's first or last window.
  const low = Number.isFinite(plan.from) ? firstStartAfter(plan.from, plan) : rows[0]?.window_start;
  const high = Number.isFinite(plan.to) ? lastStartBefore(plan.to, plan) : rows[rows.length - 1]?.window_start;
  if (low === undefined || high === undefined) return rows;
  // Within a window, groups in the order the rows have them: null first, then code-unit order.
  const groups = rows.length === 0 ? [null] : [...new Set(rows.map((row) => row.group))].sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
  const windowCount = Math.max(0, Math.round((high - low) / plan.slide) + 1);
  if (windowCount * groups.length > MAX_FILLED_ROWS) throw new PitwallError('input', messages.windowFillTooMany(windowCount * groups.length, MAX_FILLED_ROWS));
  const found = new Map<number, Map<string | null, WindowMetricsRow>>();
  for (const row of rows) {
    const byGroup = found.get(row.window_start) ?? new Map<string | null, WindowMetricsRow>();
    found.set(row.window_start, byGroup.set(row.group, row));
  }
  const filled: WindowMetricsRow[] = [];
  for (let k = 0; k < windowCount; k++) {
    const start = low + k * plan.slide;
    for (const group of groups) {
      const row = found.get(start)?.get(group);
      filled.push(row ?? metricsOfWindow({ window_start: start, group, bins: [emptyBin()] }, plan, wanted, minLabels));
    }
  }
  return filled;
}

/** ECE and MCE over the labelled bins, as calibrationOf defines them. */
function calibrationGap(bins: readonly BinStats[], labelled: number): { ece: number | null; mce: number | null } {
  if (labelled === 0) return { ece: null, mce: null };
  let ece = 0;
  let mce = 0;
  for (let b = 1; b < bins.length; b++) {
    const bin = bins[b] as BinStats;
    if (bin.count === 0) continue;
    const gap = Math.abs((bin.truePositives + bin.trueNegatives) / bin.count - bin.confidenceSum / bin.count);
    ece += (bin.count / labelled) * gap;
    mce = Math.max(mce, gap);
  }
  return { ece, mce };
}

function checkMinLabels(minLabels: number): number {
  if (!Number.isSafeInteger(minLabels) || minLabels < 0) throw new PitwallError('input', messages.minLabelsInvalid(minLabels));
  return minLabels;
}

/**
 * Metrics per (window, group) over loaded columns, oldest window first and groups in order
 * within a window. Windows and groups without rows are left out. Rows without ground truth
 * count toward `count` and the confidence statistics only.
 */
export function windowedMetrics(
  columns: WindowColumns,
  options: WindowedMetricsOptions,
  /** Where the panes come from: computed from the columns unless a caller holds them already. */
  panes: (panePlan: WindowPlan) => WindowStats[] = (panePlan) => paneStatsOf(columns, panePlan),
): WindowMetricsRow[] {
  const minLabels = checkMinLabels(options.minLabels ?? DEFAULT_MIN_LABELS);
  const plan = planWindows(options);
  const wanted = selectedMetrics(options.metrics);
  const rows = checkFeatureSeen(plan, combinePanes(panes(panePlanOf(plan)), plan)).map((stats) => metricsOfWindow(stats, plan, wanted, minLabels));
  return options.fillEmpty === true ? fillEmptyWindows(rows, plan, wanted, minLabels) : rows;
}

/** How a store's windows were computed: pushed down to its database, or over loaded records. */
export type WindowPath = 'pushdown' | 'in-memory';

/**
 * Metrics per (window, group) from a store: the plan runs inside the database when the store
 * can run it, else over the predictions it loads. Both give the same numbers.
 */
export async function readWindowedMetrics(
  store: StoreReader,
  options: WindowedMetricsOptions & { readonly path?: WindowPath },
): Promise<{ readonly rows: WindowMetricsRow[]; readonly path: WindowPath }> {
  const minLabels = checkMinLabels(options.minLabels ?? DEFAULT_MIN_LABELS);
  const plan = planWindows(options);
  const wanted = selectedMetrics(options.metrics);
  const fill = (rows: WindowMetricsRow[]) => (options.fillEmpty === true ? fillEmptyWindows(rows, plan, wanted, minLabels) : rows);
  const pushed = options.path === 'in-memory' || store.aggregateWindows === undefined ? undefined : await store.aggregateWindows(plan);
  if (pushed !== undefined) return { rows: fill(checkFeatureSeen(plan, pushed).map((stats) => metricsOfWindow(stats, plan, wanted, minLabels))), path: 'pushdown' };
  const segment = segmentColumns(plan.by);
  const columns = await store.readPredictionColumns({
    ...(Number.isFinite(plan.from) ? { from: plan.from } : {}),
    ...(Number.isFinite(plan.to) ? { to: plan.to } : {}),
    ...(plan.modelVersion === undefined ? {} : { modelVersion: plan.modelVersion }),
    features: segment.features,
    metadata: segment.metadata,
  });
  return { rows: fill(checkFeatureSeen(plan, windowStatsOf(columns, plan)).map((stats) => metricsOfWindow(stats, plan, wanted, minLabels))), path: 'in-memory' };
}

/** Grouping by a feature that no prediction in range has is a typo far more often than a finding. */
function checkFeatureSeen(plan: WindowPlan, stats: WindowStats[]): WindowStats[] {
  const segment = segmentOf(plan.by);
  if (segment !== undefined && stats.length > 0 && stats.every((s) => s.group === null)) {
    throw new PitwallError('input', messages.windowFeatureAbsent(segment.kind, segment.name));
  }
  return stats;
}
