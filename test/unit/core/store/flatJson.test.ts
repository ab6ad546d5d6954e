import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import * as scan from '../../../../src/core/store/sqlite/predictionScan';

// ---------------------------------------------------------------------------------------------
// The oracle: the previous implementation of the validators (src/core/store/sqlite/predictionScan.ts
// before they were rewritten over local variables), kept verbatim but for `export`. The new ones
// must give the same answer on every input, and leave the same `members` and `brackets`.
// ---------------------------------------------------------------------------------------------
// The JSON validator's cursor: module state rather than closures, so a million calls allocate nothing.
let json: Uint8Array = new Uint8Array(0);
let at = 0;
let end = 0;
/** `{` and `[` met by the last validation, in strings too: the audit's tests count them so. */
let brackets = 0;
/** Members of the object the last flat validation read. */
let members = 0;

function skipSpace(): void {
  while (at < end) {
    const c = json[at] as number;
    if (c === 32 || c === 9 || c === 10 || c === 13) at++;
    else break;
  }
}

function jsonLiteral(word: string): boolean {
  for (let k = 0; k < word.length; k++) if (json[at + k] !== word.charCodeAt(k)) return false;
  at += word.length;
  return true;
}

function jsonString(): boolean {
  at++;
  while (at < end) {
    const c = json[at++] as number;
    if (c === 34) return true;
    if (c < 32) return false;
    if (c === 123 || c === 91) brackets++;
    if (c === 92) {
      const e = json[at++];
      if (e === 117) {
        for (let k = 0; k < 4; k++) {
          const h = json[at++] as number;
          if (!((h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) return false;
        }
      } else if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return false;
    }
  }
  return false;
}

function jsonDigits(): number {
  const from = at;
  while (at < end && (json[at] as number) >= 48 && (json[at] as number) <= 57) at++;
  return at - from;
}

function jsonNumber(): boolean {
  if (json[at] === 45) at++;
  if (json[at] === 48) at++;
  else if (jsonDigits() === 0) return false;
  if (json[at] === 46) {
    at++;
    if (jsonDigits() === 0) return false;
  }
  const c = json[at];
  return c !== 101 && c !== 69;
}

function jsonValue(depth: number, maxDepth: number): boolean {
  skipSpace();
  if (at >= end) return false;
  const c = json[at] as number;
  if (c === 123 || c === 91) {
    brackets++;
    if (depth >= maxDepth) return false;
    const close = c === 123 ? 125 : 93;
    at++;
    skipSpace();
    if (json[at] === close) {
      at++;
      return true;
    }
    for (;;) {
      if (c === 123) {
        skipSpace();
        if (json[at] !== 34 || !jsonString()) return false;
        skipSpace();
        if (json[at++] !== 58) return false;
      }
      if (!jsonValue(depth + 1, maxDepth)) return false;
      skipSpace();
      const next = json[at++];
      if (next === close) return true;
      if (next !== 44) return false;
    }
  }
  if (c === 34) return jsonString();
  if (c === 116) return jsonLiteral('true');
  if (c === 102) return jsonLiteral('false');
  if (c === 110) return jsonLiteral('null');
  return jsonNumber();
}

/**
 * Whether `bytes[start, stop)` is one JSON value as RFC 8259 (and SQLite's json_valid) defines
 * it, nesting at most `maxDepth`; numbers with an exponent are refused (SQLite takes 1e400,
 * JavaScript makes it Infinity), so that such a row takes the careful path.
 */
function isPlainJson(bytes: Uint8Array, start: number, stop: number, maxDepth: number): boolean {
  json = bytes;
  at = start;
  end = stop;
  brackets = 0;
  const ok = jsonValue(0, maxDepth);
  skipSpace();
  return ok && at === end;
}

/**
 * Whether `bytes[start, stop)` is a JSON object of scalars with no other `{` or `[`, even in a
 * string: the audit's test for features (text starting with `{`, no `[`, no later `{`, json_valid).
 */
function isFlatJsonObject(bytes: Uint8Array, start: number, stop: number): boolean {
  json = bytes;
  at = start;
  end = stop;
  brackets = 0;
  members = 0;
  if (json[at] !== 123) return false;
  at++;
  skipSpace();
  if (json[at] === 125) {
    at++;
    skipSpace();
    return at === end;
  }
  for (;;) {
    if (json[at] !== 34 || !jsonString()) return false;
    members++;
    skipSpace();
    if (json[at++] !== 58) return false;
    skipSpace();
    const c = json[at];
    const ok = c === 34 ? jsonString() : c === 116 ? jsonLiteral('true') : c === 102 ? jsonLiteral('false') : c === 110 ? jsonLiteral('null') : jsonNumber();
    if (!ok) return false;
    skipSpace();
    const next = json[at++];
    if (next === 125) {
      skipSpace();
      return at === end && brackets === 0;
    }
    if (next !== 44) return false;
    skipSpace();
  }
}
// --------------------------------------------------------------------------- end of the oracle

const encoder = new TextEncoder();
const DEPTHS = [0, 1, 2, 64];

/** What a validation answers and leaves behind. */
interface Outcome {
  readonly flat: boolean;
  readonly members: number;
  readonly flatBrackets: number;
  readonly plain: readonly (readonly [boolean, number])[];
}

function previous(bytes: Uint8Array, start: number, stop: number): Outcome {
  const flat = isFlatJsonObject(bytes, start, stop);
  const left = { members, flatBrackets: brackets };
  const plain = DEPTHS.map((depth) => [isPlainJson(bytes, start, stop, depth), brackets] as const);
  return { flat, ...left, plain };
}

function current(bytes: Uint8Array, start: number, stop: number): Outcome {
  const flat = scan.isFlatJsonObject(bytes, start, stop);
  const left = { members: scan.members, flatBrackets: scan.brackets };
  const plain = DEPTHS.map((depth) => [scan.isPlainJson(bytes, start, stop, depth), scan.brackets] as const);
  return { flat, ...left, plain };
}

/** Texts the flat validator accepted: the generators must reach both answers. */
let accepted = 0;

function show(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes).toString('latin1'));
}

