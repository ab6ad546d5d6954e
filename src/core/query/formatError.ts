/**
 * A query problem as text for a terminal or a report: where it is, the line, a caret under the
 * span, and the hint. `pitwall query`, `pitwall notebook run` and the notebook's HTML export print
 * problems this one way.
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
