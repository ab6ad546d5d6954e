import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { pathQuerySource } from '../../../../src/core/query/pathSource';
import { buildReport, readReportData, reportHtml, reportWindow, type ReportData } from '../../../../src/core/report/monitoringReport';
import { svgMarks, svgsOf } from './svgMarks';

const NOW = Date.UTC(2026, 10, 1) / 1000;
const HOSTILE_VERSION = '<script>alert("v")</script>';
const HOSTILE_MESSAGE = '"><img src=x onerror=alert(1)> & <b>bold</b>';
const HOSTILE_TITLE = "</td></tr></table><script>alert('t')</script>";

/**
 * Every way a page could reach outside itself: a URL scheme or a protocol-relative address anywhere,
 * and in its tags (text is escaped, so every `<` starts a real tag) a src, an href to anything but an
 * anchor, a CSS import or url() to anything but an id.
 */
function externalReferences(html: string): string[] {
  const tags = [...html.matchAll(/<[a-zA-Z][^>]*>/g)].map((m) => m[0]);
  return [
    ...[...html.matchAll(/\b(?:https?|ftp|file|data|javascript):/gi)].map((m) => m[0]),
    ...[...html.matchAll(/["'(=]\s*\/\/[^\s"')]+/g)].map((m) => m[0]),
    ...tags.flatMap((tag) => [...tag.matchAll(/\s(?:src|srcset|action|xlink:href|background|poster)\s*=/gi)].map((m) => `${m[0]} in ${tag.slice(0, 80)}`)),
    ...tags.flatMap((tag) => [...tag.matchAll(/\shref\s*=\s*"(?!#)[^"]*"/gi)].map((m) => m[0])),
    ...[...html.matchAll(/@import|url\((?!#)/gi)].map((m) => m[0]),
  ];
}

/** A JSONL folder with a prediction of a hostile model version and an open alert with hostile text. */
function addHostileJsonl(folder: string): void {
  const first = JSON.parse(readFileSync(join(folder, 'predictions.jsonl'), 'utf8').split('\n')[0] as string) as Record<string, unknown>;
  appendFileSync(join(folder, 'predictions.jsonl'), `${JSON.stringify({ ...first, prediction_id: 'hostile-1', model_version: HOSTILE_VERSION, timestamp: (first.timestamp as number) + 86400 })}\n`);
  appendFileSync(
    join(folder, 'alerts.jsonl'),
    `${JSON.stringify({ timestamp: NOW - 3600, alert_id: 'hostile-alert', severity: 'critical', title: HOSTILE_TITLE, message: HOSTILE_MESSAGE, metric_name: 'accuracy', metric_value: 0.5, threshold: 0.7, component: 'performance', model_version: HOSTILE_VERSION, acknowledged: false })}\n`,
  );
}

/** The same in a SQLite file, written by Python's sqlite3 (the Python system's own writer). */
function addHostileSqlite(file: string): void {
  const script = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("""INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features, extra_metadata)
  SELECT datetime(timestamp, '+1 day'), ?, 'hostile-1', predicted_outcome, confidence, features, extra_metadata FROM predictions ORDER BY id LIMIT 1""", (sys.argv[2],))
db.execute("""INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged)
  VALUES ('hostile-alert', '2026-10-31 23:00:00', 'critical', ?, ?, 'accuracy', 0.5, 0.7, 'performance', ?, 0)""", (sys.argv[4], sys.argv[3], sys.argv[2]))
db.commit()
`;
  execFileSync('python3', ['-c', script, file, HOSTILE_VERSION, HOSTILE_MESSAGE, HOSTILE_TITLE]);
}

describe('the monitoring report: one self-contained HTML page', function () {
  this.timeout(180_000);
  let root: string;
  const stores: { name: string; path: string; html: string; data: ReportData }[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-report-'));
    await generateDataset({ outDir: join(root, 'clean'), predictions: 3000, seed: 5 });
    cpSync(join(root, 'clean'), join(root, 'hostile'), { recursive: true });
    addHostileJsonl(join(root, 'hostile', 'monitoring'));
    addHostileSqlite(join(root, 'hostile', 'monitoring.db'));
    for (const [name, path] of [
      ['JSONL folder', join(root, 'clean', 'monitoring')],
      ['SQLite file', join(root, 'clean', 'monitoring.db')],
      ['hostile JSONL folder', join(root, 'hostile', 'monitoring')],
      ['hostile SQLite file', join(root, 'hostile', 'monitoring.db')],
    ] as const) {
      // The same name for both stores, so that their pages can be compared whole.
      const { html, data } = await buildReport(pathQuerySource(path), { sourceName: name.replace(/ (JSONL folder|SQLite file)$/, '').replace(/^(JSONL folder|SQLite file)$/, 'demo'), now: NOW, pitwallVersion: '9.9.9' });
      stores.push({ name, path, html, data });
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const each = (test: (store: (typeof stores)[number]) => void) => () => {
    assert.equal(stores.length, 4);
    for (const store of stores) test(store);
  };

  it(
    'has the header and every section: summary, open alerts, trend per version, calibration, drift ranking, estimates',
    each(({ name, html, data }) => {
      for (const id of ['summary', 'alerts', 'trend', 'calibration', 'drift', 'estimates']) assert.match(html, new RegExp(`<section id="${id}">\\s*<h2>`), `${name}: section ${id}`);
      assert.match(html, /<dt>Source<\/dt><dd>[^<]+<\/dd><dt>Range<\/dt><dd>2026-10-01 \d\d:\d\d(:\d\d)? UTC … 2026-10-1\d \d\d:\d\d(:\d\d)? UTC<\/dd>/, name);
      assert.match(html, /<dt>Generated<\/dt><dd>2026-11-01 00:00 UTC<\/dd><dt>Written by<\/dt><dd>Pitwall 9\.9\.9<\/dd>/, name);
      assert.ok(data.versions.includes('v1.0') && data.versions.includes('v1.1'), name);
      // Every open alert is listed (there are fewer than the cap), each one row.
      const alertsSection = /<section id="alerts">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
      assert.ok(data.openAlerts.total > 0, `${name}: the generator leaves alerts open`);
      assert.equal((alertsSection.match(/<tr>/g) ?? []).length - 1, data.openAlerts.total, name);
      // The summary: every version, and all versions together.
      assert.deepEqual(data.summary.map((s) => s.modelVersion), [null, ...data.versions], name);
      assert.ok(data.drift !== null && data.drift.ranked.length === 3, `${name}: three features ranked`);
      const scores = data.drift.ranked.map((r) => r.score ?? -1);
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a), `${name}: most drifted first`);
    }),
  );

  it(
    'draws every chart as inline SVG whose marks match the data: trend points, reliability bins, drift bars',
    each(({ name, html, data }) => {
      const [trend, calibration, drift, estimates, ...rest] = svgsOf(html);
      assert.equal(rest.length, 0, name);
      assert.ok(trend !== undefined && calibration !== undefined && drift !== undefined && estimates !== undefined, name);
      const points = (svg: string, type: string) => svgMarks(svg).filter((m) => m.type === type);
      // The first panel is accuracy: one point per (window, version) with an accuracy.
      assert.equal(points(trend, 'symbol')[0]?.items, data.trend.rows.filter((row) => row.accuracy !== null && row.accuracy !== undefined).length, `${name}: trend points`);
      const bins = data.calibration.flatMap((c) => c.bins.filter((b) => b.accuracy !== null));
      assert.ok(bins.length >= 5, name);
      assert.equal(points(calibration, 'symbol')[0]?.items, bins.length, `${name}: one reliability point per labelled bin`);
      assert.equal(points(drift, 'rect').reduce((n, m) => n + m.items, 0), data.drift?.ranked.filter((r) => r.score !== null).length, `${name}: one drift bar per scored feature`);
      assert.ok(points(estimates, 'symbol').reduce((n, m) => n + m.items, 0) > 0, `${name}: estimates drawn`);
      // Several charts in one page: their ids (clip paths) never collide.
      const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
      assert.equal(new Set(ids).size, ids.length, `${name}: unique ids`);
    }),
  );

  it(
    'reaches nothing outside itself and needs no script: no URL, no src, no link out, no <script>',
    each(({ name, html }) => {
      assert.deepEqual(externalReferences(html), [], name);
      assert.doesNotMatch(html, /<script|<iframe|<object|<embed|<link|<img/i, name);
      // Text is escaped, so every `<` starts a real tag: none carries an event handler.
      assert.deepEqual([...html.matchAll(/<[a-zA-Z][^>]*\son\w+\s*=[^>]*>/g)].map((m) => m[0]), [], name);
      assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/, name);
    }),
  );

  it(
    'reads in light and dark: colour-scheme CSS, and SVG text and axes in the page colour',
    each(({ name, html }) => {
      assert.match(html, /color-scheme: light dark/, name);
      assert.match(html, /@media \(prefers-color-scheme: dark\) \{\s*:root \{ --bg: #0d1117; --fg: #e6edf3;/, name);
      for (const svg of svgsOf(html)) {
        // No fixed black or white ink in a chart: text is currentColor, which the page sets per scheme.
        assert.doesNotMatch(svg, /fill="(#000|#000000|black|#fff|#ffffff|white)"/i, name);
        assert.match(svg, /<text[^>]*fill="currentColor"/, name);
        assert.doesNotMatch(svg, /class="background"[^>]*fill="#/, `${name}: transparent chart background`);
      }
    }),
  );

  it('shows hostile model versions, titles and messages as text, in tables and charts alike', () => {
    const hostile = stores.filter((s) => s.name.startsWith('hostile'));
    assert.equal(hostile.length, 2);
    for (const { name, html, data } of hostile) {
      assert.ok(data.versions.includes(HOSTILE_VERSION), name);
      assert.ok(data.openAlerts.shown.some((a) => a.message === HOSTILE_MESSAGE && a.title === HOSTILE_TITLE), name);
      assert.ok(html.includes('&lt;script&gt;alert(&quot;v&quot;)&lt;/script&gt;'), `${name}: the version as text`);
      assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'), `${name}: the message as text`);
      assert.ok(html.includes('&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;'), `${name}: the title as text`);
      // The version is in the legends of the SVG charts too, escaped by the renderer.
      assert.ok(svgsOf(html).some((svg) => svg.includes('&lt;script&gt;alert(')), `${name}: the version in a chart legend`);
      assert.doesNotMatch(html, /<script|<img|<b>bold/i, name);
      assert.deepEqual(externalReferences(html), [], name);
    }
  });

  it('gives the same page from a JSONL folder and from a SQLite file of the same data', async () => {
    // The same range for both: left open, its end is the newest prediction's time, which the two
    // formats hold to different precision (float seconds, text to the microsecond).
    const range = { from: Date.UTC(2026, 9, 1) / 1000, to: Date.UTC(2026, 9, 16) / 1000 };
    const [jsonl, sqlite] = await Promise.all(
      [join(root, 'clean', 'monitoring'), join(root, 'clean', 'monitoring.db')].map((path) => buildReport(pathQuerySource(path), { sourceName: 'demo', now: NOW, pitwallVersion: '1', ...range })),
    );
    assert.ok(jsonl !== undefined && sqlite !== undefined);
    assert.deepEqual(jsonl.data.summary, sqlite.data.summary);
    assert.deepEqual(jsonl.data.trend, sqlite.data.trend);
    assert.deepEqual(jsonl.data.calibration, sqlite.data.calibration);
    assert.ok(jsonl.data.trend.rows.length > 20);
    // The generator words the alerts of its two formats differently (as the Python system's two writers did): all else is equal.
    const withoutAlerts = (html: string) => html.replace(/<section id="alerts">[\s\S]*?<\/section>/, '').replace(/\d+ open alerts?\./, '');
    assert.equal(withoutAlerts(jsonl.html), withoutAlerts(sqlite.html));
  });

  it('covers the range and model asked for, and refuses an unknown version or an empty range', async () => {
    const path = join(root, 'clean', 'monitoring.db');
    const from = Date.UTC(2026, 9, 7) / 1000;
    const data = await readReportData(pathQuerySource(path), { sourceName: 'x', now: NOW, pitwallVersion: '1', from, modelVersion: 'v1.1' });
    assert.equal(data.range?.from, from);
    assert.deepEqual(data.versions, ['v1.1']);
    assert.ok(data.trend.rows.every((row) => row.group === 'v1.1' && row.window_start >= from - 86400));
    assert.ok(data.openAlerts.shown.every((alert) => alert.model_version === 'v1.1'));
    await assert.rejects(readReportData(pathQuerySource(path), { sourceName: 'x', now: NOW, pitwallVersion: '1', modelVersion: 'v9' }), /No model version "v9" in this source: it has v1\.0, v1\.1\./);
    await assert.rejects(readReportData(pathQuerySource(path), { sourceName: 'x', now: NOW, pitwallVersion: '1', from, to: from }), /range is empty/);
  });

  it('says "no predictions" in every analysis section for a range without any, and still lists the open alerts', async () => {
    const data = await readReportData(pathQuerySource(join(root, 'clean', 'monitoring')), { sourceName: 'x', now: NOW, pitwallVersion: '1', from: Date.UTC(2030, 0, 1) / 1000 });
    assert.deepEqual(data.versions, []);
    const html = reportHtml(data, { trend: null, calibration: null, drift: null, estimates: null });
    for (const id of ['trend', 'calibration', 'drift', 'estimates']) assert.match(html, new RegExp(`<section id="${id}">\\s*<h2>[^<]+</h2>\\s*<p class="note">No predictions in this range\\.</p>`), id);
    assert.ok(data.openAlerts.total > 0);
    assert.equal(svgsOf(html).length, 0);
  });

  it('chooses the trend window by the span: at most 60 windows', () => {
    assert.equal(reportWindow(86400).label, '1h');
    assert.equal(reportWindow(14 * 86400).label, '6h');
    assert.equal(reportWindow(30 * 86400).label, '1d');
    assert.equal(reportWindow(365 * 86400).label, '7d');
  });
});
