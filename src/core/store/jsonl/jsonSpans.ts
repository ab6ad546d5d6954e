/**
 * Where the members of a top-level JSON object, or the elements of a top-level array, lie in
 * their text, so a writer can replace one value and keep every other byte as it was written.
 * The text must already have been accepted by JSON.parse; the scan is iterative, so any nesting
 * depth is safe.
 */

export interface Span {
  readonly start: number;
  /** Just past the last character. */
  readonly end: number;
}

export interface MemberSpan {
  readonly key: string;
  readonly value: Span;
}

export interface ContainerSpans<T> {
  /** Index of the opening bracket. */
  readonly open: number;
  /** Index of the closing bracket. */
  readonly close: number;
  readonly items: readonly T[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function skipSpace(text: string, i: number): number {
  // A byte-order mark may start a file's first line.
  if (i === 0 && text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function expect(text: string, i: number, char: string): void {
  if (text[i] !== char) throw new SyntaxError(`expected ${char} at position ${i}`);
}

function stringEnd(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i++;
    else if (code === QUOTE) return i + 1;
  }
  throw new SyntaxError('unterminated string');
}

/** Just past the value that starts at `i`. */
function valueEnd(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return stringEnd(text, i);
  if (first === '{' || first === '[') {
    let depth = 0;
    while (i < text.length) {
      const char = text[i];
      if (char === '"') {
        i = stringEnd(text, i);
        continue;
      }
      if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError('unterminated container');
  }
  while (i < text.length && !isSpace(text.charCodeAt(i)) && !',]}'.includes(text[i] as string)) i++;
  return i;
}

function scan<T>(text: string, openChar: '{' | '[', item: (start: number) => { item: T; end: number }): ContainerSpans<T> {
  const closeChar = openChar === '{' ? '}' : ']';
  const open = skipSpace(text, 0);
  expect(text, open, openChar);
  const items: T[] = [];
  let i = skipSpace(text, open + 1);
  if (text[i] !== closeChar) {
    for (;;) {
      const next = item(i);
      items.push(next.item);
      i = skipSpace(text, next.end);
      if (text[i] === closeChar) break;
      expect(text, i, ',');
      i = skipSpace(text, i + 1);
    }
  }
  return { open, close: i, items };
}

export function objectSpans(text: string): ContainerSpans<MemberSpan> {
  return scan(text, '{', (start) => {
    expect(text, start, '"');
    const keyEnd = stringEnd(text, start);
    const key = JSON.parse(text.slice(start, keyEnd)) as string;
    let i = skipSpace(text, keyEnd);
    expect(text, i, ':');
    i = skipSpace(text, i + 1);
    const end = valueEnd(text, i);
    return { item: { key, value: { start: i, end } }, end };
  });
}

export function arraySpans(text: string): ContainerSpans<Span> {
  return scan(text, '[', (start) => {
    const end = valueEnd(text, start);
    return { item: { start, end }, end };
  });
}
