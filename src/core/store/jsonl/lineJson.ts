import { messages } from '../../messages';

/** A line that holds no record: empty or only whitespace. */
export const BLANK_LINE: unique symbol = Symbol('blank line');

export class LineProblem {
  constructor(readonly problem: string) {}
}

/** Python writes float('nan') and float('inf') as these bare words, which JSON does not have. */
const NON_FINITE = /(?:^|[\s:,[])-?(?:NaN|Infinity)(?=[\s,\]}]|$)/;

/** Parses one line's JSON; a blank line or a problem instead of throwing. */
export function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (text.trim() === '') return BLANK_LINE;
    if (NON_FINITE.test(text)) return new LineProblem(messages.jsonlLineNonFinite());
    return new LineProblem(messages.jsonlLineNotJson(syntaxDetail(error)));
  }
}

/**
 * V8's message without the copy of the input it quotes (which can be the whole line, shortened
 * as `"…"...`), and with control characters spelled out, so that a line of NUL bytes or a stray
 * byte-order mark never lands raw in a message or a terminal.
 */
export function syntaxDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const detail = message
    .replace(/,?\s*"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '')
    // eslint-disable-next-line no-control-regex -- matching control characters is the point here
    .replace(/[\u0000-\u001f\u007f-\u009f\ufeff\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return detail.length > 120 ? `${detail.slice(0, 120)}…` : detail;
}
