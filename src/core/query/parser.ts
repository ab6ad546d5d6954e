/**
 * The one PQL parser (recursive descent). It never throws and never loops without consuming a
 * token: a statement it cannot read gives one located error and parsing resumes at the next
 * statement, so an editor sees every broken statement at once and a notebook cell the first.
 *
 * Statements are separated by `;` or by a line break; a line that starts with `|`, or a line
 * ending in something that needs more (`|`, `,`, `and`, an operator, an open parenthesis),
 * continues the statement.
 */
import { parseDuration } from '../analytics/duration';
import { messages } from '../messages';
import { parseTimestamp } from '../model/timestamps';
import { nearestName } from '../suggest';
import { STAGES, type CompareOp, type Expr, type FieldRef, type Literal, type Name, type Param, type ParseResult, type Pipeline, type SortKey, type Stage, type Statement } from './ast';
import { lex, type QueryError, type Span, type Token } from './lexer';

/** Deeper nesting than this is refused rather than risking the stack. */
const MAX_DEPTH = 64;
const COMPARE_OPS: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];
/** Tokens after which a line break does not end the statement. */
const CONTINUES = new Set(['|', ',', '=', '==', '!=', '<', '<=', '>', '>=', '(', '..', '.', '-', 'and', 'or', 'not', 'in', 'let']);

class ParseFailure extends Error {
  constructor(readonly error: QueryError) {
    super(error.message);
  }
}

/** The statements of a query text, and every problem found in it. */
export function parseQuery(text: string): ParseResult {
  const lexed = lex(text);
  const parser = new Parser(joinLines(lexed.tokens), lexed.errors);
  return parser.program(text.length);
}

/** Drops the line breaks that continue a statement; the others separate statements as `;` does. */
function joinLines(tokens: readonly Token[]): Token[] {
  const kept: Token[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'punct' && token.text === '(') depth++;
    if (token.kind === 'punct' && token.text === ')') depth = Math.max(0, depth - 1);
    if (token.kind !== 'newline') {
      kept.push(token);
      continue;
    }
    let next = i + 1;
    while (tokens[next]?.kind === 'newline') next++;
    const following = tokens[next];
    const previous = kept[kept.length - 1];
    const continued = depth > 0 || (following?.kind === 'punct' && following.text === '|') || (previous !== undefined && previous.kind !== 'string' && CONTINUES.has(previous.text));
    if (!continued && previous !== undefined && previous.kind !== 'newline') kept.push(token);
    i = next - 1;
  }
  return kept;
}

class Parser {
  private at = 0;
  private depth = 0;
  private readonly errors: QueryError[];

  constructor(
    private readonly tokens: readonly Token[],
    lexErrors: readonly QueryError[],
  ) {
    this.errors = [...lexErrors];
  }

  program(length: number): ParseResult {
    const statements: Statement[] = [];
    while (!this.atEnd()) {
      if (this.isSeparator()) {
        this.at++;
        continue;
      }
      const start = this.at;
      this.depth = 0;
      try {
        statements.push(this.statement());
        if (!this.atEnd() && !this.isSeparator()) this.fail(this.peek(), 'unexpected-token', messages.pqlUnexpected(describe(this.peek()), 'the end of the statement'), this.endHint());
      } catch (error) {
        if (!(error instanceof ParseFailure)) throw error;
        // A lexing error already said what is wrong with this token; one message per place is enough.
        if (!this.errors.some((e) => overlaps(e.span, error.error.span))) this.errors.push(error.error);
        this.skipStatement(start);
      }
    }
    const sorted = [...this.errors].sort((a, b) => a.span.start - b.span.start);
    return { program: { kind: 'program', statements, span: { start: 0, end: length } }, errors: sorted };
  }

  private skipStatement(start: number): void {
    if (this.at === start) this.at++;
    while (!this.atEnd() && !this.isSeparator()) this.at++;
  }

  // --- statements -------------------------------------------------------------------

  private statement(): Statement {
    const first = this.peek();
    if (this.isWord('let')) {
      this.at++;
      const name = this.name('a name for the result');
      this.expectPunct('=', '`=` after the name');
      const pipeline = this.pipeline();
      return { kind: 'let', name, pipeline, span: spanOf(first.span, pipeline.span) };
    }
    const pipeline = this.pipeline();
    return { kind: 'query', pipeline, span: pipeline.span };
  }