/** The new validators agree with the old on `bytes[start, stop)`. */
function agreeOn(bytes: Uint8Array, start: number, stop: number): void {
  const expected = previous(bytes, start, stop);
  assert.deepEqual(current(bytes, start, stop), expected, `${show(bytes)} [${start}, ${stop})`);
  if (expected.flat) accepted++;
}

/**
 * Agreement on `text` alone, inside a larger buffer whose bytes around it would change the answer
 * if read, and on sub-ranges cut from that buffer (some reaching past its end).
 */
function agree(text: Uint8Array, prefix: Uint8Array, suffix: Uint8Array, cut: readonly [number, number]): void {
  agreeOn(text, 0, text.length);
  const buffer = new Uint8Array(prefix.length + text.length + suffix.length);
  buffer.set(prefix, 0);
  buffer.set(text, prefix.length);
  buffer.set(suffix, prefix.length + text.length);
  agreeOn(buffer, prefix.length, prefix.length + text.length);
  const start = cut[0] % (buffer.length + 1);
  agreeOn(buffer, start, start + (cut[1] % (buffer.length + 3 - start)));
}

const bytesOf = (text: string): Uint8Array => encoder.encode(text);

/** Bytes that would turn a cut text valid, or keep a number going, were they read. */
const spoiler = fc.uint8Array({ maxLength: 6 }).chain((random) =>
  fc.array(fc.constantFrom(...'}],"e0.1 :u{['.split('').map((ch) => ch.charCodeAt(0)), ...random), { maxLength: 6 }).map((list) => Uint8Array.from(list)),
);
const surroundings = fc.tuple(spoiler, spoiler, fc.tuple(fc.nat(), fc.nat()));

const whitespace = fc.array(fc.constantFrom('', '', '', ' ', '\t', '\n', '\r', '  ', ' \n\t\r', '\u000b', '\u00a0', '\f'), { minLength: 64, maxLength: 64 });

