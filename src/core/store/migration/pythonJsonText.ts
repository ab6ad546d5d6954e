/**
 * JSON columns as SQLAlchemy writes them: `json.dumps` of what Python's `json.loads` read from the
 * JSONL line. JSON.parse loses three things Python keeps: a float that is integral (`31.0` reads as
 * 31 and would print `31`), an integer beyond 2^53, and the order of keys like "2" (JavaScript puts
 * array-index keys first). A line that may hold one of them is parsed again here, the way Python does.
 */
import { PyFloat, toPythonJson, type PyJson } from '../../model/pythonJson';

/**
 * Where such a value may be: a number after a structural character that is an integral float
 * (`1.0`, `-0.0`) or has an exponent, an integer of 16 or more digits, or an array-index-like key.
 * Text inside strings can match too, which only costs a slower parse with the same result.
 */
const MAY_DIFFER = /[:,[\s]-?(?:\d+\.0+(?![0-9])|\d+(?:\.\d+)?[eE]|\d{16})|[{,]\s*"(?:0|[1-9]\d{0,9})"\s*:/;

const TOKEN = /\s*(?:([{}[\],:])|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null))/y;

type Frame = { readonly items: PyJson[] } | { readonly entries: Map<string, PyJson>; key: string | undefined };

/**
 * Python's `json.loads` of a JSON text that JSON.parse accepted: floats as PyFloat, integers beyond
 * 2^53 as bigint, objects as Maps (a repeated key keeps its first place and its last value, as in a
 * dict). Iterative, so any depth JSON.parse took is safe.
 */
export function parseJsonAsPython(text: string): PyJson {
  const stack: Frame[] = [];
  let position = 0;
  for (;;) {
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (match === null) throw new SyntaxError(`Unexpected JSON at position ${position}`);
    position = TOKEN.lastIndex;
    const [, punctuation, string, number, word] = match;
    let value: PyJson;
    if (punctuation === '{') {
      stack.push({ entries: new Map(), key: undefined });
      continue;
    } else if (punctuation === '[') {
      stack.push({ items: [] });
      continue;
    } else if (punctuation === ',' || punctuation === ':') {
      continue;
    } else if (punctuation !== undefined) {
      const frame = stack.pop() as Frame;
      value = 'items' in frame ? frame.items : frame.entries;
    } else if (string !== undefined) {
      value = JSON.parse(string) as string;
      const top = stack.at(-1);
      if (top !== undefined && 'entries' in top && top.key === undefined) {
        top.key = value;
        continue;
      }
    } else if (number !== undefined) {
      value = /[.eE]/.test(number) ? new PyFloat(Number(number)) : pythonInt(number);
    } else {
      value = word === 'true' ? true : word === 'false' ? false : null;
    }
    const top = stack.at(-1);
    if (top === undefined) return value;
    if ('items' in top) top.items.push(value);
    else {
      top.entries.set(top.key as string, value);
      top.key = undefined;
    }
  }
}

function pythonInt(digits: string): number | bigint {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : BigInt(digits);
}

/** A JSON text as Python reads it, or undefined when JSON.parse reads it alike (the usual case, checked quickly). */
export function pythonReadingOf(text: string): PyJson | undefined {
  return MAY_DIFFER.test(text) ? parseJsonAsPython(text) : undefined;
}

/**
 * The JSON text of a record's free-form field: `value` as the record holds it, unless Python's reading
 * of the whole record (`exact`, from pythonReadingOf) says more. A field that held JSON text is read as JSON.
 */
export function pythonJsonText(value: PyJson, exact: PyJson | undefined, field: string): string {
  const python = exact instanceof Map ? (exact as ReadonlyMap<string, PyJson>).get(field) : undefined;
  if (python === undefined) return toPythonJson(value);
  return toPythonJson(typeof python === 'string' ? parseJsonAsPython(python) : python);
}
