/**
 * The predictions table of a database image as window columns, decoded straight from its
 * pages (tableScan.ts): time, model version, predicted outcome, confidence, actual outcome,
 * and the features asked for. Each row must pass the same checks as the store's audit
 * (rows.ts `suspectRowSql`): a row the audit would single out for a closer look makes the
 * whole scan give way (undefined), and the caller reads through SQLite and the schema
 * instead, so this path never keeps a row the store would refuse, nor drops one it keeps.
 * Rows come in the store's order: by time, ties by row id.
 */
import { readFileSync } from 'node:fs';
import { startWorker } from '../../platform/workerThreads';
import { FilePageReader } from './pageFile';
import { sameSqliteFingerprint, sqliteFingerprint } from './snapshot';
import { readWalPages } from './wal';
import { PitwallError } from '../../errors';
import type { FeatureValue } from '../../model/fields';
import { daysFromCivil, daysInMonth, MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../model/timestamps';
import { OUTCOME_UNKNOWN, type WindowColumns } from '../store';
import { imagePages, integerAt, isText, layoutOfHeader, leafCellCount, numberAt, readRecordHeader, recordColumns, scanLeaves, scanTable, ScanRefused, tableLeaves, textLength, type ImageLayout, type PageReader, type RecordColumns } from './tableScan';


const NEEDED = ['timestamp', 'model_version', 'prediction_id', 'predicted_outcome', 'confidence', 'actual_outcome', 'actual_outcome_timestamp', 'features', 'extra_metadata'] as const;
type Needed = (typeof NEEDED)[number];

const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text, or a refusal: text SQLite stores that is not UTF-8 takes the careful path. */
function decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ScanRefused('text that is not UTF-8');
  }
}