/** JSON text of `value` with white space (and sometimes what only looks like it) between tokens. */
function render(value: unknown, spaces: readonly string[]): string {
  let n = 0;
  const ws = (): string => spaces[n++ % spaces.length] as string;
  const go = (v: unknown): string => {
    if (Array.isArray(v)) return `[${ws()}${v.map((x) => `${ws()}${go(x)}${ws()}`).join(',')}${ws()}]`;
    if (v !== null && typeof v === 'object') return `{${ws()}${Object.entries(v).map(([k, x]) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${go(x)}${ws()}`).join(',')}${ws()}}`;
    return JSON.stringify(v) ?? 'null';
  };
  return `${ws()}${go(value)}${ws()}`;
}

const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('track_temp', 'circuit', 'grid_position', 'a', '', '{', '[', 'a"b', 'é', '\u0000'));
const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -1000, max: 1000, noNaN: true }).map((x) => Math.round(x * 1000) / 1000),
  fc.boolean(),
  fc.constant(null),
);
const flatObject = fc.dictionary(key, scalar, { maxKeys: 8 });
const jsonText = fc.oneof(
  fc.tuple(flatObject, whitespace).map(([value, spaces]) => render(value, spaces)),
  fc.tuple(flatObject, whitespace).map(([value, spaces]) => render(value, spaces).trim()),
  flatObject.map((value) => JSON.stringify(value)),
  fc.tuple(fc.object({ maxDepth: 3 }), whitespace).map(([value, spaces]) => render(value, spaces)),
  fc.tuple(fc.jsonValue({ maxDepth: 4 }), whitespace).map(([value, spaces]) => render(value, spaces)),
  fc.json({ maxDepth: 3 }),
);

/** A byte with JSON's punctuation, digits, letters of its literals, control and non-ASCII bytes more likely. */
const likelyByte = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'{}[]":,\\ \t\n\r0123456789eE.+-tfnrulasb/'.split('').map((ch) => ch.charCodeAt(0))) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 31 }) },
  { weight: 1, arbitrary: fc.integer({ min: 127, max: 255 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
type Mutation = { kind: 'insert' | 'delete' | 'replace' | 'truncate'; at: number; byte: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constantFrom('insert', 'delete', 'replace', 'truncate'), at: fc.nat(), byte: likelyByte });

function mutate(text: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  const bytes = [...text];
  for (const { kind, at: where, byte } of mutations) {
    const k = where % (bytes.length + 1);
    if (kind === 'insert') bytes.splice(k, 0, byte);
    else if (kind === 'delete') bytes.splice(k, 1);
    else if (kind === 'replace' && k < bytes.length) bytes[k] = byte;
    else if (kind === 'truncate') bytes.length = k;
  }
  return Uint8Array.from(bytes);
}

/** Pieces of JSON-like text: punctuation, escapes (good and bad), literals, numbers, control and non-UTF-8 bytes. */
const piece = fc.oneof(
  fc.constantFrom(
    ...['{', '}', '[', ']', '"', ':', ',', '\\', ' ', '\t', '\n', '\r', '\f', '0', '1', '9', '-', '+', '.', 'e', 'E', 't', 'f', 'n', 'r', 'u', 'l', 'true', 'false', 'null', 'tru', 'nul', 'fals'].map(bytesOf),
    ...['"a"', '"key":', '{"a":', ', "b": ', '\\u00e9', '\\u12G4', '\\uFFFF', '\\"', '\\\\', '\\/', '\\b', '\\x', '\\u', '12.5', '-0', '01', '1e5', '1.', '.5', '-', 'é', '€', '😀'].map(bytesOf),
    Uint8Array.of(0), Uint8Array.of(0x1f), Uint8Array.of(0x7f), Uint8Array.of(0x80), Uint8Array.of(0xc3), Uint8Array.of(0xff), Uint8Array.of(0xed, 0xa0, 0x80),
  ),
  likelyByte.map((byte) => Uint8Array.of(byte)),
);
const pieces = fc.array(piece, { maxLength: 40 }).map((list) => {
  const out = new Uint8Array(list.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of list) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
});

/** The inside of a JSON string as raw text: escapes right and wrong (hex digits and their neighbours), controls, non-ASCII. */
const rawStringContent = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', 'Z', '_', ' ', '{', '[', '}', ']', ':', ',', 'é', '😀', '\u0000', '\u001f', '\u007f', '\t', '\n', '"', '\\\\', '\\/', '\\b', '\\f', '\\r', '\\t', '\\n', '\\"'),
      fc.tuple(fc.constantFrom('\\', '\\u'), fc.string({ unit: fc.constantFrom(...'0189aAfFgG/:@`"\\ u'.split('')), minLength: 0, maxLength: 4 })).map(([a, b]) => a + b),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));
