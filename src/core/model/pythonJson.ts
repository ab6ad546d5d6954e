/**
 * JSON text exactly as Python's `json.dumps` writes it, so that files Pitwall writes next to
 * the Python monitoring system (JSONL lines, `alert_rules.json`, SQLAlchemy JSON columns) are
 * byte-identical to what that system would have written.
 *
 * JavaScript numbers cannot tell `1` from `1.0`, so Python floats are marked with `PyFloat`;
 * a plain number prints as an int when it is integral and as a float otherwise.
 */
import { randomUUID } from 'node:crypto';

/** A number that Python holds as a `float` (prints `1.0`, not `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export function pyFloat(n: number): PyFloat {
  return new PyFloat(n);
}

/**
 * Anything `toPythonJson` can write. Plain objects keep JavaScript's key order, which is
 * insertion order except that integer-like keys ("1", "42") come first; use a `Map` when
 * such keys must keep their insertion order.
 */
export type PyJson =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | readonly PyJson[]
  | ReadonlyMap<string, PyJson>
  | { readonly [key: string]: PyJson };

export interface PythonJsonOptions {
  /** As `json.dumps(obj, indent=n)`: newlines, n spaces a level, and `,` without a trailing space. */
  indent?: number;
}

/**
 * A float as `json.dumps` writes it: Python's `repr` (shortest round-trip digits, exponent form
 * when the decimal exponent is < -4 or >= 16) and `NaN` / `Infinity` / `-Infinity`.
 * For finite values this is also what `str(x)` and f-strings print.
 */
export function formatPythonFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(n);
  // JavaScript and Python pick the same shortest digits; they differ only in where they switch
  // to exponent form (JavaScript: 1e-7 and 1e21), so inside Python's fixed range toString is right.
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    const text = String(n);
    return text.includes('.') ? text : `${text}.0`;
  }
  const exponential = magnitude.toExponential();
  const e = exponential.indexOf('e');
  const mantissa = exponential.slice(0, e);
  const exponentSign = exponential[e + 1];
  const exponentDigits = exponential.slice(e + 2).padStart(2, '0');
  return `${n < 0 ? '-' : ''}${mantissa}e${exponentSign}${exponentDigits}`;
}

/** An int as Python prints it: all digits, never exponent form. */
export function formatPythonInt(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Math.abs(n) < 1e21) return n === 0 ? '0' : String(n);
  return BigInt(n).toString();
}

const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const ESCAPABLE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function escapeCodeUnit(unit: string): string {
  return SHORT_ESCAPES[unit] ?? `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * A string literal as `json.dumps` writes it with `ensure_ascii=True`: everything outside
 * printable ASCII as `\uXXXX` (lowercase hex), astral characters as surrogate pairs.
 */
export function quotePythonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return `"${s.replace(ESCAPABLE, escapeCodeUnit)}"`;
}

/** `json.dumps(value)` with default arguments, or with `indent` when given. */
export function toPythonJson(value: PyJson, options: PythonJsonOptions = {}): string {
  const { indent } = options;
  return indent === undefined ? writeCompact(value, []) : writeIndented(value, [], indent, 0);
}

type PyContainer = Exclude<PyJson, null | boolean | number | bigint | string | PyFloat>;

function describeType(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return typeof value;
}

function notSerializable(value: unknown): TypeError {
  return new TypeError(`Object of type ${describeType(value)} is not JSON serializable`);
}

/** The text of a scalar, or undefined for a container. */
function writeScalar(value: PyJson): string | undefined {
  switch (typeof value) {
    case 'string':
      return quotePythonString(value);
    case 'number':
      return Number.isInteger(value) ? formatPythonInt(value) : formatPythonFloat(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      if (value instanceof PyFloat) return formatPythonFloat(value.value);
      return undefined;
    default:
      throw notSerializable(value);
  }
}

/** What kind of container a value is; throws for objects Python could not have written. */
function kindOf(value: PyContainer): 'list' | 'map' | 'object' {
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map) {
    for (const key of (value as ReadonlyMap<unknown, PyJson>).keys()) {
      if (typeof key !== 'string') throw new TypeError(`keys must be str, not ${typeof key}`);
    }
    return 'map';
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw notSerializable(value);
  return 'object';
}

/** Calls `visit` for each key and value in order; plain objects are walked without allocating. */
function forEachEntry(value: PyContainer, kind: 'map' | 'object', visit: (key: string, item: PyJson, index: number) => void): void {
  let index = 0;
  if (kind === 'map') {
    for (const [key, item] of value as ReadonlyMap<string, PyJson>) visit(key, item, index++);
    return;
  }
  const record = value as { readonly [key: string]: PyJson };
  for (const key in record) if (Object.hasOwn(record, key)) visit(key, record[key] as PyJson, index++);
}

// `open` holds the containers being written, as Python's circular-reference check does.
function enter(value: PyContainer, open: PyContainer[]): void {
  if (open.includes(value)) throw new TypeError('Circular reference detected');
  open.push(value);
}

function writeCompact(value: PyJson, open: PyContainer[]): string {
  const scalar = writeScalar(value);
  if (scalar !== undefined) return scalar;
  const container = value as PyContainer;
  enter(container, open);
  const kind = kindOf(container);
  let text: string;
  if (kind === 'list') {
    const items = container as readonly PyJson[];
    text = '[';
    for (let i = 0; i < items.length; i++) text += (i > 0 ? ', ' : '') + writeCompact(items[i] as PyJson, open);
    text += ']';
  } else {
    text = '{';
    forEachEntry(container, kind, (key, item, i) => {
      text += (i > 0 ? ', ' : '') + quotePythonString(key) + ': ' + writeCompact(item, open);
    });
    text += '}';
  }
  open.pop();
  return text;
}

function writeIndented(value: PyJson, open: PyContainer[], indent: number, depth: number): string {
  const scalar = writeScalar(value);
  if (scalar !== undefined) return scalar;
  const container = value as PyContainer;
  enter(container, open);
  const kind = kindOf(container);
  const inner = `\n${' '.repeat(indent * (depth + 1))}`;
  let text = '';
  if (kind === 'list') {
    const items = container as readonly PyJson[];
    for (let i = 0; i < items.length; i++) text += (i > 0 ? ',' : '') + inner + writeIndented(items[i] as PyJson, open, indent, depth + 1);
  } else {
    forEachEntry(container, kind, (key, item, i) => {
      text += (i > 0 ? ',' : '') + inner + quotePythonString(key) + ': ' + writeIndented(item, open, indent, depth + 1);
    });
  }
  open.pop();
  const [begin, end] = kind === 'list' ? ['[', ']'] : ['{', '}'];
  // Python writes empty containers as `[]` and `{}` even when indenting.
  return text === '' ? begin + end : `${begin}${text}\n${' '.repeat(indent * depth)}${end}`;
}

const NON_FINITE = /-?(?:NaN|Infinity)/y;

/**
 * JSON as Python's json.dumps writes it, NaN and ±Infinity included: each bare word outside a
 * string becomes a marker string, then the number again, so each rule is checked on its own.
 */
export function parsePythonJson(text: string): unknown {
  const marker = `\u0000non-finite-${randomUUID()}:`;
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x4e || c === 0x49 || c === 0x2d) {
      NON_FINITE.lastIndex = i;
      const token = NON_FINITE.exec(text)?.[0];
      if (token !== undefined) {
        out += `${text.slice(last, i)}${JSON.stringify(marker + token)}`;
        last = i + token.length;
        i = last - 1;
      }
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(marker) ? Number(value.slice(marker.length)) : value,
  );
}
