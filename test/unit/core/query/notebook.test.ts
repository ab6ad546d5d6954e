import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseNotebook, serializeNotebook, type NotebookCellText, type NotebookText } from '../../../../src/core/query/notebook';

function roundTrip(notebook: NotebookText): NotebookText {
  const { notebook: back, problems } = parseNotebook(serializeNotebook(notebook));
  assert.deepEqual(problems, []);
  return back;
}

describe('the .pitnb notebook format', () => {
  it('writes one marker per cell under a header holding the notebook metadata', () => {
    const text = serializeNotebook({
      metadata: { version: 1, source: 'data/demo.db' },
      cells: [
        { kind: 'markdown', text: '# Week' },
        { kind: 'pql', text: 'predictions | window 1h | metrics accuracy' },
        { kind: 'sql', text: 'select count(*)\nfrom predictions', metadata: { name: 'count' } },
      ],
    });
    assert.equal(text, '>>>pitwall {"version":1,"source":"data/demo.db"}\n>>>markdown\n# Week\n>>>pql\npredictions | window 1h | metrics accuracy\n>>>sql {"name":"count"}\nselect count(*)\nfrom predictions\n');
  });

  it('gives back empty cells, empty notebooks and cells that are only blank lines', () => {
    const notebook: NotebookText = { metadata: {}, cells: [{ kind: 'pql', text: '' }, { kind: 'sql', text: '\n' }, { kind: 'markdown', text: '\n\n' }, { kind: 'pql', text: '' }] };
    assert.deepEqual(roundTrip(notebook), notebook);
    assert.deepEqual(roundTrip({ metadata: {}, cells: [] }), { metadata: {}, cells: [] });
  });

  it('escapes content lines that would read as markers, however many backslashes they start with', () => {
    const cell: NotebookCellText = { kind: 'markdown', text: '>>>pql\n\\>>>sql\n\\\\>>>x {"a":1}\n>>> not a kind\n\\plain backslash\n>> two' };
    const text = serializeNotebook({ metadata: {}, cells: [cell] });
    assert.equal(text.split('\n').filter((line) => line.startsWith('>>>')).length, 2, text);
    assert.deepEqual(roundTrip({ metadata: {}, cells: [cell] }).cells, [cell]);
  });

  it('keeps CRLF inside cells, and writes a CRLF file back with CRLF markers', () => {
    const crlf = '>>>pitwall {}\r\n>>>pql\r\npredictions\r\n| take 5\r\n>>>markdown\r\n# x\r\n';
    const { notebook } = parseNotebook(crlf);
    assert.deepEqual(notebook.cells, [{ kind: 'pql', text: 'predictions\r\n| take 5' }, { kind: 'markdown', text: '# x' }]);
    assert.equal(serializeNotebook(notebook), crlf);
    const mixed: NotebookText = { metadata: {}, cells: [{ kind: 'pql', text: 'a\r\nb\r' }, { kind: 'sql', text: '\r' }] };
    assert.deepEqual(roundTrip(mixed), mixed);
  });

  it('keeps Unicode, including line and paragraph separators, as it is', () => {
    const cell: NotebookCellText = { kind: 'markdown', text: 'café 🏎️ \u2028 \u2029 \u0000 ⟨données⟩' };
    assert.deepEqual(roundTrip({ metadata: { source: 'données/ü.db' }, cells: [cell] }).cells, [cell]);
  });

  it('reads a file without markers as one PQL cell, and an empty file as no cells', () => {
    assert.deepEqual(parseNotebook('predictions | take 3\n').notebook, { metadata: {}, cells: [{ kind: 'pql', text: 'predictions | take 3\n' }] });
    assert.deepEqual(parseNotebook('').notebook, { metadata: {}, cells: [] });
  });

  it('keeps text before the first marker as a preamble, and a second header line as a cell', () => {
    const text = '# made by hand\n>>>pitwall {"version":1}\n>>>pitwall\nx\n';
    const { notebook } = parseNotebook(text);
    assert.equal(notebook.preamble, '# made by hand\n');
    assert.deepEqual(notebook.cells, [{ kind: 'pitwall', text: 'x' }]);
  });

  it('reports a damaged marker with its line and still loads the cell', () => {
    const { notebook, problems } = parseNotebook('>>>pitwall {}\n>>>pql {not json\npredictions\n>>>\nalerts\n>>>sql [1]\nselect 1\n');
    assert.deepEqual(notebook.cells, [
      { kind: 'pql', text: 'predictions' },
      { kind: 'pql', text: 'alerts' },
      { kind: 'sql', text: 'select 1' },
    ]);
    assert.deepEqual(
      problems.map((problem) => problem.line),
      [2, 4, 6],
    );
    assert.match(problems[0]?.message ?? '', /not an object/);
  });

  it('refuses to write a cell kind that could not be read back', () => {
    assert.throws(() => serializeNotebook({ metadata: {}, cells: [{ kind: 'p ql', text: '' }] }), /cell kind/);
    assert.throws(() => serializeNotebook({ metadata: {}, cells: [{ kind: 'pitwall', text: '' }] }), /cell kind/);
  });

  it('gives back any notebook it writes (property)', () => {
    const line = fc.oneof(
      fc.string(),
      fc.constantFrom('>>>pql', '\\>>>sql', '\\\\>>>', '>>>', '>>>pitwall {}', '', '\r', '\\', '>>', ' >>>pql'),
      fc.string({ unit: 'grapheme' }),
    );
    const cellText = fc.array(line, { maxLength: 6 }).chain((lines) => fc.constantFrom('\n', '\r\n').map((eol) => lines.join(eol)));
    const metadata = fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { noNullPrototype: true }), { nil: undefined });
    const cell = fc.record({ kind: fc.constantFrom('pql', 'sql', 'markdown', 'raw-x'), text: cellText, metadata }).map(({ metadata: meta, ...rest }) =>
      meta === undefined || Object.keys(meta).length === 0 ? rest : { ...rest, metadata: meta },
    );
    const notebook = fc.record({
      metadata: fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { noNullPrototype: true }),
      cells: fc.array(cell, { maxLength: 6 }),
      eol: fc.constantFrom(undefined, '\r\n' as const),
    }).map(({ eol, ...rest }) => (eol === undefined ? rest : { ...rest, eol }));
    fc.assert(
      fc.property(notebook, (n) => {
        assert.deepEqual(roundTrip(n), n);
      }),
      { numRuns: 500 },
    );
  });
});