/** A number as raw text: signs, leading zeros, fractions and exponents, right and wrong. */
const rawNumber = fc
  .tuple(fc.constantFrom('', '-', '+', '--'), fc.constantFrom('0', '1', '9', '00', '01', '10', '123', ''), fc.constantFrom('', '', '.', '.0', '.5', '.05', '..1'), fc.constantFrom('', '', '', 'e', 'E', 'e5', 'E+1', 'e-2', '.'))
  .map((parts) => parts.join(''));
const rawValue = fc.oneof(rawStringContent.map((t) => `"${t}"`), rawNumber, fc.constantFrom('true', 'false', 'null', 'tru', 'nul', 'nulll', 'True', '{}', '[]', '[1]', '{"b":1}', ''));
const rawSpace = fc.constantFrom('', '', '', ' ', '\t', '\n', '\r', '\f', '\u000b');
/** Text shaped like a flat object whose strings and numbers are random text: mostly a few bytes from valid. */
const rawFlat = fc
  .tuple(fc.array(fc.tuple(rawSpace, rawStringContent, rawSpace, rawSpace, rawValue, rawSpace), { maxLength: 5 }), rawSpace, fc.constantFrom(',', ',', ',', ',', ', ', ',,', ''))
  .map(([entries, space, comma]) => `{${space}${entries.map(([s1, k, s2, s3, v, s4]) => `${s1}"${k}"${s2}:${s3}${v}${s4}`).join(comma)}}`);

