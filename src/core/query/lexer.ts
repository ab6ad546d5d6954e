/**
 * The tokens of PQL, Pitwall's query language (docs/pql.md). Every token carries its span
 * (UTF-16 offsets, end exclusive), so the parser, the CLI's caret and an editor's underline all
 * point at the same text. Lexing never throws: what cannot be a token becomes an error token
 * with a coded problem, and lexing goes on after it.
 */
import { messages } from '../messages';

export interface Span {
  readonly start: number;
  readonly end: number;
}

export type TokenKind = 'ident' | 'string' | 'number' | 'duration' | 'date' | 'punct' | 'newline' | 'eof' | 'error';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (for a string, its decoded value is `value`). */
  readonly text: string;
  readonly span: Span;
  /** A string's decoded value; a number's numeric value. */
  readonly value?: string | number;
}

/** A problem in a query: a code for programs, a sentence for people, an optional hint, and where. */
export interface QueryError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly span: Span;
}

export interface LexResult {
  readonly tokens: readonly Token[];
  readonly errors: readonly QueryError[];
}

const PUNCTUATION = ['..', '==', '!=', '<=', '>=', '|', '<', '>', '=', ',', '(', ')', ';', '.', '-', '*'] as const;
const DATE = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?/y;
const DURATION = /\d+[smhd](?![A-Za-z0-9_])/y;
const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const WORD_TAIL = /[A-Za-z0-9_]+/y;

function sticky(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

/** Splits a query into tokens; comments (`// …` to the end of the line) and blanks between tokens are dropped. */
export function lex(text: string): LexResult {
  const tokens: Token[] = [];
  const errors: QueryError[] = [];
  let at = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string | number) => {
    tokens.push({ kind, text: text.slice(start, end), span: { start, end }, ...(value === undefined ? {} : { value }) });
  };
  while (at < text.length) {
    const c = text[at] as string;
    if (c === '\n') {
      push('newline', at, at + 1);
      at++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') {
      at++;
      continue;
    }
    if (c === '/' && text[at + 1] === '/') {
      while (at < text.length && text[at] !== '\n') at++;
      continue;
    }
    if (c === '"' || c === "'") {
      at = readString(text, at, push, errors);
      continue;
    }
    if (c >= '0' && c <= '9') {
      const date = sticky(DATE, text, at);
      if (date !== undefined && date.length > 4) {
        push('date', at, at + date.length);
        at += date.length;
        continue;
      }
      const duration = sticky(DURATION, text, at);
      if (duration !== undefined) {
        push('duration', at, at + duration.length);
        at += duration.length;
        continue;
      }
      const number = sticky(NUMBER, text, at) as string;
      const tail = sticky(WORD_TAIL, text, at + number.length);
      if (tail !== undefined) {
        // `15min`, `2x`: a number run into a word is neither; say how durations are written.
        const end = at + number.length + tail.length;
        errors.push({ code: 'bad-literal', message: messages.pqlBadLiteral(text.slice(at, end)), hint: messages.pqlDurationHint(), span: { start: at, end } });
        push('error', at, end);
        at = end;
        continue;
      }
      push('number', at, at + number.length, Number(number));
      at += number.length;
      continue;
    }
    const word = sticky(IDENT, text, at);
    if (word !== undefined) {
      push('ident', at, at + word.length);
      at += word.length;
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, at));
    if (punct !== undefined) {
      push('punct', at, at + punct.length);
      at += punct.length;
      continue;
    }
    // One code point, not half of a surrogate pair.
    const width = (c.codePointAt(0) ?? 0) > 0xffff ? 2 : 1;
    errors.push({ code: 'bad-character', message: messages.pqlBadCharacter(text.slice(at, at + width)), span: { start: at, end: at + width } });
    push('error', at, at + width);
    at += width;
  }
  push('eof', text.length, text.length);
  return { tokens, errors };
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

function readString(text: string, start: number, push: (kind: TokenKind, start: number, end: number, value?: string) => void, errors: QueryError[]): number {
  const quote = text[start];
  let value = '';
  let at = start + 1;
  while (at < text.length && text[at] !== '\n') {
    const c = text[at] as string;
    if (c === quote) {
      push('string', start, at + 1, value);
      return at + 1;
    }
    if (c === '\\') {
      const next = text[at + 1];
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) {
        errors.push({ code: 'bad-escape', message: messages.pqlBadEscape(`\\${next ?? ''}`), span: { start: at, end: Math.min(text.length, at + 2) } });
        value += next ?? '';
      } else value += escaped;
      at += 2;
      continue;
    }
    value += c;
    at++;
  }
  const end = Math.min(at, text.length);
  errors.push({ code: 'unterminated-string', message: messages.pqlUnterminatedString(), hint: messages.pqlUnterminatedStringHint(quote ?? '"'), span: { start, end } });
  push('error', start, end);
  return end;
}

/** Line and column (both from 1) of an offset, for messages. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
