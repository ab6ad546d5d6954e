import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { svgMarks, svgsOf } from '../core/report/svgMarks';
import { pitwall } from './runCli';

const TREND = 'predictions | window 1d | by model_version | metrics accuracy, ece';

/** A notebook in the .pitnb format, its source in its metadata (relative to the notebook's folder). */
function notebookText(source: string | undefined, cells: readonly [string, string][]): string {
  const header = `>>>pitwall ${JSON.stringify({ version: 1, ...(source === undefined ? {} : { source }) })}\n`;
  return header + cells.map(([kind, text]) => `>>>${kind}\n${text}\n`).join('');
}

const GOOD_CELLS: [string, string][] = [
  ['markdown', '# Weekly review <script>alert(1)</script>\nAccuracy **per day**.'],
  ['pql', TREND],
  ['pql', 'let late = predictions | where timestamp >= 2026-10-08'],
  ['pql', 'late | calibration bins=5'],
  ['sql', 'select model_version, count(*) as n from predictions group by model_version order by model_version'],
];

describe('pitwall report and pitwall notebook run', function () {
  this.timeout(180_000);
  let root: string;
  let sources: [string, string][];
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-report-cli-'));
    await generateDataset({ outDir: join(root, 'data'), predictions: 3000, seed: 3 });
    sources = [
      ['JSONL folder', join(root, 'data', 'monitoring')],
      ['SQLite file', join(root, 'data', 'monitoring.db')],
    ];
    mkdirSync(join(root, 'notebooks'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('pitwall report', () => {
    it('writes one HTML file with every section and chart, and says where and how big, on both stores', async () => {
      for (const [name, source] of sources) {
        const out = join(root, `report-${name.split(' ')[0]}.html`);
        const result = await pitwall('report', source, '--out', out);
        assert.equal(result.status, 0, `${name}: ${result.stderr}`);
        const bytes = statSync(out).size;
        assert.equal(result.stdout, `Wrote ${out} (${bytes.toLocaleString('en-US')} bytes).\n`, name);
        const html = readFileSync(out, 'utf8');
        for (const id of ['summary', 'alerts', 'trend', 'calibration', 'drift', 'estimates']) assert.match(html, new RegExp(`<section id="${id}">`), `${name}: ${id}`);
        assert.equal(svgsOf(html).length, 4, name);
        assert.match(html, /<dt>Source<\/dt><dd>[^<]*monitoring(\.db)?<\/dd>/, name);
        assert.doesNotMatch(html, /<script|https?:/, name);
      }
    });

    it('narrows to --model and --from, and answers --json with what it wrote', async () => {
      const [, sqlite] = sources[1] as [string, string];
      const out = join(root, 'v11.html');
      const result = await pitwall('report', sqlite, '--out', out, '--model', 'v1.1', '--from', '2026-10-07', '--json');
      assert.equal(result.status, 0, result.stderr);
      const answer = JSON.parse(result.stdout) as { out: string; bytes: number; range: { from: number }; model_versions: string[]; open_alerts: number; features: number };
      assert.equal(answer.out, out);
      assert.equal(answer.bytes, statSync(out).size);
      assert.deepEqual(answer.model_versions, ['v1.1']);
      assert.equal(answer.range.from, Date.UTC(2026, 9, 7) / 1000);
      assert.equal(answer.features, 3);
      assert.match(readFileSync(out, 'utf8'), /<title>Pitwall monitoring report — v1\.1<\/title>/);
    });

    it('exits 2 with the reason for a missing source, a missing --out, an unknown version, an empty range, an unwritable file', async () => {
      const [, jsonl] = sources[0] as [string, string];
      const out = join(root, 'never.html');
      const cases: [string[], RegExp][] = [
        [['report', join(root, 'nowhere'), '--out', out], /No monitoring source at .*nowhere/],
        [['report', jsonl], /--out is required: --out FILE/],
        [['report', jsonl, '--out', out, '--model', 'v9'], /No model version "v9" in this source: it has v1\.0, v1\.1\./],
        [['report', jsonl, '--out', out, '--from', '2026-10-09', '--to', '2026-10-08'], /range is empty: --to must be after --from/],
        [['report', jsonl, '--out', out, '--from', 'yesterday'], /--from: /],
        [['report', jsonl, '--out', join(root, 'no-such-folder', 'r.html')], /Cannot write .*no-such-folder/],
      ];
      for (const [argv, reason] of cases) {
        const result = await pitwall(...argv);
        assert.equal(result.status, 2, `${argv.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, reason, argv.join(' '));
        assert.equal(result.stdout, '', argv.join(' '));
      }
      assert.ok(!existsSync(out));
    });
  });

  describe('pitwall notebook run', () => {
    it("runs the cells in order on the metadata's source (relative to the notebook), lets across cells, printed as pitwall query prints them", async () => {
      for (const [name, source] of sources) {
        const file = join(root, 'notebooks', `good-${name.split(' ')[0]}.pitnb`);
        writeFileSync(file, notebookText(`../data/${source.endsWith('.db') ? 'monitoring.db' : 'monitoring'}`, GOOD_CELLS));
        const result = await pitwall('notebook', 'run', file);
        assert.equal(result.status, 0, `${name}: ${result.stderr}`);
        const parts = result.stdout.split(/^── /m).slice(1);
        assert.deepEqual(
          parts.map((part) => part.split('\n')[0]),
          // A long first line is cut at 60 characters.
          ['cell 2 (pql): predictions | window 1d | by model_version | metrics accura…', 'cell 4 (pql): late | calibration bins=5', 'cell 5 (sql): select model_version, count(*) as n from predictions group …'],
          name,
        );
        // Each cell's output is what `pitwall query` prints for the same text.
        const query = await pitwall('query', source, TREND);
        assert.equal(parts[0]?.slice(parts[0].indexOf('\n') + 1), `${query.stdout}\n`, name);
        const calibration = await pitwall('query', source, 'predictions | where timestamp >= 2026-10-08 | calibration bins=5');
        assert.equal(parts[1]?.slice(parts[1].indexOf('\n') + 1), `${calibration.stdout}\n`, name);
        assert.match(parts[2] ?? '', /MODEL_VERSION {2}N\nv1\.0 {11}\d+\nv1\.1 {11}\d+\n$/, name);
      }
    });

    it('stops at a failing cell: the results before it, its problem with a caret, the cell named, exit 2', async () => {
      const file = join(root, 'notebooks', 'bad.pitnb');
      writeFileSync(file, notebookText('../data/monitoring', [['pql', 'predictions | metrics accuracy'], ['markdown', 'text'], ['pql', 'predictions\n| window 1d | metrics acuracy'], ['sql', 'select 1 as one']]));
      const result = await pitwall('notebook', 'run', file);
      assert.equal(result.status, 2);
      assert.match(result.stdout, /^── cell 1 \(pql\): predictions \| metrics accuracy\nCOUNT/);
      assert.doesNotMatch(result.stdout, /ONE/);
      assert.equal(
        result.stderr,
        [
          'cell 3:2:23: There is no window metric `acuracy`. (PQL unknown-metric)',
          '  | window 1d | metrics acuracy',
          '                        ^^^^^^^',
          '  hint: did you mean `accuracy`?',
          'Cell 3 of 4 failed (predictions); the cells after it did not run.',
        ].join('\n'),
      );
      const sqlFile = join(root, 'notebooks', 'bad-sql.pitnb');
      writeFileSync(sqlFile, notebookText('../data/monitoring.db', [['sql', 'select nope from predictions']]));
      const sql = await pitwall('notebook', 'run', sqlFile);
      assert.equal(sql.status, 2);
      assert.match(sql.stderr, /^cell 1: SQL: no such column: nope\nCell 1 of 1 failed \(select nope from predictions\); the cells after it did not run\.$/);
    });

    it('writes the run as one HTML page with --out: markdown as safe text, each source, tables and charts; a failure shown in it', async () => {
      const [, sqlite] = sources[1] as [string, string];
      const file = join(root, 'notebooks', 'nosource.pitnb');
      writeFileSync(file, notebookText(undefined, GOOD_CELLS));
      const out = join(root, 'notebook.html');
      const result = await pitwall('notebook', 'run', file, '--source', sqlite, '--out', out);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, `Wrote ${out} (${statSync(out).size.toLocaleString('en-US')} bytes).\n`);
      const html = readFileSync(out, 'utf8');
      assert.match(html, /<h3>Weekly review &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h3>\n<p>Accuracy <strong>per day<\/strong>\.<\/p>/);
      assert.doesNotMatch(html, /<script|https?:/);
      assert.ok(html.includes('<pre><code>late | calibration bins=5</code></pre>'));
      // The trend and the calibration draw charts; the SQL table does not.
      const svgs = svgsOf(html);
      assert.equal(svgs.length, 2);
      assert.ok((svgMarks(svgs[1] as string).find((m) => m.type === 'symbol')?.items ?? 0) >= 3);
      assert.match(html, /<caption>sql · 2 rows<\/caption>/);

      const badFile = join(root, 'notebooks', 'bad-out.pitnb');
      writeFileSync(badFile, notebookText('../data/monitoring', [['pql', 'predictions | window 1d | metrics acuracy'], ['pql', TREND]]));
      const badOut = join(root, 'bad.html');
      const bad = await pitwall('notebook', 'run', badFile, '--out', badOut);
      assert.equal(bad.status, 2);
      const badHtml = readFileSync(badOut, 'utf8');
      assert.match(badHtml, /<div class="error">cell 1:1:35: There is no window metric `acuracy`\. \(PQL unknown-metric\)\n {2}predictions \| window 1d \| metrics acuracy\n {36}\^{7}/);
      assert.match(badHtml, /<p class="note">Not run: an earlier cell failed\.<\/p>/);
    });

    it('answers --json with every cell: status, results, errors', async () => {
      const file = join(root, 'notebooks', 'json.pitnb');
      writeFileSync(file, notebookText('../data/monitoring.db', GOOD_CELLS));
      const result = await pitwall('notebook', 'run', file, '--json');
      assert.equal(result.status, 0, result.stderr);
      const cells = JSON.parse(result.stdout) as { number: number; kind: string; status: string; results: { kind: string; rows: unknown[] }[] }[];
      assert.deepEqual(cells.map((c) => [c.number, c.kind, c.status, c.results.map((r) => r.kind)]), [
        [1, 'markdown', 'markdown', []],
        [2, 'pql', 'ok', ['windows']],
        [3, 'pql', 'ok', []],
        [4, 'pql', 'ok', ['calibration']],
        [5, 'sql', 'ok', ['sql']],
      ]);
    });

    it('exits 2 with the reason for a notebook without a source, a missing source or a missing notebook', async () => {
      const file = join(root, 'notebooks', 'orphan.pitnb');
      writeFileSync(file, notebookText(undefined, [['pql', TREND]]));
      const missing = join(root, 'notebooks', 'lost.pitnb');
      writeFileSync(missing, notebookText('../data/gone.db', [['pql', TREND]]));
      const cases: [string[], RegExp][] = [
        [['notebook', 'run', file], /The notebook .*orphan\.pitnb names no source in its metadata: give one with --source/],
        [['notebook', 'run', missing], /No monitoring source at .*gone\.db/],
        [['notebook', 'run', join(root, 'absent.pitnb')], /Cannot read the notebook .*absent\.pitnb/],
        [['notebook', 'walk', file], /subcommand/],
      ];
      for (const [argv, reason] of cases) {
        const result = await pitwall(...argv);
        assert.equal(result.status, 2, `${argv.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, reason, argv.join(' '));
      }
    });
  });
});