describe('the flat JSON validators (isFlatJsonObject, isPlainJson) agree with their previous implementation', function () {
  this.timeout(60_000);

  it('on a hand list of edge cases, alone and inside larger buffers', function () {
    const cases = [
      '', ' ', '{', '}', '{}', ' {}', '{} ', ' {} ', '{ }', '{\t\n\r}', '{}\u000b', '{}}', '{}{}', '[]', '[1]', '"a"', '1', 'null',
      '{"a":1}', '{"a":1e5}', '{"a":1E5}', '{"a":1.5e-3}', '{"a":-0}', '{"a":-}', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":+1}', '{"a":-01.10}',
      '{"a":"\\u0000"}', '{"\\u00G0":1}', '{"\\u00g0":1}', '{"\\u00:0":1}', '{"\\u00/0":1}', '{"\\u00@0":1}', '{"\\u00`0":1}', '{"\\uAbCf":1}', '{"a":"\\uAbCf"}', '"\\u00G0"', '"\\uaBcD"', '{"a":"\\u00e9\\uD83D\\uDE00"}', '{"a":"\\u00G0"}', '{"a":"\\u00"}', '{"a":"\\x"}', '{"a":"\\/\\b\\f\\n\\r\\t\\"\\\\"}',
      '{"a":"\u0000"}', '{"a":"\u001f"}', '{"a":"\u007f"}', '{"a":"\t"}', '{"\n":1}', '{"a":"é€😀"}',
      '{"a":{}}', '{"a":[1]}', '{"a":[]}', '{"a":"{"}', '{"a":"["}', '{"{":1}', '{"a":"}"}', '{"a":1,}', '{,"a":1}', '{"a":1,,"b":2}', '{"a" 1}', '{"a"::1}', '{a:1}',
      '{"a":1,"a":2}', '{"a":1,"b":2,"a":3}', '{"a":true,"b":false,"c":null}', '{"a":tru}', '{"a":nulll}', '{"a":True}', '{"a":1 2}', '{"a":"b" "c"}',
      '{"a":1}x', '{"a":1} ', ' {"a":1}', '{ "a" : 1 , "b" : "x" }', '{"grid_position": 10, "track_temp": 28.314, "circuit": "suzuka"}', '{"race_id": 0, "source": "sim"}',
      `{"a":"${'x'.repeat(100_000)}"}`, `{"${'k'.repeat(70_000)}":${'9'.repeat(5000)}.${'1'.repeat(5000)}}`, `{${Array.from({ length: 2000 }, (_, k) => `"k${k}":${k}`).join(',')}}`,
      '[[[[[[]]]]]]', '{"a":{"b":{"c":{}}}}', `${'['.repeat(70)}${']'.repeat(70)}`, '[1,]', '[,1]', '[1 2]', '{"a":[1,{"b":null}],"c":"d"}',
    ];
    const texts = [...cases.map(bytesOf), Uint8Array.of(123, 34, 97, 34, 58, 34, 0xff, 0xfe, 34, 125), Uint8Array.of(123, 34, 0xc3, 34, 58, 49, 125), Uint8Array.of(123, 34, 97, 34, 58, 34, 0xed, 0xa0, 0x80, 34, 125)];
    const spoilers = ['', '}', 'e', '0', '"', ' ', ',', 'e5}', '0}', 'ue}', '"}', ' }', ':1}'].map(bytesOf);
    const from = accepted;
    for (const text of texts) {
      // The long texts with fewer neighbours: each comparison reads them ten times.
      const around = text.length > 1000 ? spoilers.slice(0, 3) : spoilers;
      for (const prefix of around) {
        for (const suffix of around) {
          const buffer = new Uint8Array(prefix.length + text.length + suffix.length);
          buffer.set(prefix, 0);
          buffer.set(text, prefix.length);
          buffer.set(suffix, prefix.length + text.length);
          agreeOn(buffer, prefix.length, prefix.length + text.length);
        }
      }
      agreeOn(text, 0, text.length);
      // Cut short, started late, and reaching past the buffer's end.
      for (let k = 0; k <= Math.min(text.length, text.length > 1000 ? 8 : 80); k++) {
        agreeOn(text, 0, text.length - k);
        agreeOn(text, k, text.length);
        agreeOn(text, 0, text.length + k);
      }
    }
    agreeOn(new Uint8Array(0), 0, 0);
    agreeOn(bytesOf('{}'), 2, 2);
    agreeOn(bytesOf('{}'), 1, 0);
    agreeOn(bytesOf('{}'), -1, 2);
    assert.ok(accepted - from > 1000, 'the hand list has flat objects');
  });

  it('on JSON texts, flat and nested, with white space between their tokens', function () {
    const from = accepted;
    fc.assert(
      fc.property(jsonText, surroundings, (text, [prefix, suffix, cut]) => agree(bytesOf(text), prefix, suffix, cut)),
      { numRuns: 8000 },
    );
    // Both answers are reached: a generator that only ever made `false` would prove little.
    assert.ok(accepted - from > 1000, `${accepted - from} flat objects accepted`);
  });

  it('on those texts with bytes inserted, deleted, replaced, or cut off', function () {
    fc.assert(
      fc.property(jsonText, fc.array(mutation, { minLength: 1, maxLength: 4 }), surroundings, (text, mutations, [prefix, suffix, cut]) =>
        agree(mutate(bytesOf(text), mutations), prefix, suffix, cut),
      ),
      { numRuns: 8000 },
    );
  });

  it('on text shaped like flat objects, with random escapes, numbers and literals in it', function () {
    fc.assert(
      fc.property(rawFlat, surroundings, (text, [prefix, suffix, cut]) => agree(bytesOf(text), prefix, suffix, cut)),
      { numRuns: 8000 },
    );
  });

  it('on random bytes, and on random strings of JSON-like pieces', function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), surroundings, (bytes, [prefix, suffix, cut]) => agree(bytes, prefix, suffix, cut)),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(pieces, surroundings, (bytes, [prefix, suffix, cut]) => agree(bytes, prefix, suffix, cut)),
      { numRuns: 6000 },
    );
    fc.assert(
      fc.property(pieces, surroundings, (bytes, [prefix, suffix, cut]) => agree(Uint8Array.of(123, ...bytes, 125), prefix, suffix, cut)),
      { numRuns: 6000 },
    );
  });
});