  private pipeline(): Pipeline {
    const source = this.name('a source: predictions, alerts, rules, health or a name given by let');
    const stages: Stage[] = [];
    while (this.isPunct('|')) {
      this.at++;
      stages.push(this.stage());
    }
    const last = stages[stages.length - 1];
    return { kind: 'pipeline', source, stages, span: spanOf(source.span, last?.span ?? source.span) };
  }

  // --- stages -----------------------------------------------------------------------

  private stage(): Stage {
    const token = this.peek();
    if (token.kind !== 'ident') this.fail(token, 'expected-stage', messages.pqlUnexpected(describe(token), 'a stage'), messages.pqlStagesHint(STAGES));
    const word = token.text;
    this.at++;
    const end = (): Span => spanOf(token.span, this.previous().span);
    switch (word) {
      case 'where':
        return { kind: 'where', condition: this.expr(), span: end() };
      case 'window': {
        const every = this.durationLiteral();
        let slide: Literal | null = null;
        if (this.isWord('slide')) {
          this.at++;
          slide = this.durationLiteral();
        }
        let fill = false;
        if (this.isWord('fill')) {
          this.at++;
          fill = true;
        }
        return { kind: 'window', every, slide, fill, span: end() };
      }
      case 'by':
        return { kind: 'by', field: this.field(), span: end() };
      case 'metrics': {
        const metrics: Name[] = [];
        const params: Param[] = [];
        do {
          if (this.isPunct(',')) this.at++;
          if (this.peekAt(1).text === '=' && this.peek().kind === 'ident') params.push(this.param());
          else metrics.push(this.name('a metric'));
        } while (this.isPunct(',') || (this.peek().kind === 'ident' && this.peekAt(1).text === '='));
        return { kind: 'metrics', metrics, params, span: end() };
      }
      case 'calibration':
        return { kind: 'calibration', params: this.params(), span: end() };
      case 'health':
        return { kind: 'health', params: this.params(), span: end() };
      case 'reference':
        return { kind: 'reference', range: this.expr(), span: end() };
      case 'drift': {
        const tests: Expr[] = [];
        if (this.peek().kind === 'ident') {
          tests.push(this.expr());
          while (this.isPunct(',')) {
            this.at++;
            tests.push(this.expr());
          }
        }
        return { kind: 'drift', tests, span: end() };
      }
      case 'estimate':
        return { kind: 'estimate', span: end() };
      case 'compare': {
        const left = this.versionValue();
        const right = this.versionValue();
        return { kind: 'compare', left, right, span: end() };
      }
      case 'take':
        return { kind: 'take', count: this.primary(), span: end() };
      case 'sort': {
        const keys: SortKey[] = [this.sortKey()];
        while (this.isPunct(',')) {
          this.at++;
          keys.push(this.sortKey());
        }
        return { kind: 'sort', keys, span: end() };
      }
      case 'select': {
        const fields: FieldRef[] = [this.field()];
        while (this.isPunct(',')) {
          this.at++;
          fields.push(this.field());
        }
        return { kind: 'select', fields, span: end() };
      }
      case 'alert': {
        this.expectWord('when', '`when` after `alert`');
        const metric = this.name('a metric');
        const op = this.peek();
        if (op.kind !== 'punct' || !COMPARE_OPS.includes(op.text)) this.fail(op, 'expected-operator', messages.pqlUnexpected(describe(op), 'a comparison: <, <=, >, >=, == or !='));
        this.at++;
        const threshold = this.signedNumber();
        let duration: Literal | null = null;
        if (this.isWord('for')) {
          this.at++;
          duration = this.durationLiteral();
        }
        this.expectWord('severity', '`severity` and one of info, warning, critical');
        const severity = this.name('a severity: info, warning or critical');
        return { kind: 'alert', metric, op: op.text as CompareOp, threshold, for: duration, severity, span: end() };
      }
      case 'chart':
        return { kind: 'chart', chart: this.name('a chart kind'), span: end() };
      default: {
        const suggestion = nearestName(word, STAGES);
        return this.fail(token, 'unknown-stage', messages.pqlUnknownName('stage', word), suggestion === undefined ? messages.pqlStagesHint(STAGES) : messages.pqlDidYouMean(suggestion));
      }
    }
  }

  private params(): Param[] {
    const params: Param[] = [];
    while (this.peek().kind === 'ident' && this.peekAt(1).text === '=') {
      params.push(this.param());
      if (this.isPunct(',')) this.at++;
    }
    return params;
  }

  private param(): Param {
    const name = this.name('a parameter');
    this.expectPunct('=', '`=`');
    const value = this.primary();
    return { kind: 'param', name, value, span: spanOf(name.span, value.span) };
  }