/** Column names of a CREATE TABLE statement, in order; undefined when it is not one this reader understands. */
export function columnNamesOf(sql: string): string[] | undefined {
  const open = sql.indexOf('(');
  const close = sql.lastIndexOf(')');
  if (!/^\s*CREATE\s+TABLE\b/i.test(sql) || open < 0 || close < open || /WITHOUT\s+ROWID\s*$/i.test(sql.slice(close + 1))) return undefined;
  // Comments and generated columns would shift positions: such a table is read by SQLite instead.
  if (/--|\/\*|\bGENERATED\b|\bAS\s*\(/i.test(sql)) return undefined;
  const items: string[] = [];
  let depth = 0;
  let current = '';
  let quote: string | null = null;
  for (const ch of sql.slice(open + 1, close)) {
    if (quote !== null) {
      current += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`' || ch === '[') quote = ch === '[' ? ']' : ch;
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else current += ch;
  }
  items.push(current);
  const names: string[] = [];
  for (const item of items) {
    const text = item.trim();
    if (/^(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)\b/i.test(text)) continue;
    const match = /^(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_$]*))/.exec(text);
    if (match === null) return undefined;
    names.push(match[1]?.replace(/""/g, '"') ?? match[2] ?? match[3] ?? (match[4] as string));
  }
  return names;
}

/** A decimal digit's value; a large negative number for any other byte, so a bad digit spoils the sum. */
function digitAt(bytes: Uint8Array, offset: number): number {
  const d = (bytes[offset] as number) - 48;
  return d >= 0 && d <= 9 ? d : -1000;
}

/** The 26-character SQLAlchemy timestamp at `offset` as float seconds, exactly as timestamps.ts parses it; NaN if it is not one. */
function timestampAt(bytes: Uint8Array, offset: number): number {
  if (bytes[offset + 4] !== 45 || bytes[offset + 7] !== 45 || bytes[offset + 10] !== 32 || bytes[offset + 13] !== 58 || bytes[offset + 16] !== 58 || bytes[offset + 19] !== 46) return Number.NaN;
  const year = digitAt(bytes, offset + 0) * 1000 + digitAt(bytes, offset + 1) * 100 + digitAt(bytes, offset + 2) * 10 + digitAt(bytes, offset + 3);
  const month = digitAt(bytes, offset + 5) * 10 + digitAt(bytes, offset + 6);
  const day = digitAt(bytes, offset + 8) * 10 + digitAt(bytes, offset + 9);
  const hour = digitAt(bytes, offset + 11) * 10 + digitAt(bytes, offset + 12);
  const minute = digitAt(bytes, offset + 14) * 10 + digitAt(bytes, offset + 15);
  const second = digitAt(bytes, offset + 17) * 10 + digitAt(bytes, offset + 18);
  const micros = digitAt(bytes, offset + 20) * 100000 + digitAt(bytes, offset + 21) * 10000 + digitAt(bytes, offset + 22) * 1000 + digitAt(bytes, offset + 23) * 100 + digitAt(bytes, offset + 24) * 10 + digitAt(bytes, offset + 25);
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1 && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && micros >= 0)) return Number.NaN;
  if (day > daysInMonth(year, month)) return Number.NaN;
  // The audit's upper bound is the text '9999-12-31 23:59:59.000000'.
  if (year === 9999 && month === 12 && day === 31 && hour === 23 && minute === 59 && second === 59 && micros > 0) return Number.NaN;
  const whole = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  const totalMicros = whole * 1e6 + micros;
  const seconds = Number.isSafeInteger(totalMicros) ? totalMicros / 1e6 : whole + micros / 1e6;
  return seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP ? Number.NaN : seconds;
}

// The JSON validators keep their cursor in local variables (V8 keeps those in registers, module
// state it loads and stores at every step) and allocate nothing; what the callers read after a
// validation is left here.
/** `{` and `[` met by the last validation, in strings too: the audit's tests count them so. */
export let brackets = 0;
/** Members of the object the last flat validation read. */
export let members = 0;

/** Where the JSON string opening at `i` ends (past its closing quote), or -1; counts the `{` and `[` in it. */
function stringEnd(bytes: Uint8Array, i: number, stop: number): number {
  i++;
  while (i < stop) {
    const c = bytes[i++] as number;
    if (c > 92) {
      if (c === 123) brackets++;
      continue;
    }
    if (c === 34) return i;
    if (c < 32) return -1;
    if (c === 91) brackets++;
    else if (c === 92) {
      const e = bytes[i++];
      if (e === 117) {
        for (let k = 0; k < 4; k++) {
          const h = bytes[i++] as number;
          if (!((h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) return -1;
        }
      } else if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return -1;
    }
  }
  return -1;
}

/** Where the JSON value after any white space at `i` ends, or -1; `depth` containers already open around it. */
function valueEnd(bytes: Uint8Array, i: number, stop: number, depth: number, maxDepth: number): number {
  let c = 0;
  while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
  if (i >= stop) return -1;
  const first = bytes[i] as number;
  if (first === 123 || first === 91) {
    brackets++;
    if (depth >= maxDepth) return -1;
    const close = first === 123 ? 125 : 93;
    i++;
    while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
    if (bytes[i] === close) return i + 1;
    for (;;) {
      if (first === 123) {
        while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
        if (bytes[i] !== 34) return -1;
        i = stringEnd(bytes, i, stop);
        if (i < 0) return -1;
        while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
        if (bytes[i++] !== 58) return -1;
      }
      i = valueEnd(bytes, i, stop, depth + 1, maxDepth);
      if (i < 0) return -1;
      while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
      const next = bytes[i++];
      if (next === close) return i;
      if (next !== 44) return -1;
    }
  }
  if (first === 34) return stringEnd(bytes, i, stop);
  if (first === 116) return bytes[i + 1] === 114 && bytes[i + 2] === 117 && bytes[i + 3] === 101 ? i + 4 : -1;
  if (first === 102) return bytes[i + 1] === 97 && bytes[i + 2] === 108 && bytes[i + 3] === 115 && bytes[i + 4] === 101 ? i + 5 : -1;
  if (first === 110) return bytes[i + 1] === 117 && bytes[i + 2] === 108 && bytes[i + 3] === 108 ? i + 4 : -1;
  if (first === 45) i++;
  if (bytes[i] === 48) i++;
  else {
    const from = i;
    while (i < stop && (c = bytes[i] as number) >= 48 && c <= 57) i++;
    if (i === from) return -1;
  }
  if (bytes[i] === 46) {
    const from = ++i;
    while (i < stop && (c = bytes[i] as number) >= 48 && c <= 57) i++;
    if (i === from) return -1;
  }
  c = bytes[i] as number;
  return c === 101 || c === 69 ? -1 : i;
}

/**
 * Whether `bytes[start, stop)` is one JSON value as RFC 8259 (and SQLite's json_valid) defines
 * it, nesting at most `maxDepth`; numbers with an exponent are refused (SQLite takes 1e400,
 * JavaScript makes it Infinity), so that such a row takes the careful path.
 */
export function isPlainJson(bytes: Uint8Array, start: number, stop: number, maxDepth: number): boolean {
  brackets = 0;
  let i = valueEnd(bytes, start, stop, 0, maxDepth);
  if (i < 0) return false;
  let c = 0;
  while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
  return i === stop;
}

/**
 * Whether `bytes[start, stop)` is a JSON object of scalars with no other `{` or `[`, even in a
 * string: the audit's test for features (text starting with `{`, no `[`, no later `{`, json_valid).
 * Leaves `members` (the object's members) and `brackets` (`{` and `[` met in its strings) as the
 * validator did. One loop over local variables: it runs for every row, twice.
 */
export function isFlatJsonObject(bytes: Uint8Array, start: number, stop: number): boolean {
  brackets = 0;
  let i = start;
  let keys = 0;
  let ok = false;
  let c = 0;
  scan: {
    if (bytes[i] !== 123) break scan;
    i++;
    while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
    if (bytes[i] === 125) {
      i++;
      while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
      ok = i === stop;
      break scan;
    }
    for (;;) {
      // The key: a string.
      if (bytes[i] !== 34) break scan;
      i = stringEnd(bytes, i, stop);
      if (i < 0) break scan;
      keys++;
      while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
      if (bytes[i++] !== 58) break scan;
      while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
      // The value: a string, a literal or a number without an exponent.
      c = bytes[i] as number;
      if (c === 34) {
        i = stringEnd(bytes, i, stop);
        if (i < 0) break scan;
      } else if (c === 116) {
        if (bytes[i + 1] !== 114 || bytes[i + 2] !== 117 || bytes[i + 3] !== 101) break scan;
        i += 4;
      } else if (c === 102) {
        if (bytes[i + 1] !== 97 || bytes[i + 2] !== 108 || bytes[i + 3] !== 115 || bytes[i + 4] !== 101) break scan;
        i += 5;
      } else if (c === 110) {
        if (bytes[i + 1] !== 117 || bytes[i + 2] !== 108 || bytes[i + 3] !== 108) break scan;
        i += 4;
      } else {
        if (c === 45) i++;
        if (bytes[i] === 48) i++;
        else {
          const from = i;
          while (i < stop && (c = bytes[i] as number) >= 48 && c <= 57) i++;
          if (i === from) break scan;
        }
        if (bytes[i] === 46) {
          const from = ++i;
          while (i < stop && (c = bytes[i] as number) >= 48 && c <= 57) i++;
          if (i === from) break scan;
        }
        c = bytes[i] as number;
        if (c === 101 || c === 69) break scan;
      }
      while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
      c = bytes[i++] as number;
      if (c === 125) {
        while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
        ok = i === stop && brackets === 0;
        break scan;
      }
      if (c !== 44) break scan;
      while (i < stop && ((c = bytes[i] as number) === 32 || c === 10 || c === 9 || c === 13)) i++;
    }
  }
  members = keys;
  return ok;
}

/** A column's serial type; NULL (0) for a column the record does not reach. */
function typeOf(record: RecordColumns, column: number): number {
  return column < record.count ? (record.types[column] as number) : 0;
}

/** Where the predictions are in an image: the table's leaves and each needed column's position. */
export interface ScanPlan {
  readonly layout: ImageLayout;
  readonly leaves: readonly number[];
  readonly place: Readonly<Record<Needed, number>>;
}

/** The plan of a scan, or undefined when the database has no predictions table this reader understands. */
export function planScan(reader: PageReader): ScanPlan | undefined {
  try {
    const { layout } = reader;
    let root = 0;
    let columns: string[] | undefined;
    const schema = recordColumns(5);
    scanTable(reader, 1, (_rowid, record, start, end) => {
      readRecordHeader(record, schema, start, end);
      if (schema.count < 5) return;
      const text = (c: number) => (isText(schema.types[c] as number) ? decode(record.subarray(schema.offsets[c] as number, (schema.offsets[c] as number) + textLength(schema.types[c] as number))) : undefined);
      if (text(0) !== 'table' || text(1) !== 'predictions') return;
      root = integerAt(record, schema.types[3] as number, schema.offsets[3] as number) ?? 0;
      const sql = text(4);
      columns = sql === undefined ? undefined : columnNamesOf(sql);
    });
    if (root === 0 || columns === undefined) return undefined;
    const index = new Map<string, number>((columns as string[]).map((name, i) => [name, i]));
    if (NEEDED.some((name) => !index.has(name))) return undefined;
    const place = Object.fromEntries(NEEDED.map((name) => [name, index.get(name) as number])) as Record<Needed, number>;
    const leaves = tableLeaves(reader, root);
    return { layout, leaves: leaves.pages, place };
  } catch (error) {
    if (error instanceof ScanRefused) return undefined;
    throw error;
  }
}

/** The decoded rows of some leaves; model versions as codes into `versionNames`. Plain data, so a worker can send it. */
export interface ScanChunk {
  readonly rows: number;
  readonly timestamp: Float64Array;
  readonly versionCode: Int32Array;
  readonly versionNames: string[];
  readonly predicted: Uint8Array;
  readonly confidence: Float64Array;
  readonly actual: Int8Array;
  readonly features: Record<string, FeatureValue[]>;
  readonly metadata: Record<string, FeatureValue[]>;
  /** Some row needs the careful path: the chunk's rows are not to be used. */
  readonly suspect: boolean;
}

/**
 * Decodes the rows of `leaves` (a run of the plan's leaves, in order), with the checks of the
 * store's audit. `seen` marks the pages met so far in this scan (a page met twice is refused).
 */
export function decodeLeaves(reader: PageReader, plan: ScanPlan, leaves: readonly number[], features: readonly string[], metadata: readonly string[] = [], seen = new Uint8Array(plan.layout.pageCount + 1)): ScanChunk {
  const { place } = plan;
  let capacity = 0;
  try {
    for (const page of leaves) capacity += leafCellCount(reader, page);
  } catch (error) {
    if (!(error instanceof ScanRefused)) throw error;
  }
  // Sized from the leaves' cell counts: no array grows.
  const timestamps = new Float64Array(capacity);
  const versionCode = new Int32Array(capacity);
  const predicted = new Uint8Array(capacity);
  const confidences = new Float64Array(capacity);
  const actuals = new Int8Array(capacity);
  const featureValues: Record<string, FeatureValue[]> = Object.fromEntries(features.map((name) => [name, new Array<FeatureValue>(capacity)]));
  const metadataValues: Record<string, FeatureValue[]> = Object.fromEntries(metadata.map((name) => [name, new Array<FeatureValue>(capacity)]));
  const versionNames: string[] = [];
  const knownVersions: Uint8Array[] = [];
  const record = recordColumns(Math.max(...Object.values(place)) + 1);
  let n = 0;
  let suspect = false;
  const chunk = (): ScanChunk => ({ rows: n, timestamp: timestamps, versionCode, versionNames, predicted, confidence: confidences, actual: actuals, features: featureValues, metadata: metadataValues, suspect });
  try {
    scanLeaves(reader, { pages: leaves, seen }, (_rowid, bytes, start, end) => {
      if (suspect) return;
      // More cells than the leaves' headers counted: the pages are not what they were a moment ago.
      if (n >= capacity) throw new ScanRefused('a leaf holds more cells than its header said');
      readRecordHeader(bytes, record, start, end);
      const t = typeOf(record, place.timestamp) === 13 + 2 * 26 ? timestampAt(bytes, record.offsets[place.timestamp] as number) : Number.NaN;
      const versionType = typeOf(record, place.model_version);
      const predictedValue = integerAt(bytes, typeOf(record, place.predicted_outcome), record.offsets[place.predicted_outcome] as number);
      const confidence = numberAt(bytes, typeOf(record, place.confidence), record.offsets[place.confidence] as number);
      const actualType = typeOf(record, place.actual_outcome);
      const actual = actualType === 0 ? OUTCOME_UNKNOWN : integerAt(bytes, actualType, record.offsets[place.actual_outcome] as number);
      const actualTimeType = typeOf(record, place.actual_outcome_timestamp);
      const featuresType = typeOf(record, place.features);
      const featuresStart = record.offsets[place.features] as number;
      const featuresEnd = featuresStart + textLength(featuresType);
      const metadataType = typeOf(record, place.extra_metadata);
      const metadataStart = record.offsets[place.extra_metadata] as number;
      const metadataEnd = metadataStart + textLength(metadataType);
      const featuresSound = isText(featuresType) && isFlatJsonObject(bytes, featuresStart, featuresEnd);
      // The member count is the validator's state: kept before the metadata check resets it.
      const featureMembers = members;
      const sound =
        !Number.isNaN(t) &&
        isText(versionType) &&
        isText(typeOf(record, place.prediction_id)) &&
        textLength(typeOf(record, place.prediction_id)) > 0 &&
        (predictedValue === 0 || predictedValue === 1) &&
        confidence !== undefined &&
        confidence >= 0 &&
        confidence <= 1 &&
        (actualType === 0 || actual === 0 || actual === 1) &&
        (actualTimeType === 0 || (actualTimeType === 13 + 2 * 26 && !Number.isNaN(timestampAt(bytes, record.offsets[place.actual_outcome_timestamp] as number)))) &&
        featuresSound &&
        (metadataType === 0 ||
          (isText(metadataType) &&
            (bytes[metadataStart] === 123
              ? // Metadata is usually flat too: the quick test first, the general one when it is not.
                isFlatJsonObject(bytes, metadataStart, metadataEnd) || (isPlainJson(bytes, metadataStart, metadataEnd, 64) && brackets <= 64)
              : textLength(metadataType) === 4 && bytes[metadataStart] === 110 && bytes[metadataStart + 1] === 117 && bytes[metadataStart + 2] === 108 && bytes[metadataStart + 3] === 108)));
      if (!sound) {
        suspect = true;
        return;
      }
      const versionStart = record.offsets[place.model_version] as number;
      const versionLength = textLength(versionType);
      let code = -1;
      for (let v = 0; v < knownVersions.length; v++) {
        const known = knownVersions[v] as Uint8Array;
        if (known.length !== versionLength) continue;
        let same = true;
        for (let k = 0; k < versionLength; k++) {
          if (known[k] !== bytes[versionStart + k]) {
            same = false;
            break;
          }
        }
        if (same) {
          code = v;
          break;
        }
      }
      if (code < 0) {
        const versionBytes = bytes.slice(versionStart, versionStart + versionLength);
        code = knownVersions.length;
        knownVersions.push(versionBytes);
        versionNames.push(decode(versionBytes));
      }
      if (features.length > 0) {
        const parsed = JSON.parse(decode(bytes.subarray(featuresStart, featuresEnd))) as Record<string, FeatureValue>;
        // A key given twice: SQLite's JSON functions take the first, JSON.parse the last; the store decides.
        if (Object.keys(parsed).length !== featureMembers) {
          suspect = true;
          return;
        }
        for (const name of features) (featureValues[name] as FeatureValue[])[n] = Object.hasOwn(parsed, name) ? (parsed[name] ?? null) : null;
      }
      if (metadata.length > 0) {
        const parsed = metadataType === 0 || bytes[metadataStart] !== 123 ? null : (JSON.parse(decode(bytes.subarray(metadataStart, metadataEnd))) as Record<string, unknown>);
        // Only flat metadata has its members counted; nested metadata, or a key given twice, goes to the store.
        if (parsed !== null && (!isFlatJsonObject(bytes, metadataStart, metadataEnd) || Object.keys(parsed).length !== members)) {
          suspect = true;
          return;
        }
        for (const name of metadata) {
          const value = parsed !== null && Object.hasOwn(parsed, name) ? parsed[name] : null;
          // A nested value groups nothing: it reads as null, as in the stores.
          (metadataValues[name] as FeatureValue[])[n] = value !== null && typeof value === 'object' ? null : ((value ?? null) as FeatureValue);
        }
      }
      timestamps[n] = t;
      versionCode[n] = code;
      predicted[n] = predictedValue as number;
      confidences[n] = confidence as number;
      actuals[n] = actual as number;
      n++;
    });
  } catch (error) {
    if (!(error instanceof ScanRefused)) throw error;
    suspect = true;
  }
  return chunk();
}

/**
 * Puts `values` in `order` in place (`values[i]` becomes the old `values[order[i]]`), following
 * the permutation's cycles: a column is reordered without a second copy of it.
 */
function permute<T>(values: { [index: number]: T }, order: Uint32Array, visited: Uint8Array): void {
  visited.fill(0);
  for (let start = 0; start < order.length; start++) {
    if (visited[start] === 1) continue;
    const first = values[start] as T;
    let j = start;
    for (;;) {
      visited[j] = 1;
      const k = order[j] as number;
      if (k === start) {
        values[j] = first;
        break;
      }
      values[j] = values[k] as T;
      j = k;
    }
  }
}

/** Runs merged at once: a table appended in a few time-ordered runs (a backfill, a copied period) is merged, not sorted. */
const MAX_MERGED_RUNS = 256;

/**
 * The rows in time order, ties by row: a merge of the runs already in order when they are few,
 * else a sort. Either way the order is a typed array; a comparison sort of a typed array copies
 * it into the heap twice over (64 MB at 4M rows).
 */
function timeOrder(timestamps: Float64Array): Uint32Array {
  const rows = timestamps.length;
  const order = new Uint32Array(rows);
  const starts: number[] = [0];
  for (let i = 1; i < rows && starts.length <= MAX_MERGED_RUNS; i++) if ((timestamps[i] as number) < (timestamps[i - 1] as number)) starts.push(i);
  if (starts.length > MAX_MERGED_RUNS) {
    for (let i = 0; i < rows; i++) order[i] = i;
    return order.sort((a, b) => (timestamps[a] as number) - (timestamps[b] as number) || a - b);
  }
  // A binary heap of the runs' next rows, least (time, row) on top.
  const next = Int32Array.from(starts);
  const ends = Int32Array.from(starts, (_, k) => (k + 1 < starts.length ? (starts[k + 1] as number) : rows));
  const heap: number[] = starts.map((_, k) => k);
  const less = (a: number, b: number): boolean => {
    const ta = timestamps[next[a] as number] as number;
    const tb = timestamps[next[b] as number] as number;
    return ta < tb || (ta === tb && (next[a] as number) < (next[b] as number));
  };
  const down = (from: number): void => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < heap.length && less(heap[l] as number, heap[least] as number)) least = l;
      if (r < heap.length && less(heap[r] as number, heap[least] as number)) least = r;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least] as number, heap[i] as number];
      i = least;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  for (let n = 0; n < rows; n++) {
    const run = heap[0] as number;
    order[n] = next[run] as number;
    next[run] = (next[run] as number) + 1;
    if ((next[run] as number) === (ends[run] as number)) {
      heap[0] = heap[heap.length - 1] as number;
      heap.pop();
    }
    if (heap.length > 0) down(0);
  }
  return order;
}

/**
 * Joins decoded chunks (in leaf order) into the store's columns: time order, ties by id. Empties
 * `chunks` as it copies them, so that each chunk's memory can go before the columns are complete.
 */
export function assembleChunks(chunks: ScanChunk[], features: readonly string[], metadata: readonly string[] = []): WindowColumns | undefined {
  if (chunks.some((c) => c.suspect)) return undefined;
  const rows = chunks.reduce((sum, c) => sum + c.rows, 0);
  const timestamps = new Float64Array(rows);
  const versionCodes = new Int32Array(rows);
  const versionNames: string[] = [];
  const versionIndex = new Map<string, number>();
  const predicted = new Uint8Array(rows);
  const confidences = new Float64Array(rows);
  const actuals = new Int8Array(rows);
  const featureValues = new Map<string, FeatureValue[]>(features.map((name) => [name, new Array<FeatureValue>(rows)]));
  const metadataValues = new Map<string, FeatureValue[]>(metadata.map((name) => [name, new Array<FeatureValue>(rows)]));
  let offset = 0;
  for (let c = chunks.shift(); c !== undefined; c = chunks.shift()) {
    timestamps.set(c.timestamp.subarray(0, c.rows), offset);
    predicted.set(c.predicted.subarray(0, c.rows), offset);
    confidences.set(c.confidence.subarray(0, c.rows), offset);
    actuals.set(c.actual.subarray(0, c.rows), offset);
    // The chunk's codes, renumbered into codes shared by every chunk.
    const shared = c.versionNames.map((name) => {
      let code = versionIndex.get(name);
      if (code === undefined) {
        code = versionNames.length;
        versionIndex.set(name, code);
        versionNames.push(name);
      }
      return code;
    });
    for (let i = 0; i < c.rows; i++) versionCodes[offset + i] = shared[c.versionCode[i] as number] as number;
    for (const [values, from] of [[featureValues, c.features], [metadataValues, c.metadata]] as const) {
      for (const [name, target] of values) {
        const source = from[name] as FeatureValue[];
        for (let i = 0; i < c.rows; i++) target[offset + i] = source[i] ?? null;
      }
    }
    offset += c.rows;
  }
  // The store reads predictions in time order (ties by id); rows appended in time order already are.
  let sorted = true;
  for (let i = 1; i < rows && sorted; i++) sorted = (timestamps[i - 1] as number) <= (timestamps[i] as number);
  if (!sorted) {
    // The order as a typed array (a million-element array of numbers would be a large heap
    // object), and every column put in it in place.
    const order = timeOrder(timestamps);
    const visited = new Uint8Array(rows);
    for (const column of [timestamps, versionCodes, predicted, confidences, actuals]) permute<number>(column, order, visited);
    for (const values of [...featureValues.values(), ...metadataValues.values()]) permute(values, order, visited);
  }
  let versions: string[] | undefined;
  return {
    length: rows,
    timestamp: timestamps,
    // The names row by row are made when first read: the analytics read the codes, and 4M names take 32 MB.
    get model_version(): string[] {
      if (versions === undefined) {
        versions = new Array<string>(rows);
        for (let i = 0; i < rows; i++) versions[i] = versionNames[versionCodes[i] as number] as string;
      }
      return versions;
    },
    model_version_codes: { codes: versionCodes, names: versionNames },
    predicted_outcome: predicted,
    confidence: confidences,
    actual_outcome: actuals,
    features: featureValues,
    metadata: metadataValues,
  };
}

/**
 * The predictions of a database image, or undefined when some row needs the careful path (or
 * the image is not one this reader can follow).
 */
export function scanPredictions(image: Uint8Array, features: readonly string[] = [], metadata: readonly string[] = []): WindowColumns | undefined {
  let reader: PageReader;
  try {
    reader = imagePages(image);
  } catch (error) {
    if (error instanceof ScanRefused) return undefined;
    throw error;
  }
  const plan = planScan(reader);
  if (plan === undefined) return undefined;
  return assembleChunks([decodeLeaves(reader, plan, plan.leaves, features, metadata)], features, metadata);
}

/** Leaves decoded per batch: the pages a reader holds at once (8 MB, whatever the file's size). */
const BATCH_BYTES = 8 << 20;

/** What one thread of a file scan is asked to decode (plain data, so a worker can be sent it). */
export interface ScanRequest {
  readonly path: string;
  readonly layout: ImageLayout;
  /** The pages the WAL's committed transactions replace. */
  readonly wal: ReadonlyMap<number, Uint8Array>;
  readonly plan: ScanPlan;
  readonly leaves: readonly number[];
  readonly features: readonly string[];
  readonly metadata: readonly string[];
}

/** Carries out a scan request (in a worker, or on this thread), one batch of leaves at a time; stops at the first suspect batch. */
export function runScanRequest(request: ScanRequest, batchBytes = BATCH_BYTES): ScanChunk[] {
  const { path, layout, wal, plan, leaves, features, metadata } = request;
  const reader = new FilePageReader(path, layout, wal);
  try {
    const perBatch = Math.max(1, Math.floor(batchBytes / layout.pageSize));
    const seen = new Uint8Array(layout.pageCount + 1);
    const chunks: ScanChunk[] = [];
    for (let from = 0; from < leaves.length; from += perBatch) {
      const batch = leaves.slice(from, from + perBatch);
      reader.hold(batch);
      const chunk = decodeLeaves(reader, plan, batch, features, metadata, seen);
      chunks.push(chunk);
      if (chunk.suspect) break;
    }
    return chunks;
  } finally {
    reader.close();
  }
}

/** Why a direct file scan gave no columns: the file changed while it was read, or a row needs the careful path. */
export type FileScanOutcome = { readonly columns: WindowColumns } | 'changed' | 'careful';

/** Times the scan starts again when the database or its WAL changed while it was read. */
const SCAN_ATTEMPTS = 3;

/**
 * The predictions of a SQLite file as SQLite would read them now, committed WAL frames included,
 * read page by page where the table is (not its indexes) and a batch at a time, so memory does
 * not grow with the file; on two threads when `workerScript` (the bundled scanWorker.js) is
 * given. The file's and the WAL's stamps (size, mtime, inode, header) are compared before and
 * after: on any change the scan starts again, and after SCAN_ATTEMPTS it says 'changed'.
 */
export async function scanPredictionFile(path: string, workerScript: string | undefined, features: readonly string[] = [], metadata: readonly string[] = []): Promise<FileScanOutcome> {
  for (let attempt = 0; attempt < SCAN_ATTEMPTS; attempt++) {
    const outcome = await scanOnce(path, workerScript, features, metadata);
    if (outcome !== 'changed') return outcome;
  }
  return 'changed';
}

async function scanOnce(path: string, workerScript: string | undefined, features: readonly string[], metadata: readonly string[]): Promise<FileScanOutcome> {
  const before = sqliteFingerprint(path);
  if (before.db === undefined) return 'changed';
  let request: Omit<ScanRequest, 'leaves'>;
  try {
    const walBytes = before.wal !== undefined && before.wal.stamp.size > 32 ? new Uint8Array(readFileSync(`${path}-wal`)) : undefined;
    const wal = readWalPages(before.db.head, before.db.stamp.size, walBytes, path);
    if (wal.pageSize === 0) return 'careful';
    const layout = layoutOfHeader(wal.pages.get(1) ?? before.db.head, () => wal.pageCount);
    if (layout.pageSize !== wal.pageSize) return 'careful';
    const reader = new FilePageReader(path, layout, wal.pages);
    let plan: ScanPlan | undefined;
    try {
      plan = planScan(reader);
    } finally {
      reader.close();
    }
    if (plan === undefined) return 'careful';
    request = { path, layout, wal: wal.pages, plan, features, metadata };
  } catch (error) {
    // A WAL or header this reader cannot follow: the store reads the file and reports what is wrong.
    if (error instanceof ScanRefused || error instanceof PitwallError) return 'careful';
    throw error;
  }
  const { leaves } = request.plan;
  const chunks = workerScript === undefined ? runScanRequest({ ...request, leaves }) : await scanOnTwoThreads(request, workerScript);
  if (!sameSqliteFingerprint(before, sqliteFingerprint(path))) return 'changed';
  const columns = assembleChunks(chunks, features, metadata);
  return columns === undefined ? 'careful' : { columns };
}

/** This thread decodes the first half of the leaves while a worker decodes the second. */
async function scanOnTwoThreads(request: Omit<ScanRequest, 'leaves'>, workerScript: string): Promise<ScanChunk[]> {
  const worker = startWorker(workerScript);
  try {
    const failed = new Promise<never>((_, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the scan worker stopped (exit code ${code})`)));
    });
    // Awaited only while the worker works: stopping it afterwards (or before it was needed) is no failure.
    failed.catch(() => undefined);
    const { leaves } = request.plan;
    const half = Math.ceil(leaves.length / 2);
    const remote = Promise.race([new Promise<ScanChunk[]>((resolve) => worker.once('message', resolve)), failed]);
    worker.postMessage({ ...request, leaves: leaves.slice(half) } satisfies ScanRequest);
    const local = runScanRequest({ ...request, leaves: leaves.slice(0, half) });
    return [...local, ...(await remote)];
  } finally {
    await worker.terminate();
  }
}
