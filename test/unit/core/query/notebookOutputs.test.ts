/**
 * Outputs saved in a .pitnb (the opt-in snapshot): written as one line after their cell, read back
 * exactly (multi-line text, JSON, SVG, Unicode, CRLF files), never mistaken for a cell, a damaged
 * one reported with its line, and the snapshot capped with a note in place of what did not fit.
 */
import * as assert from 'node:assert/strict';
import { capOutputSnapshots, parseNotebook, serializeNotebook, type NotebookCellText, type NotebookText } from '../../../../src/core/query/notebook';

const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>ü ✓ 📈</text></svg>';

describe('outputs saved in a notebook', () => {
  it('follow their cell as one line each and read back exactly', () => {
    const notebook: NotebookText = {
      metadata: { version: 1 },
      cells: [
        { kind: 'pql', text: 'predictions | take 2\n', outputs: [{ items: [{ mime: 'text/plain', data: 'a  b\n-  -\n1  2\n>>>pql not a marker' }, { mime: 'image/svg+xml', data: svg }] }, { items: [{ mime: 'application/json', data: '{"x":[1,2]}' }] }] },
        { kind: 'markdown', text: '# no outputs' },
        { kind: 'sql', text: 'select 1', outputs: [{ items: [{ mime: 'text/plain', data: '' }] }] },
      ],
    };
    const text = serializeNotebook(notebook);
    assert.equal(text.split('\n').filter((line) => line.startsWith('>>>output ')).length, 3);
    const { notebook: back, problems } = parseNotebook(text);
    assert.deepEqual(problems, []);
    assert.deepEqual(back, notebook);
    const crlf = parseNotebook(serializeNotebook({ ...notebook, eol: '\r\n' }));
    assert.deepEqual(crlf.notebook.cells, notebook.cells);
  });

  it('report a damaged output line or one before any cell, and keep the cells', () => {
    const { notebook, problems } = parseNotebook('>>>pitwall {}\n>>>output {"items":[]}\n>>>pql\nrules\n>>>output {"items":[{"mime":"text/plain"}]}\n>>>output [1]\n>>>sql\nselect 1\n');
    assert.deepEqual(notebook.cells, [{ kind: 'pql', text: 'rules' }, { kind: 'sql', text: 'select 1' }]);
    assert.deepEqual(problems.map((p) => p.line), [2, 5, 6]);
  });

  it('refuse to write a cell whose kind is output', () => {
    assert.throws(() => serializeNotebook({ metadata: {}, cells: [{ kind: 'output', text: 'x' }] }), /output/);
  });

  it('are capped: outputs past the cap are replaced by a note, in cell order', () => {
    const big = (n: number): NotebookCellText => ({ kind: 'pql', text: `cell ${n}`, outputs: [{ items: [{ mime: 'text/plain', data: 'x'.repeat(60_000) }] }] });
    const cells = [big(1), { kind: 'markdown', text: 'between' }, big(2), big(3), big(4)];
    const capped = capOutputSnapshots(cells, 200_000);
    const kept = capped.map((cell) => cell.outputs?.[0]?.items[0]?.data.length ?? null);
    assert.deepEqual(kept.slice(0, 4), [60_000, null, 60_000, 60_000]);
    assert.match(capped[4]?.outputs?.[0]?.items[0]?.data ?? '', /not saved: a notebook keeps at most 200 KB/);
    assert.ok(Buffer.byteLength(serializeNotebook({ metadata: {}, cells: capped })) < 200_000 + 2_000);
    assert.deepEqual(capOutputSnapshots(cells, 10_000_000), cells);
  });
});
