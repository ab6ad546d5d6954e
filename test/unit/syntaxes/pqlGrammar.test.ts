import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WATCHABLE_METRICS } from '../../../src/core/alerting/evaluate';
import { DRIFT_STATISTICS } from '../../../src/core/alerting/ruleOptions';
import { ALL_METRIC_NAMES } from '../../../src/core/analytics/metricNames';
import { SOURCES, STAGES } from '../../../src/core/query/ast';
import { lex, type TokenKind } from '../../../src/core/query/lexer';
import { CHART_KINDS } from '../../../src/core/query/plan';
import { tokenize, type ScopedToken } from './tokenize';

interface CorpusEntry {
  readonly name: string;
  /** The grammar to tokenize with; PQL's own by default. */
  readonly scope?: string;
  /** Markdown entries: the lines whose tokens are embedded PQL, and no other line. */
  readonly embeddedLines?: readonly number[];
  readonly code: string;
  /** Every token that is not blank, in order, with its innermost scope. */
  readonly tokens: readonly (readonly [string, string])[];
}

const corpus = JSON.parse(readFileSync(join(__dirname, 'pql.corpus.json'), 'utf8')) as CorpusEntry[];
const innermost = (token: ScopedToken) => token.scopes[token.scopes.length - 1] as string;
const shown = (tokens: readonly ScopedToken[]) => tokens.filter((token) => token.text.trim() !== '').map((token) => [token.text, innermost(token)] as const);

describe('PQL TextMate grammar (syntaxes/pql.tmLanguage.json, tokenized by vscode-textmate)', () => {
  for (const entry of corpus) {
    it(`tokenizes the corpus entry "${entry.name}" with the expected scopes`, async () => {
      const tokens = await tokenize(entry.scope ?? 'source.pql', entry.code);
      assert.deepEqual(shown(tokens), entry.tokens.map(([text, scope]) => [text, scope]));
      if (entry.embeddedLines !== undefined) {
        const embedded = new Set(tokens.filter((token) => token.scopes.includes('meta.embedded.block.pql')).map((token) => token.line));
        assert.deepEqual([...embedded].sort(), [...entry.embeddedLines].sort());
        for (const token of tokens) {
          if (!embedded.has(token.line)) assert.ok(!token.scopes.some((scope) => scope.endsWith('.pql')), `${JSON.stringify(token.text)} on line ${token.line} is not PQL`);
        }
      }
    });
  }

  it('the corpus covers every stage, every source and every literal kind', () => {
    const scoped = corpus.flatMap((entry) => entry.tokens);
    const withScope = (scope: string) => new Set(scoped.filter(([, s]) => s === scope).map(([text]) => text));
    assert.deepEqual([...withScope('keyword.control.stage.pql')].sort(), [...STAGES].sort());
    assert.deepEqual([...withScope('support.class.source.pql')].sort(), [...SOURCES].sort());
    for (const scope of [
      'constant.numeric.duration.pql',
      'constant.numeric.date.pql',
      'constant.numeric.pql',
      'string.quoted.double.pql',
      'string.quoted.single.pql',
      'constant.character.escape.pql',
      'invalid.illegal.escape.pql',
      'invalid.illegal.literal.pql',
      'keyword.operator.range.pql',
      'comment.line.double-slash.pql',
      'keyword.other.let.pql',
      'entity.name.variable.pql',
      'constant.language.pql',
      'support.function.pql',
      'support.function.statistic.pql',
      'keyword.operator.comparison.pql',
      'keyword.operator.logical.pql',
      'variable.parameter.pql',
      'constant.other.severity.pql',
      'constant.other.chart.pql',
      'constant.other.version.pql',
    ]) {
      assert.ok(withScope(scope).size > 0, `no corpus token is ${scope}`);
    }
  });

  it("knows the kernel's names: every stage, metric, drift statistic, chart kind and source", async () => {
    for (const stage of STAGES) {
      const tokens = shown(await tokenize('source.pql', `predictions | ${stage} x`));
      assert.deepEqual(tokens[2], [stage, 'keyword.control.stage.pql'], stage);
    }
    for (const metric of new Set([...ALL_METRIC_NAMES, ...WATCHABLE_METRICS])) {
      const tokens = shown(await tokenize('source.pql', `predictions | window 1h | alert when ${metric} < 1 severity info`));
      assert.deepEqual(tokens[7], [metric, 'support.constant.metric.pql'], metric);
    }
    for (const statistic of DRIFT_STATISTICS) {
      const tokens = shown(await tokenize('source.pql', `predictions | drift ${statistic}(track_temp)`));
      assert.deepEqual(tokens[3], [statistic, 'support.function.statistic.pql'], statistic);
    }
    for (const kind of CHART_KINDS) {
      const tokens = shown(await tokenize('source.pql', `rules | chart ${kind}`));
      assert.deepEqual(tokens[3], [kind, 'constant.other.chart.pql'], kind);
    }
    for (const source of SOURCES) {
      const tokens = shown(await tokenize('source.pql', `${source} | take 1`));
      assert.deepEqual(tokens[0], [source, 'support.class.source.pql'], source);
    }
  });

  it("agrees with the kernel's lexer on where every literal starts and ends, in the corpus and the parser's golden inputs", async () => {
    const fixtures = join(__dirname, '..', '..', 'fixtures', 'pql');
    const texts = [
      ...corpus.filter((entry) => entry.scope === undefined).map((entry) => entry.code),
      ...readdirSync(fixtures)
        .filter((name) => name.endsWith('.pql'))
        .map((name) => readFileSync(join(fixtures, name), 'utf8')),
    ];
    const scopeOf: Partial<Record<TokenKind, string>> = { duration: 'constant.numeric.duration.pql', date: 'constant.numeric.date.pql', number: 'constant.numeric.pql' };
    let checked = 0;
    for (const text of texts) {
      const tokens = await tokenize('source.pql', text);
      // Offsets of the grammar's tokens in the whole text.
      const lineStarts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
      const cursor = new Map<number, number>();
      const located = tokens.map((token) => {
        const start = (lineStarts[token.line] as number) + (cursor.get(token.line) ?? 0);
        cursor.set(token.line, (cursor.get(token.line) ?? 0) + token.text.length);
        return { start, end: start + token.text.length, token };
      });
      for (const lexed of lex(text).tokens) {
        const scope = scopeOf[lexed.kind];
        if (scope === undefined) continue;
        const match = located.find((l) => l.start === lexed.span.start);
        // A literal inside a comment or a string is not one; the lexer never sees those either.
        if (match === undefined) continue;
        if (match.token.scopes.some((s) => s.startsWith('comment.') || s.startsWith('string.'))) continue;
        assert.equal(match.end, lexed.span.end, `${JSON.stringify(lexed.text)} in ${JSON.stringify(text)}`);
        assert.equal(innermost(match.token), scope, `${JSON.stringify(lexed.text)} in ${JSON.stringify(text)}`);
        checked++;
      }
    }
    assert.ok(checked > 40, `${checked} literals checked`);
  });
});