  private sortKey(): SortKey {
    const field = this.field();
    let descending = false;
    if (this.isWord('desc') || this.isWord('asc')) {
      descending = this.peek().text === 'desc';
      this.at++;
    }
    return { field, descending, span: spanOf(field.span, this.previous().span) };
  }

  /** `v1.1`, `"v1.1"`: a model version written bare (the adjacent tokens joined) or as a string. */
  private versionValue(): Expr {
    const first = this.peek();
    if (first.kind === 'string') {
      this.at++;
      return { kind: 'string', value: first.value as string, span: first.span };
    }
    if (first.kind !== 'ident' && first.kind !== 'number') this.fail(first, 'expected-value', messages.pqlUnexpected(describe(first), 'a model version'));
    let end = first.span.end;
    this.at++;
    for (;;) {
      const next = this.peek();
      const joinable = next.kind === 'ident' || next.kind === 'number' || next.kind === 'duration' || (next.kind === 'punct' && (next.text === '.' || next.text === '-'));
      if (!joinable || next.span.start !== end) break;
      end = next.span.end;
      this.at++;
    }
    const span = { start: first.span.start, end };
    return { kind: 'string', value: this.text(span), span };
  }

  // --- expressions ------------------------------------------------------------------

  private expr(): Expr {
    this.enter();
    try {
      let left = this.and();
      while (this.isWord('or')) {
        this.at++;
        const right = this.and();
        left = { kind: 'logical', op: 'or', left, right, span: spanOf(left.span, right.span) };
      }
      return left;
    } finally {
      this.depth--;
    }
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      this.at++;
      const right = this.not();
      left = { kind: 'logical', op: 'and', left, right, span: spanOf(left.span, right.span) };
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord('not')) {
      const start = this.peek().span;
      this.at++;
      this.enter();
      try {
        const operand = this.not();
        return { kind: 'not', operand, span: spanOf(start, operand.span) };
      } finally {
        this.depth--;
      }
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.range();
    const op = this.peek();
    if (op.kind === 'punct' && COMPARE_OPS.includes(op.text)) {
      this.at++;
      const right = this.range();
      return { kind: 'compare', op: op.text as CompareOp, left, right, span: spanOf(left.span, right.span) };
    }
    if (op.kind === 'punct' && op.text === '=') this.fail(op, 'single-equals', messages.pqlUnexpected('`=`', 'a comparison'), messages.pqlDidYouMean('=='));
    if (this.isWord('in')) {
      this.at++;
      const set = this.range();
      return { kind: 'in', value: left, set, span: spanOf(left.span, set.span) };
    }
    return left;
  }

  private range(): Expr {
    const from = this.primary();
    if (!this.isPunct('..')) return from;
    this.at++;
    const to = this.primary();
    return { kind: 'range', from, to, span: spanOf(from.span, to.span) };
  }

