/**
 * One record at a boundary (a JSONL line, a JSON array element, a SQL row): validated by its
 * zod schema into a typed value, with its layout (key order, unknown keys, timestamp encodings)
 * kept beside it for a writer that must reproduce what it read.
 */
import type { z } from 'zod';
import { messages } from '../messages';
import { describeValue, isPlainObject } from './json';
import { parseTimestamp, type TimestampEncoding } from './timestamps';

export interface RecordSpec<S extends z.ZodObject = z.ZodObject> {
  readonly schema: S;
  /** The schema's keys in the order the Python system writes them. */
  readonly keys: readonly string[];
  readonly timestampFields: readonly string[];
}

export type RecordOf<S extends RecordSpec> = z.output<S['schema']>;

/** How a record was spelled at its source, apart from its typed value. */
export interface RecordLayout {
  /** Every key of the source object, in source order, known or not. */
  readonly keys: readonly string[];
  /** The values of keys the schema does not know, in a null-prototype object. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** The encoding of each timestamp field that held a value. */
  readonly timestamps: Readonly<Record<string, TimestampEncoding>>;
}

export interface FieldIssue {
  /** Dotted path of the field (`features.track_temp`), or '' for the record as a whole. */
  readonly field: string;
  readonly reason: string;
}

export type RecordParse<T> =
  | { readonly ok: true; readonly value: T; readonly layout: RecordLayout; readonly unknownKeys: readonly string[] }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

export function defineRecord<S extends z.ZodObject>(
  schema: S,
  timestampFields: readonly (keyof z.output<S> & string)[],
): RecordSpec<S> {
  return { schema, keys: Object.keys(schema.shape), timestampFields };
}

/** Validates one record; never throws, whatever the input. */
export function parseRecord<S extends RecordSpec>(spec: S, input: unknown): RecordParse<RecordOf<S>> {
  if (!isPlainObject(input)) {
    return { ok: false, issues: [{ field: '', reason: messages.recordNotObject(describeValue(input)) }] };
  }
  const result = spec.schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.'),
      reason: issue.message,
    }));
    return { ok: false, issues };
  }
  const unknownKeys = Object.keys(input).filter((key) => !spec.keys.includes(key));
  return { ok: true, value: result.data as RecordOf<S>, layout: layoutOf(spec, input, unknownKeys), unknownKeys };
}

/**
 * The layout of a record whose keys are all known to the schema (a fast path that checked the
 * fields itself uses it): what parseRecord gives for such a record.
 */
export function layoutOfKnownKeys(spec: RecordSpec, input: Record<string, unknown>): RecordLayout {
  return layoutOf(spec, input, []);
}

/** A sentence naming the field and what is wrong with it. */
export function describeIssue(issue: FieldIssue): string {
  return messages.fieldIssue(issue.field, issue.reason);
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null) as Record<string, unknown>);
/** Layouts of records spelled exactly like the schema, shared by all such records of a kind. */
const canonicalLayouts = new WeakMap<RecordSpec, Map<number, RecordLayout>>();
/** Every encoding numbered from 1 (the type makes this list complete). */
const ENCODING_CODES: Readonly<Record<TimestampEncoding, number>> = { 'unix-seconds': 1, 'iso-8601': 2, 'sqlalchemy-text': 3 };
const ENCODING_BASE = Object.keys(ENCODING_CODES).length + 1;
const MAX_CANONICAL_LAYOUTS = 32;

function layoutOf(spec: RecordSpec, input: Record<string, unknown>, unknownKeys: readonly string[]): RecordLayout {
  // Most records are spelled exactly like the schema: their layout is shared, found by the
  // encodings of their timestamps, and making it allocates nothing per record.
  let canonical = unknownKeys.length === 0;
  if (canonical) {
    let i = 0;
    for (const key in input) {
      if (key !== spec.keys[i++]) {
        canonical = false;
        break;
      }
    }
    canonical &&= i === spec.keys.length;
  }
  // The signature numbers the timestamp fields' encodings (0 for a field that is not a timestamp).
  let signature = 0;
  const encodings: (TimestampEncoding | undefined)[] = [];
  for (const field of spec.timestampFields) {
    const parsed = parseTimestamp(input[field]);
    const encoding = parsed.ok ? parsed.encoding : undefined;
    encodings.push(encoding);
    signature = signature * ENCODING_BASE + (encoding === undefined ? 0 : ENCODING_CODES[encoding]);
  }
  const timestamps = (): Record<string, TimestampEncoding> => {
    const byField = Object.create(null) as Record<string, TimestampEncoding>;
    spec.timestampFields.forEach((field, i) => {
      const encoding = encodings[i];
      if (encoding !== undefined) byField[field] = encoding;
    });
    return byField;
  };
  if (!canonical) {
    const extra = Object.create(null) as Record<string, unknown>;
    for (const key of unknownKeys) extra[key] = input[key];
    return { keys: Object.keys(input), extra, timestamps: timestamps() };
  }
  let shared = canonicalLayouts.get(spec);
  if (shared === undefined) {
    shared = new Map();
    canonicalLayouts.set(spec, shared);
  }
  const known = shared.get(signature);
  if (known !== undefined) return known;
  const layout: RecordLayout = Object.freeze({ keys: spec.keys, extra: EMPTY, timestamps: Object.freeze(timestamps()) });
  if (shared.size < MAX_CANONICAL_LAYOUTS) shared.set(signature, layout);
  return layout;
}

