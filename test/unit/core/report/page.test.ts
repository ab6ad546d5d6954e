import * as assert from 'node:assert/strict';
import { markdownHtml } from '../../../../src/core/report/notebookHtml';
import { escapeHtml, renderPage, table } from '../../../../src/core/report/page';
import { renderChartSvg, withFixedWidth } from '../../../../src/core/report/svg';
import { reliabilityChart } from '../../../../src/core/charts/reliabilityChart';
import { svgMarks } from './svgMarks';

describe('the HTML page shell, its markdown subset and the SVG renderer', function () {
  this.timeout(60_000);

  it('escapes the five HTML-special characters, and nothing else', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a> ünï`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt; ünï');
  });

  it('says in a table\'s caption when rows are cut, never cutting silently', () => {
    const rows = Array.from({ length: 250 }, (_, i) => [i, `r${i}`]);
    const cut = table(['n', 'name'], rows, { limit: 200, caption: 'windows' }).html;
    assert.match(cut, /<caption>windows · 200 of 250 rows<\/caption>/);
    assert.equal((cut.match(/<tr>/g) ?? []).length, 201);
    assert.match(table(['n'], [[1]]).html, /<caption>1 row<\/caption>/);
  });

  it('keeps section ids and titles as text', () => {
    const page = renderPage({ title: '<t>', header: { html: '' }, sections: [{ id: 'a"b', title: '<h>', body: ['<x>'] }], footer: '<f>' });
    assert.match(page, /<title>&lt;t&gt;<\/title>/);
    assert.match(page, /<section id="a&quot;b">\n<h2>&lt;h&gt;<\/h2>\n&lt;x&gt;\n<\/section>/);
    assert.match(page, /<footer>&lt;f&gt;<\/footer>/);
  });

  it('renders a small markdown subset on escaped text: headings under the page\'s, lists, code, emphasis; a link as text', () => {
    const html = markdownHtml(
      ['# Title <script>x</script>', 'Some **bold** and *em* and `a<b`.', 'More on the same paragraph.', '', '- one', '- [docs](https://example.invalid/x)', '', '```', '<img src=x>', '```'].join('\n'),
    );
    assert.equal(
      html,
      [
        '<h3>Title &lt;script&gt;x&lt;/script&gt;</h3>',
        '<p>Some <strong>bold</strong> and <em>em</em> and <code>a&lt;b</code>. More on the same paragraph.</p>',
        '<ul><li>one</li><li>docs (https://example.invalid/x)</li></ul>',
        '<pre><code>&lt;img src=x&gt;</code></pre>',
      ].join('\n'),
    );
    assert.doesNotMatch(markdownHtml('[x](javascript:alert(1))'), /<a\b|href/);
  });

  it('fixes container widths without touching data values', () => {
    const spec = { width: 'container', vconcat: [{ width: 'container', data: { values: [{ width: 'container' }] } }] };
    assert.deepEqual(withFixedWidth(spec, 500), { width: 500, vconcat: [{ width: 500, data: { values: [{ width: 'container' }] } }] });
  });

  it('renders a chart to SVG with its marks, text in currentColor, ids prefixed and no namespace URL', async () => {
    const bins = [0.55, 0.65, 0.75].map((c) => ({ lower: c - 0.05, upper: c + 0.05, count: 10, mean_confidence: c, accuracy: c - 0.02, accuracy_interval: { lower: c - 0.1, upper: c + 0.05 } }));
    const svg = await renderChartSvg(reliabilityChart([{ name: 'v1', ece: 0.02, mce: 0.03, labelled: 30, bins }]), { width: 400, idPrefix: 'p-' });
    assert.match(svg, /^<svg version="1.1" class="marks" width="400" height="\d+" viewBox="0 0 400 \d+">/);
    assert.doesNotMatch(svg, /xmlns|http/);
    assert.equal(svgMarks(svg).find((m) => m.type === 'symbol')?.items, 3);
    assert.match(svg, /<text[^>]*fill="currentColor"/);
    // A clipped mark gets a clip path with an id: prefixed, and referred to by its prefixed id.
    const clipped = await renderChartSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: { type: 'point', clip: true }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } }, { width: 200, idPrefix: 'p-' });
    const ids = [...clipped.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1] as string);
    assert.ok(ids.length > 0 && ids.every((id) => id.startsWith('p-')), ids.join());
    const refs = [...clipped.matchAll(/url\(#([^)]+)\)/g)].map((m) => m[1] as string);
    assert.ok(refs.length > 0 && refs.every((ref) => ids.includes(ref)), refs.join());
  });
});
