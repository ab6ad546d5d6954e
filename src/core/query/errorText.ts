/**
 * A query error as text, the same in the CLI (stderr) and in a notebook cell's error output: where
 * it is (label:line:column), the message and its code, the line, a caret under the span, the hint.
 */
import { messages } from '../messages';
import { positionOf, type QueryError } from './lexer';

/**
 * `query:1:23: There is no metric `acuracy`. (PQL unknown-metric)`, then the line, a caret under
 * the span (to the end of its first line), and the hint.
 */
export function formatQueryError(text: string, error: QueryError, label: string): string {
  const { line, column } = positionOf(text, error.span.start);
  const lineText = text.split('\n')[line - 1] ?? '';
  const shown = lineText.replace(/\r$/, '');
  const width = Math.max(1, Math.min(error.span.end, error.span.start + shown.length - (column - 1)) - error.span.start);
  // Tabs before the caret stay tabs, so the caret lines up however the terminal shows them.
  const pad = [...shown.slice(0, column - 1)].map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return [
    `${label}:${line}:${column}: ${error.message} ${messages.pqlCodeTag(error.code)}`,
    `  ${shown}`,
    `  ${pad}${'^'.repeat(width)}`,
    ...(error.hint === undefined ? [] : [`  hint: ${error.hint}`]),
  ].join('\n');
}