  private primary(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.at++;
        return { kind: 'string', value: token.value as string, span: token.span };
      case 'number':
        this.at++;
        return { kind: 'number', value: token.value as number, span: token.span };
      case 'duration':
        return this.durationLiteral();
      case 'date':
        return this.dateLiteral();
      case 'ident':
        return this.wordExpr();
      case 'punct':
        if (token.text === '-') return this.signedNumber();
        if (token.text === '(') return this.group();
        break;
      default:
        break;
    }
    return this.fail(token, 'expected-value', messages.pqlUnexpected(describe(token), 'a value, a field or a function'));
  }

  private group(): Expr {
    const open = this.peek();
    this.at++;
    this.enter();
    try {
      const items: Expr[] = [this.expr()];
      while (this.isPunct(',')) {
        this.at++;
        items.push(this.expr());
      }
      this.expectPunct(')', '`)`');
      const span = spanOf(open.span, this.previous().span);
      return items.length === 1 ? (items[0] as Expr) : { kind: 'list', items, span };
    } finally {
      this.depth--;
    }
  }

  private wordExpr(): Expr {
    const token = this.peek();
    if (token.text === 'true' || token.text === 'false') {
      this.at++;
      return { kind: 'boolean', value: token.text === 'true', span: token.span };
    }
    if (token.text === 'null') {
      this.at++;
      return { kind: 'null', span: token.span };
    }
    if (this.peekAt(1).kind === 'punct' && this.peekAt(1).text === '(') {
      const name = this.name('a function');
      this.at++;
      const args: Expr[] = [];
      if (!this.isPunct(')')) {
        this.enter();
        try {
          args.push(this.expr());
          while (this.isPunct(',')) {
            this.at++;
            args.push(this.expr());
          }
        } finally {
          this.depth--;
        }
      }
      this.expectPunct(')', '`)`');
      return { kind: 'call', name, args, span: spanOf(name.span, this.previous().span) };
    }
    return this.field();
  }

  private field(): FieldRef {
    const first = this.peek();
    if (first.kind !== 'ident') this.fail(first, 'expected-field', messages.pqlUnexpected(describe(first), 'a field name'));
    const path = [first.text];
    this.at++;
    while (this.isPunct('.') && this.peekAt(1).kind === 'ident') {
      this.at++;
      path.push(this.peek().text);
      this.at++;
    }
    return { kind: 'field', path, span: spanOf(first.span, this.previous().span) };
  }

  private signedNumber(): Expr {
    const token = this.peek();
    if (token.kind === 'number') {
      this.at++;
      return { kind: 'number', value: token.value as number, span: token.span };
    }
    if (token.kind === 'punct' && token.text === '-' && this.peekAt(1).kind === 'number') {
      const number = this.peekAt(1);
      this.at += 2;
      return { kind: 'number', value: -(number.value as number), span: spanOf(token.span, number.span) };
    }
    return this.fail(token, 'expected-number', messages.pqlUnexpected(describe(token), 'a number'));
  }

  private durationLiteral(): Literal {
    const token = this.peek();
    if (token.kind !== 'duration') return this.fail(token, 'expected-duration', messages.pqlUnexpected(describe(token), 'a duration such as 15m, 1h or 7d'), messages.pqlDurationHint());
    this.at++;
    try {
      return { kind: 'duration', text: token.text, seconds: parseDuration(token.text), span: token.span };
    } catch {
      return this.fail(token, 'bad-duration', messages.pqlBadLiteral(token.text), messages.pqlDurationHint());
    }
  }

  private dateLiteral(): Literal {
    const token = this.peek();
    this.at++;
    const parsed = parseTimestamp(token.text);
    if (!parsed.ok) return this.fail(token, 'bad-date', messages.pqlBadDate(token.text, parsed.reason));
    return { kind: 'date', text: token.text, seconds: parsed.seconds, span: token.span };
  }

  // --- tokens -----------------------------------------------------------------------

  private name(expected: string): Name {
    const token = this.peek();
    if (token.kind !== 'ident') return this.fail(token, 'expected-name', messages.pqlUnexpected(describe(token), expected));
    this.at++;
    return { kind: 'name', name: token.text, span: token.span };
  }

  private enter(): void {
    if (this.depth >= MAX_DEPTH) this.fail(this.peek(), 'too-deep', messages.pqlTooDeep(MAX_DEPTH));
    this.depth++;
  }

  private expectPunct(text: string, expected: string): void {
    if (!this.isPunct(text)) this.fail(this.peek(), 'unexpected-token', messages.pqlUnexpected(describe(this.peek()), expected));
    this.at++;
  }

  private expectWord(word: string, expected: string): void {
    if (!this.isWord(word)) this.fail(this.peek(), 'unexpected-token', messages.pqlUnexpected(describe(this.peek()), expected));
    this.at++;
  }

  private fail(token: Token, code: string, message: string, hint?: string): never {
    throw new ParseFailure({ code, message, ...(hint === undefined ? {} : { hint }), span: token.span });
  }

  private endHint(): string | undefined {
    const token = this.peek();
    return token.kind === 'ident' && (STAGES as readonly string[]).includes(token.text) ? messages.pqlMissingPipe(token.text) : undefined;
  }

  private peek(): Token {
    return this.tokens[Math.min(this.at, this.tokens.length - 1)] as Token;
  }

  private peekAt(offset: number): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)] as Token;
  }

  private previous(): Token {
    return this.tokens[Math.max(0, this.at - 1)] as Token;
  }

  private text(span: Span): string {
    return this.tokens
      .filter((token) => token.span.start >= span.start && token.span.end <= span.end && token.kind !== 'eof')
      .map((token) => token.text)
      .join('');
  }

  private atEnd(): boolean {
    return this.peek().kind === 'eof';
  }

  private isSeparator(): boolean {
    const token = this.peek();
    return token.kind === 'newline' || (token.kind === 'punct' && token.text === ';');
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === text;
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token.kind === 'ident' && token.text === word;
  }
}

function spanOf(first: Span, last: Span): Span {
  return { start: first.start, end: Math.max(first.end, last.end) };
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'the end of the query';
  if (token.kind === 'newline') return 'the end of the line';
  return `\`${token.text}\``;
}
