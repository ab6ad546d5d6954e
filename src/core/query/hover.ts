/**
 * The documentation of the PQL word at a place in a text, for the editor's hover: a stage after
 * `|`, a source at the start of a statement, a metric, a function or drift statistic before `(`.
 * The text is the kernel's (reference.ts), the same as docs/pql.md's quick reference.
 */
import { SOURCES, STAGES, type StageKind } from './ast';
import { lex, type Span, type Token } from './lexer';
import { FUNCTION_DOCS, metricDoc, SOURCE_DOCS, STAGE_DOCS, type WordDoc } from './reference';

export interface Hover {
  /** Markdown: the word's syntax, then what it does. */
  readonly markdown: string;
  readonly span: Span;
}

const render = (title: string, doc: WordDoc) => `**${title}** · \`${doc.syntax.replace(/`/g, '')}\`\n\n${doc.summary}`;

export function hoverAt(text: string, offset: number): Hover | undefined {
  const tokens = lex(text).tokens.filter((token) => token.kind !== 'newline');
  const index = tokens.findIndex((token) => token.kind === 'ident' && token.span.start <= offset && offset <= token.span.end);
  const token = tokens[index];
  if (token === undefined) return undefined;
  const previous: Token | undefined = tokens[index - 1];
  const next: Token | undefined = tokens[index + 1];
  const name = token.text;
  const afterPipe = previous?.kind === 'punct' && previous.text === '|';
  if (afterPipe && (STAGES as readonly string[]).includes(name)) return { markdown: render(`stage ${name}`, STAGE_DOCS[name as StageKind]), span: token.span };
  const startsStatement = previous === undefined || previous.text === ';' || previous.text === '=' || lineStart(text, token.span.start);
  if (startsStatement && (SOURCES as readonly string[]).includes(name)) return { markdown: render(`source ${name}`, SOURCE_DOCS[name as (typeof SOURCES)[number]]), span: token.span };
  if (next?.kind === 'punct' && next.text === '(' && FUNCTION_DOCS[name] !== undefined) return { markdown: render(`function ${name}`, FUNCTION_DOCS[name]), span: token.span };
  const metric = metricDoc(name);
  if (metric !== undefined) return { markdown: render(`metric ${name}`, metric), span: token.span };
  return undefined;
}

/** Whether only blanks come before this offset on its line (a statement's first word). */
function lineStart(text: string, offset: number): boolean {
  const lineBegins = text.lastIndexOf('\n', offset - 1) + 1;
  return text.slice(lineBegins, offset).trim() === '';
}
