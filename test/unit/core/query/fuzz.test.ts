import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseQuery } from '../../../../src/core/query/parser';
import { planProgram } from '../../../../src/core/query/plan';

const NOW = Date.UTC(2026, 10, 1) / 1000;
/** Well past anything a query of a few hundred characters needs; a hang or a quadratic blow-up would pass it. */
const BOUND_MS = 250;

/** Words and marks of the language, so that random sequences reach deep into the parser and planner. */
const VOCABULARY = [
  'predictions', 'alerts', 'rules', 'health', 'let', 'x', '=', '|', 'where', 'window', 'slide', 'fill', 'by', 'metrics', 'calibration', 'reference', 'drift',
  'estimate', 'compare', 'take', 'sort', 'select', 'alert', 'when', 'for', 'severity', 'critical', 'chart', 'line', 'and', 'or', 'not', 'in', 'desc',
  'model_version', 'timestamp', 'metadata', '.', 'region', 'accuracy', 'ece', 'f1_score', 'bins', 'strategy', 'mass', 'psi', 'js', 'track_temp', 'ago', 'now',
  '(', ')', ',', '..', '==', '!=', '<', '<=', '>', '>=', '-', ';', '\n', '"v1.1"', "'a", '1h', '15m', '7d', '0', '0.7', '10', '2026-10-01', '2026-10-08T06:00:00Z',
  '//', '15min', '\\', '"', '#', '\u00e9', '\ud83d\ude00', '\ud800',
];

function checkAnswer(text: string): void {
  const started = performance.now();
  const parsed = parseQuery(text);
  const planned = planProgram(parsed.program, NOW, { features: ['track_temp', 'circuit'], metadata: ['region'], versions: ['v1.0', 'v1.1'], rules: ['acc_low'] });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < BOUND_MS, `${elapsed.toFixed(0)} ms for ${JSON.stringify(text)}`);
  for (const error of [...parsed.errors, ...planned.errors]) {
    assert.ok(typeof error.code === 'string' && error.code !== '' && typeof error.message === 'string' && error.message !== '', JSON.stringify(error));
    assert.ok(error.span.start >= 0 && error.span.start <= error.span.end && error.span.end <= text.length, `${JSON.stringify(error.span)} outside ${text.length} characters of ${JSON.stringify(text)}`);
  }
  // Planned statements come only from a text the parser accepted in full, or from its statements that parsed.
  assert.ok(planned.statements.length <= parsed.program.statements.length);
}

describe('PQL on any input: a result or located errors, within a time bound, never a crash', function () {
  this.timeout(120_000);

  it('any string of characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), checkAnswer), { numRuns: 1500 });
  });

  it('any sequence of the language\'s own words and marks', () => {
    const token = fc.constantFrom(...VOCABULARY);
    fc.assert(fc.property(fc.array(fc.tuple(token, fc.constantFrom('', ' ', '  ')), { maxLength: 80 }), (parts) => checkAnswer(parts.map(([word, space]) => word + space).join(''))), { numRuns: 3000 });
  });

  it('valid queries with one character changed', () => {
    const valid = [
      'predictions | where model_version == "v1.1" and timestamp > ago(7d) | window 1h slide 15m | by model_version | metrics accuracy, ece | chart line',
      'predictions | reference 2026-10-01..2026-10-08 | drift psi(track_temp), js(circuit) | sort value desc | take 5',
      'let r = alerts | where severity in ("critical", "warning") and not acknowledged\nr | take 50 | select timestamp, severity',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.string({ maxLength: 2 }), (text, at, replacement) => {
        const i = at % text.length;
        checkAnswer(text.slice(0, i) + replacement + text.slice(i + 1));
      }),
      { numRuns: 3000 },
    );
  });

  it('deep nesting and very long inputs stay bounded', () => {
    checkAnswer(`rules | where ${'('.repeat(5000)}x${')'.repeat(5000)}`);
    checkAnswer(`rules | where ${'not '.repeat(5000)}x`);
    checkAnswer(`rules | where ${Array.from({ length: 3000 }, (_, i) => `x == ${i}`).join(' and ')}`);
    checkAnswer('predictions | '.repeat(2000));
    assert.equal(parseQuery(`rules | where ${'('.repeat(5000)}x${')'.repeat(5000)}`).errors[0]?.code, 'too-deep');
  });
});
