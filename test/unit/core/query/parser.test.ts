import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseQuery } from '../../../../src/core/query/parser';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'pql');
/** PITWALL_UPDATE_GOLDEN=1 rewrites the .json files from the parser (then read the diff before committing it). */
const UPDATE = process.env.PITWALL_UPDATE_GOLDEN === '1';

/** The tree and the errors, each error with the text under its span so the golden file reads on its own. */
function golden(text: string) {
  const { program, errors } = parseQuery(text);
  return { program, errors: errors.map((error) => ({ ...error, text: text.slice(error.span.start, error.span.end) })) };
}

describe('PQL parser (golden files in test/fixtures/pql)', () => {
  const inputs = readdirSync(FIXTURES).filter((name) => name.endsWith('.pql')).sort();

  it('has a golden file for every input, and inputs of every stage and error kind', () => {
    assert.ok(inputs.length >= 14, `${inputs.length} inputs`);
    for (const input of inputs) assert.ok(readdirSync(FIXTURES).includes(input.replace(/\.pql$/, '.json')), `${input} has no golden file`);
  });

  for (const input of inputs) {
    it(`parses ${input} into its golden tree and errors`, () => {
      const text = readFileSync(join(FIXTURES, input), 'utf8');
      const actual = golden(text);
      const path = join(FIXTURES, input.replace(/\.pql$/, '.json'));
      if (UPDATE) writeFileSync(path, `${JSON.stringify(actual, null, 2)}\n`);
      assert.deepEqual(actual, JSON.parse(readFileSync(path, 'utf8')));
      // The file name says whether the input is broken: a golden file regenerated from a broken parser cannot hide it.
      assert.equal(actual.errors.length > 0, input.startsWith('error-'), JSON.stringify(actual.errors));
    });
  }

  it('gives every node a span that lies inside the text and covers its children', () => {
    for (const input of inputs.filter((name) => !name.startsWith('error-'))) {
      const text = readFileSync(join(FIXTURES, input), 'utf8');
      const walk = (node: unknown, outer: { start: number; end: number }): number => {
        if (node === null || typeof node !== 'object') return 0;
        if (Array.isArray(node)) return node.reduce((n: number, item) => n + walk(item, outer), 0);
        const record = node as Record<string, unknown>;
        const span = record.span as { start: number; end: number } | undefined;
        let count = 0;
        if (span !== undefined && typeof record.kind === 'string') {
          assert.ok(span.start >= outer.start && span.end <= outer.end && span.start <= span.end, `${input}: ${record.kind} ${JSON.stringify(span)} outside ${JSON.stringify(outer)}`);
          count = 1;
        }
        for (const [key, value] of Object.entries(record)) if (key !== 'span') count += walk(value, span ?? outer);
        return count;
      };
      const nodes = walk(parseQuery(text).program, { start: 0, end: text.length });
      assert.ok(nodes > 5, `${input}: ${nodes} nodes`);
    }
  });

  it('reads the literals of the language: durations, dates, date-times, negative numbers, ranges, lists', () => {
    const { program, errors } = parseQuery('rules | where x in (1, -2.5, "a") and t in 2026-10-01..2026-10-01T12:30:00Z and d == 90s');
    assert.deepEqual(errors, []);
    const text = JSON.stringify(program);
    assert.match(text, /"kind":"list","items":\[\{"kind":"number","value":1/);
    assert.match(text, /"kind":"number","value":-2.5/);
    assert.match(text, /"kind":"date","text":"2026-10-01","seconds":1790812800/);
    assert.match(text, /"kind":"date","text":"2026-10-01T12:30:00Z","seconds":1790857800/);
    assert.match(text, /"kind":"duration","text":"90s","seconds":90/);
  });

  it('continues a statement over line breaks after |, a comma or an operator, and ends it at any other', () => {
    assert.equal(parseQuery('predictions\n| window 1h\n| metrics accuracy,\n  ece').program.statements.length, 1);
    assert.equal(parseQuery('predictions | where timestamp >=\n 2026-10-01 and\n model_version == "v1"').errors.length, 0);
    assert.equal(parseQuery('rules\nalerts\n\n\nrules | take 1').program.statements.length, 3);
  });

  it('suggests the stage meant, and reports a missing pipe with the stage to pipe into', () => {
    const unknown = parseQuery('predictions | calbration').errors[0];
    assert.deepEqual([unknown?.code, unknown?.hint], ['unknown-stage', 'did you mean `calibration`?']);
    const missing = parseQuery('predictions window 1h').errors[0];
    assert.deepEqual([missing?.code, missing?.hint, missing?.span], ['unexpected-token', 'stages are joined with |: `| window`', { start: 12, end: 18 }]);
  });
});
