/**
 * Field codecs the record schemas are built from. Each accepts every encoding the formats use
 * for its field (JSON values from JSONL; TEXT timestamps, 0/1 booleans and JSON text from SQL
 * rows) and refuses anything else with a sentence from messages.ts, so a record's problems read
 * the same whichever store they came from. None of them recurses into the data it checks.
 */
import { z } from 'zod';
import { messages } from '../messages';
import { describeValue, exceedsDepth, isPlainObject, MAX_JSON_DEPTH, type JsonObject, type JsonValue } from './json';
import { parseTimestamp } from './timestamps';

/** What a codec returns to refuse a value. */
class Refusal {
  constructor(
    readonly reason: string,
    readonly path: readonly string[] = [],
  ) {}
}

function codec<T>(read: (value: unknown) => T | Refusal) {
  return z.unknown().transform((value, ctx): T => {
    const result = value === undefined ? new Refusal(messages.fieldMissing()) : read(value);
    if (result instanceof Refusal) {
      ctx.issues.push({ code: 'custom', message: result.reason, input: value, path: [...result.path] });
      return z.NEVER;
    }
    return result;
  });
}

function readNumber(value: unknown): number | Refusal {
  if (typeof value !== 'number') return new Refusal(messages.fieldWrongType('a number', describeValue(value)));
  if (!Number.isFinite(value)) return new Refusal(messages.fieldNotFinite(describeValue(value)));
  return value;
}

/** A timestamp in any encoding, as float seconds since the epoch (see timestamps.ts). */
export const timestamp = codec((value) => {
  const parsed = parseTimestamp(value);
  return parsed.ok ? parsed.seconds : new Refusal(parsed.reason);
});

export const finiteNumber = codec(readNumber);

export function numberBetween(min: number, max: number) {
  return codec((value) => {
    const n = readNumber(value);
    if (n instanceof Refusal) return n;
    return n >= min && n <= max ? n : new Refusal(messages.fieldOutOfRange(min, max, describeValue(n)));
  });
}

export const count = codec((value) => {
  const n = readNumber(value);
  if (n instanceof Refusal) return n;
  return Number.isSafeInteger(n) && n >= 0
    ? n
    : new Refusal(messages.fieldWrongType('a whole number ≥ 0', describeValue(n)));
});

export const text = codec((value) =>
  typeof value === 'string' ? value : new Refusal(messages.fieldWrongType('text', describeValue(value))),
);

export const nonEmptyText = codec((value) => {
  if (typeof value !== 'string') return new Refusal(messages.fieldWrongType('text', describeValue(value)));
  return value.length > 0 ? value : new Refusal(messages.fieldEmpty());
});

export function oneOf<const T extends string>(allowed: readonly T[]) {
  return codec((value) =>
    allowed.includes(value as T) ? (value as T) : new Refusal(messages.fieldNotOneOf(allowed, describeValue(value))),
  );
}

/** A binary class label: the number 0 or 1. */
export const binaryOutcome = codec((value) =>
  value === 0 || value === 1 ? value : new Refusal(messages.fieldNotOneOf([0, 1], describeValue(value))),
);

/** A boolean, also as SQLite's 0/1. */
export const flag = codec((value) => {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  return new Refusal(messages.fieldNotOneOf([true, false, 0, 1], describeValue(value)));
});

/** Free-form JSON as stored: a value, or JSON text in a SQL column. */
function readJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return new Refusal(messages.jsonTextInvalid(describeValue(value)));
  }
}

function readBoundedJson(value: unknown): JsonValue | Refusal {
  const json = readJson(value);
  if (json instanceof Refusal) return json;
  return exceedsDepth(json, MAX_JSON_DEPTH) ? new Refusal(messages.jsonTooDeep(MAX_JSON_DEPTH)) : (json as JsonValue);
}

/** Any JSON (a JSON column): strings are JSON text. */
export const json = codec(readBoundedJson);

/** A JSON object of anything (prediction metadata), or its JSON text. */
export const jsonObject = codec((value) => {
  const json = readBoundedJson(value);
  if (json instanceof Refusal) return json;
  return isPlainObject(json)
    ? (json as JsonObject)
    : new Refusal(messages.fieldWrongType('a JSON object', describeValue(json)));
});

export type FeatureValue = number | string | boolean | null;
/** A prediction's inputs by name; a null-prototype object, so any feature name is safe to look up. */
export type Features = Readonly<Record<string, FeatureValue>>;

export function isFeatureValue(value: unknown): value is FeatureValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Features: an object of numbers, strings, booleans or nulls, or its JSON text; copied into a null-prototype object. */
export const features = codec((value) => {
  const json = readJson(value);
  if (json instanceof Refusal) return json;
  if (!isPlainObject(json)) return new Refusal(messages.fieldWrongType('a JSON object', describeValue(json)));
  const copy: Record<string, FeatureValue> = Object.create(null) as Record<string, FeatureValue>;
  for (const [name, feature] of Object.entries(json)) {
    if (!isFeatureValue(feature)) {
      const reason =
        typeof feature === 'number'
          ? messages.fieldNotFinite(describeValue(feature))
          : messages.featureNotScalar(describeValue(feature));
      return new Refusal(reason, [name]);
    }
    copy[name] = feature;
  }
  return copy as Features;
});

/** A list of names from a fixed set (a rule's channels), or its JSON text. */
export function listOf<const T extends string>(allowed: readonly T[]) {
  return codec((value) => {
    const json = readJson(value);
    if (json instanceof Refusal) return json;
    if (!Array.isArray(json)) return new Refusal(messages.fieldWrongType('a JSON array', describeValue(json)));
    for (const [index, item] of json.entries()) {
      if (!allowed.includes(item as T))
        return new Refusal(messages.fieldNotOneOf(allowed, describeValue(item)), [String(index)]);
    }
    return json as readonly T[];
  });
}

/**
 * A rule's extra conditions: `min_value` and `max_value` (numbers or null) checked, any other
 * key kept as it was, in order, in a null-prototype object (so a `__proto__` key stays a key).
 */
export type RuleConditions = {
  readonly min_value?: number | null;
  readonly max_value?: number | null;
  readonly [other: string]: JsonValue | undefined;
};

export const RULE_CONDITION_KEYS: readonly string[] = ['min_value', 'max_value'];

/** Every key of `conditions` the alerting engine reads (alerting/ruleOptions.ts; a test keeps the two lists equal). */
export const ENGINE_CONDITION_KEYS: readonly string[] = [
  'window',
  'min_value',
  'max_value',
  'min_label_coverage',
  'model_versions',
  'segment',
  'baseline_window',
  'statistic',
  'feature',
  'resolve_notice',
  'query',
];

export const conditions = codec((value) => {
  const json = readBoundedJson(value);
  if (json instanceof Refusal) return json;
  if (!isPlainObject(json)) return new Refusal(messages.fieldWrongType('a JSON object', describeValue(json)));
  const copy: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>;
  for (const [key, item] of Object.entries(json)) {
    if (RULE_CONDITION_KEYS.includes(key) && item !== null) {
      const n = readNumber(item);
      if (n instanceof Refusal) return new Refusal(n.reason, [key]);
    }
    copy[key] = item as JsonValue;
  }
  return copy as RuleConditions;
});
