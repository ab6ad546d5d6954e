import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import * as vscode from 'vscode';
import { startPostgresCluster, type PostgresCluster } from '../../scripts/postgresCluster';
import { writePostgresFromSqlite } from '../../scripts/generator/writePostgres';
import { readAlertWhy } from '../../src/core/alerting/alertContext';
import { whyLines } from '../../src/core/alerting/whyText';
import { readDataScope } from '../../src/core/analytics/dataScope';
import type { FeatureDrift } from '../../src/core/analytics/drift';
import { driftScore, readDrift } from '../../src/core/analytics/driftReport';
import { readWindowedMetrics } from '../../src/core/analytics/windows';
import { buildReport } from '../../src/core/report/monitoringReport';
import { openStore, scanPredictionColumns } from '../../src/core/store/openStore';
import type { PredictionColumnsQuery, Store, StoredAlert } from '../../src/core/store/store';
import type { AlertsNode } from '../../src/extension/alertsTreeDataProvider';
import { assertSameMarkup } from '../unit/core/report/sameMarkup';
import { assertNoCspViolations, clickInPanel, eventually, panelAct, panelState, type PanelAction, type PanelChart, type PanelState, pitwall, requireWorkbench, screenshot, workbenchText } from './harness';
import { exportFromPanel } from './panelExports';

/**
 * The Drift, Compare Model Versions and Alert Details panels and Export Report… on a PostgreSQL
 * source, in the real VS Code. The workspace's SQLite file is loaded into a throw-away server; each
 * number the editor shows is checked against an answer that does not go through the PostgreSQL
 * store: psql on the server, or the kernel over the same data opened as the SQLite file.
 */
const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const database = join(workspace, 'data/monitoring.db');
const DAY = 86_400;

function panelTabs(title: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === title);
}

function chart(state: PanelState, id: 'chart' | 'distribution'): PanelChart | undefined {
  return state.charts.find((c) => c.id === id);
}

/** The drift panel once both its charts are drawn and satisfy `check`, after `action`. */
function driftDrawn(check: (options: Record<string, unknown>, state: PanelState) => boolean, action?: PanelAction): Promise<PanelState> {
  let acted = false;
  return eventually(async () => {
    const state = await panelAct(acted || action === undefined ? {} : action);
    acted = true;
    const ranking = chart(state, 'chart');
    const distribution = chart(state, 'distribution');
    if (ranking?.points == null || ranking.options === null || distribution?.points == null || state.busy) return undefined;
    return check(JSON.parse(ranking.options) as Record<string, unknown>, state) ? state : undefined;
  }, 60_000);
}

/** 'PSI 0.1234' or 'JS distance 0.1234', as the drift table writes a score. */
function scoreText(result: FeatureDrift): string {
  const scored = driftScore(result);
  assert.ok(scored !== null, `${result.feature_name} has a score`);
  return `${scored.statistic === 'psi' ? 'PSI' : 'JS distance'} ${scored.score.toFixed(4)}`;
}

function distributionBars(result: FeatureDrift): number {
  return result.bins.reduce((sum, bin) => sum + (Number.isFinite(bin.baseline_share) ? 1 : 0) + (Number.isFinite(bin.current_share) ? 1 : 0), 0);
}

/** The ranges the drift panel compares by default (first 7 days against the last `current`), from the reference's own scope. */
async function driftRangesOf(store: Store, current: '24h' | '7d'): Promise<{ baseline: { from: number; to: number }; current: { from: number; to: number } }> {
  const scope = await readDataScope(store);
  assert.ok(scope.first !== null && scope.last !== null);
  const to = scope.last + 1;
  const now = { from: Math.max(scope.first, to - (current === '24h' ? DAY : 7 * DAY)), to };
  return { baseline: { from: scope.first, to: Math.min(scope.first + 7 * DAY, now.from) }, current: now };
}

/** Drift from the kernel over the SQLite file, most drifted first (the panel's order). */
async function referenceDrift(store: Store, current: '24h' | '7d', modelVersion?: string): Promise<FeatureDrift[]> {
  const ranges = await driftRangesOf(store, current);
  const results = await readDrift(store, { ...ranges, ...(modelVersion === undefined ? {} : { modelVersion }) });
  return results.sort((a, b) => (driftScore(b)?.score ?? -Infinity) - (driftScore(a)?.score ?? -Infinity) || (a.feature_name < b.feature_name ? -1 : 1));
}

/** SQL for a half-open range of unix seconds. */
function during(range: { from: number; to: number }): string {
  return `timestamp >= to_timestamp(${range.from}) AND timestamp < to_timestamp(${range.to})`;
}

describe('The Drift, Compare Versions and Alert Details panels and the report on a PostgreSQL source (a throw-away server)', function () {
  this.timeout(180_000);
  let server: PostgresCluster | undefined;
  let reference: Store | undefined;
  let previous: string | null = null;
  const temporary: string[] = [];
  /** The prediction-column reads the extension host asked of the server since the test began. */
  const reads: PredictionColumnsQuery[] = [];
  let restoreReads: (() => void) | undefined;

  before(async function () {
    requireWorkbench(this);
    const api = await pitwall();
    previous = api.sources.source?.path ?? null;
    server = await startPostgresCluster();
    server.createDatabase('panels');
    await writePostgresFromSqlite(database, server.url('panels'));
    // The independent answer: the very same data, as the SQLite file it was loaded from, read by the kernel.
    reference = await openStore(database, { readOnly: 'the reference of a test' });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const source = await api.sources.open(server.url('panels'));
    assert.equal(source.description.kind, 'postgres');
    const store = source.store as unknown as Record<string, unknown>;
    const read = store.readPredictionColumns as (query?: PredictionColumnsQuery) => unknown;
    store.readPredictionColumns = (query?: PredictionColumnsQuery) => {
      reads.push(query ?? {});
      return read.call(source.store, query);
    };
    restoreReads = () => {
      store.readPredictionColumns = read;
    };
  });

  beforeEach(() => {
    reads.length = 0;
  });

  /** Every read of predictions was of a time range (a panel on a server never loads the table). */
  function assertBoundedReads(): void {
    for (const query of reads) assert.ok(query.from !== undefined && query.to !== undefined && Number.isFinite(query.from) && Number.isFinite(query.to), `a read of the whole table: ${JSON.stringify(query)}`);
  }

  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    if (previous !== null) await api.sources.open(previous).catch(() => undefined);
    restoreReads?.();
    await reference?.close();
    server?.stop();
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });

  function opened(): { server: PostgresCluster; reference: Store } {
    assert.ok(server !== undefined && reference !== undefined, 'the server was started');
    return { server, reference };
  }

  it('Drift: ranks every feature as the kernel does over the SQLite file, counts as psql counts, a distribution per feature; the CSV export and a change of range agree too', async function () {
    requireWorkbench(this);
    const { server, reference } = opened();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showDrift');
    await eventually(() => (panelTabs('Drift').length === 1 ? true : undefined));
    const results = await referenceDrift(reference, '24h');
    assert.equal(results.length, 3, 'the generated data has three features');
    const state = await driftDrawn((options) => options.baseline === 'first-7d' && options.current === '24h' && options.version === null);
    assertNoCspViolations(state);
    assert.match(state.text, /panels on 127\.0\.0\.1/, 'the panel names the PostgreSQL source');
    const ranking = chart(state, 'chart') as PanelChart;
    assert.equal(ranking.points, results.length);
    assert.equal(ranking.rects, results.length, 'one SVG bar per feature');
    for (const result of results) assert.ok(state.text.includes(`${result.feature_name}\t${result.kind}\t${scoreText(result)}`), `${result.feature_name}: ${scoreText(result)} in ${state.text}`);
    const [first] = results as [FeatureDrift];
    const distribution = chart(state, 'distribution') as PanelChart;
    assert.equal(distribution.feature, first.feature_name, 'the most drifted feature is selected');
    assert.equal(distribution.rects, distributionBars(first), 'one SVG bar per bin and side');
    await screenshot('postgres-drift');

    // Every feature, most drifted first; its scores as the SQLite file's; its counts as the server counts them.
    const ranges = await driftRangesOf(reference, '24h');
    const exported = await exportFromPanel(await pitwall(), 'postgres-drift');
    const [header, ...records] = exported.csv;
    assert.equal(header, 'feature,kind,statistic,score,threshold,severity,drift_detected,test,test_statistic,p_value,baseline_count,current_count,reason');
    assert.deepEqual(records.map((record) => record.split(',')[0]), results.map((result) => result.feature_name));
    for (const [index, record] of records.entries()) {
      const cells = record.split(',');
      const result = results[index] as FeatureDrift;
      const scored = driftScore(result);
      assert.ok(scored !== null);
      assert.ok(Math.abs(Number(cells[3]) - scored.score) <= 1e-12 * Math.max(1, Math.abs(scored.score)), `${result.feature_name}: ${cells[3]} on the server, ${scored.score} in the SQLite file`);
      const count = (range: { from: number; to: number }) => Number(server.psql('panels', `SELECT count(*) FROM predictions WHERE ${during(range)} AND features::jsonb ->> '${result.feature_name}' IS NOT NULL`));
      assert.deepEqual([Number(cells[10]), Number(cells[11])], [count(ranges.baseline), count(ranges.current)], `${result.feature_name}: baseline and current counts`);
    }

    // A week instead of a day: computed again, as the kernel does over the file.
    const week = await referenceDrift(reference, '7d');
    assert.notDeepEqual(week.map(scoreText), results.map(scoreText), 'a week drifts otherwise than a day');
    const weekly = await driftDrawn((options) => options.current === '7d', { select: { id: 'current', value: '7d' } });
    for (const result of week) assert.ok(weekly.text.includes(`${result.feature_name}\t${result.kind}\t${scoreText(result)}`), `${result.feature_name}: ${scoreText(result)} over a week`);
    // One version: its rows only.
    const v11 = await referenceDrift(reference, '7d', 'v1.1');
    const version = await driftDrawn((options) => options.version === 'v1.1', { select: { id: 'version', value: 'v1.1' } });
    for (const result of v11) assert.ok(version.text.includes(`${result.feature_name}\t${result.kind}\t${scoreText(result)}`), `${result.feature_name}: ${scoreText(result)} for v1.1`);
    assertNoCspViolations(version);
    await screenshot('postgres-drift-week-v1.1');
    assertBoundedReads();
  });

  it("Drift: opens a drift alert's feature and version from the Alerts view, as the kernel computes them over the SQLite file", async function () {
    requireWorkbench(this);
    const { reference } = opened();
    const api = await pitwall();
    type AlertNode = Extract<AlertsNode, { kind: 'alert' }>;
    let node: AlertNode | undefined;
    for (const group of await api.alerts.getChildren()) {
      node ??= (await api.alerts.getChildren(group)).find((child): child is AlertNode => child.kind === 'alert' && child.alert.metric_name === 'track_temp_psi' && child.alert.model_version !== null);
    }
    assert.ok(node !== undefined, 'the server has a drift alert on track_temp');
    const version = node.alert.model_version as string;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showDrift', node);
    await eventually(() => (panelTabs(`Drift: ${version}`).length === 1 ? true : undefined));
    const results = await referenceDrift(reference, '24h', version);
    const state = await driftDrawn((options) => options.version === version && options.feature === 'track_temp');
    assertNoCspViolations(state);
    for (const result of results) assert.ok(state.text.includes(`${result.feature_name}\t${result.kind}\t${scoreText(result)}`), `${result.feature_name}: ${scoreText(result)} for ${version}`);
    const trackTemp = results.find((result) => result.feature_name === 'track_temp');
    assert.ok(trackTemp !== undefined);
    assert.equal(chart(state, 'distribution')?.feature, 'track_temp');
    assert.equal(chart(state, 'distribution')?.rects, distributionBars(trackTemp), 'one SVG bar per bin and side of track_temp');
    assertBoundedReads();
  });

  it('Compare Model Versions: the counts, accuracies and the z-test of accuracy as psql counts them; one trend point per window as the kernel windows the SQLite file', async function () {
    requireWorkbench(this);
    const { server, reference } = opened();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.compareVersions');
    await eventually(() => (panelTabs('Compare Model Versions').length === 1 ? true : undefined));
    const state = await eventually(async () => {
      const seen = await panelState();
      return seen.points !== null && !seen.busy && seen.text.includes('two-proportion z-test') ? seen : undefined;
    }, 60_000);
    assertNoCspViolations(state);
    const versions = server.psql('panels', 'SELECT DISTINCT model_version FROM predictions ORDER BY 1').split('\n');
    assert.ok(versions.length >= 2);
    assert.deepEqual(state.checked, versions);
    const [baseline, other] = versions as [string, string];

    // The panel's default range: the last 7 days up to the newest prediction, from the server.
    const last = Number(server.psql('panels', 'SELECT extract(epoch FROM max(timestamp)) FROM predictions'));
    const first = Number(server.psql('panels', 'SELECT extract(epoch FROM min(timestamp)) FROM predictions'));
    const range = { from: Math.max(first, last + 1 - 7 * DAY), to: last + 1 };
    const counted = new Map(
      server
        .psql('panels', `SELECT model_version, count(*), count(actual_outcome), count(*) FILTER (WHERE actual_outcome = predicted_outcome) FROM predictions WHERE ${during(range)} GROUP BY 1 ORDER BY 1`)
        .split('\n')
        .map((line) => line.split('|'))
        .map(([name, count, labelled, correct]) => [name as string, { count: Number(count), labelled: Number(labelled), correct: Number(correct) }]),
    );
    const a = counted.get(baseline);
    const b = counted.get(other);
    assert.ok(a !== undefined && b !== undefined && a.labelled > 0 && b.labelled > 0);
    const pooled = (a.correct + b.correct) / (a.labelled + b.labelled);
    const z = (b.correct / b.labelled - a.correct / a.labelled) / Math.sqrt(pooled * (1 - pooled) * (1 / a.labelled + 1 / b.labelled));
    const p = 2 * (1 - normalCdf(Math.abs(z), 0, 1));
    const pText = p < 0.001 ? p.toExponential(1) : p.toFixed(3);
    assert.ok(state.text.includes(`z = ${z.toFixed(2)}, p = ${pText}`), `z = ${z.toFixed(2)}, p = ${pText} in:\n${state.text}`);
    for (const [name, side] of [[baseline, a], [other, b]] as const) assert.ok(state.text.includes((side.correct / side.labelled).toFixed(3)), `the accuracy of ${name}`);

    const exported = await exportFromPanel(await pitwall(), 'postgres-compare');
    const [header, ...records] = exported.csv;
    const column = (name: string) => (header ?? '').split(',').indexOf(name);
    assert.deepEqual(records.map((record) => record.split(',')[0]), versions);
    for (const record of records) {
      const cells = record.split(',');
      const side = counted.get(cells[0] as string);
      assert.ok(side !== undefined);
      assert.deepEqual([Number(cells[column('count')]), Number(cells[column('labelled')])], [side.count, side.labelled], `${cells[0]}: predictions and labels in the range`);
      assert.ok(Math.abs(Number(cells[column('accuracy')]) - side.correct / side.labelled) < 1e-12, `${cells[0]}: accuracy ${cells[column('accuracy')]}`);
    }
    assert.ok(Math.abs(Number(records[1]?.split(',')[column('accuracy_z')]) - z) < 1e-9, 'z in the CSV');

    // The trend: a point per 6-hour window and version with 30 labels, as the kernel windows the SQLite file.
    const { rows } = await readWindowedMetrics(reference, { every: 6 * 3600, from: range.from, to: range.to, by: 'model_version', metrics: ['accuracy'], minLabels: 30, path: 'in-memory' });
    assert.equal(state.every, 6 * 3600);
    assert.equal(state.points, rows.filter((row) => row.group !== null && versions.includes(row.group) && row.accuracy !== null && row.accuracy !== undefined).length);
    await screenshot('postgres-compare');
    assert.deepEqual(reads, [], 'the comparison was summed on the server: no prediction read');
  });

  it('Alert Details: why an accuracy alert fired, its rule and the metric around it as the kernel windows the SQLite file; acknowledged from the panel, the row on the server changes', async function () {
    requireWorkbench(this);
    const { server, reference } = opened();
    const api = await pitwall();
    const store = api.sources.source?.store;
    assert.ok(store !== undefined);
    const alerts: readonly StoredAlert[] = await store.readAlerts();
    const alert = alerts.find((a) => a.metric_name === 'accuracy' && a.model_version === 'v1.1' && !a.acknowledged);
    assert.ok(alert !== undefined, 'the generated alerts have an open accuracy alert of v1.1');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showAlertDetails', alert);
    const state = await eventually(async () => {
      const shown = await panelState();
      return shown.points !== null && shown.text.includes('Why it fired') ? shown : undefined;
    }, 60_000);
    assertNoCspViolations(state);
    assert.ok(state.text.includes(alert.alert_id));
    const rule = server.psql('panels', `SELECT r.rule_id || ': ' || r.metric_name || ' ' || r.comparison || ' ' || r.threshold FROM alert_rules r WHERE r.metric_name = 'accuracy' AND r.severity = '${alert.severity}' ORDER BY r.id LIMIT 1`);
    assert.ok(state.text.includes(rule), `the rule ${rule} in:\n${state.text}`);
    assert.match(state.text, /State\s+Open/);
    assert.match(state.text, /Worked out now from the source|Recorded when it fired/);
    assert.doesNotMatch(state.text, /could not be worked out/);
    // Why it fired, as the kernel works it out from the same alert in the SQLite file.
    const [same] = await reference.readAlerts({ alertId: alert.alert_id });
    assert.ok(same !== undefined);
    const why = await readAlertWhy(reference, same);
    assert.ok(why !== null && why.why.segments.length + why.why.drifted_features.length > 0, 'the SQLite file explains the alert');
    for (const line of whyLines(why.why, 8)) assert.ok(state.text.includes(line), `"${line}" in:\n${state.text}`);
    const every = state.every;
    assert.ok(every !== null && [3600, 21_600, 86_400].includes(every), `a window of an hour, 6 hours or a day (${every})`);
    const from = Math.floor(alert.timestamp / every) * every - 24 * every;
    const to = Math.ceil(alert.timestamp / every) * every + 6 * every;
    const { rows } = await readWindowedMetrics(reference, { every, from, to, by: 'model_version', metrics: ['accuracy'], path: 'in-memory' });
    const mine = rows.filter((row) => row.group === 'v1.1');
    assert.ok(mine.some((row) => row.accuracy !== null));
    assert.equal(state.points, mine.filter((row) => row.accuracy !== null && row.accuracy !== undefined).length, 'one point per window of v1.1 with a value');
    const exported = await exportFromPanel(api, 'postgres-alert');
    const [header, ...records] = exported.csv;
    assert.equal(header, 'window_start,window_end,model_version,count,labelled,label_coverage,insufficient,accuracy');
    assert.deepEqual(
      records.map((record) => record.split(',').slice(0, 5).join(',')),
      mine.map((row) => [new Date(row.window_start * 1000).toISOString(), new Date(row.window_end * 1000).toISOString(), 'v1.1', row.count, row.labelled].join(',')),
      'each window around the alert, with the predictions and labels of the SQLite file',
    );
    await screenshot('postgres-alert-details');

    const acknowledged = () => server.psql('panels', `SELECT acknowledged FROM alerts WHERE id = ${Number(alert.key)}`);
    assert.equal(acknowledged(), 'f');
    await clickInPanel('action-acknowledge');
    await eventually(() => (acknowledged() === 't' ? true : undefined), 30_000);
    await eventually(async () => (/State\s+Acknowledged/.test((await panelState()).text) ? true : undefined), 30_000);
    await clickInPanel('action-unacknowledge');
    await eventually(() => (acknowledged() === 'f' ? true : undefined), 30_000);
    await eventually(async () => (/State\s+Open/.test((await panelState()).text) ? true : undefined), 30_000);
    // Why it fired reads the rows around the alert (and only those), its chart the server's sums.
    assert.ok(reads.length > 0, 'the rows around the alert were read');
    assertBoundedReads();
  });

  it('Export Report…: the report of the server says what the same report of the SQLite file says, section by section, summed there; the estimates left out with the reason', async function () {
    requireWorkbench(this);
    this.timeout(240_000);
    const { server, reference } = opened();
    const api = await pitwall();
    const source = api.sources.source;
    assert.ok(source?.description.kind === 'postgres');
    const folder = mkdtempSync(join(tmpdir(), 'pitwall-postgres-report-'));
    temporary.push(folder);
    const target = join(folder, 'report.html');
    await vscode.commands.executeCommand('pitwall.exportReport', vscode.Uri.file(target));
    const html = await eventually(() => (existsSync(target) ? readFileSync(target, 'utf8') : undefined), 120_000);
    await eventually(async () => (/Wrote the report of panels on 127\.0\.0\.1/.test(await workbenchText('.notifications-toasts')) ? true : undefined), 30_000);
    await screenshot('postgres-report-notification');
    await vscode.commands.executeCommand('notifications.clearAll');
    assert.ok(!html.includes(`:${server.password}@`), 'the report names no password');
    assert.ok(html.includes(source.path), 'the report names the server');

    const { html: expected } = await buildReport(
      { scanColumns: (features, metadata) => scanPredictionColumns(database, features, metadata), withStore: (use) => use(reference) },
      { sourceName: source.path, now: Date.now() / 1000, pitwallVersion: 'reference' },
    );
    const section = (page: string, id: string) => {
      const match = new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(page);
      assert.ok(match !== null, `a ${id} section`);
      return match[0];
    };
    // Summed on the server: the file's sections, numbers to 1e-12 (a chart coordinate may differ in its last digit).
    for (const id of ['summary', 'alerts', 'trend', 'calibration', 'drift']) assertSameMarkup(section(html, id), section(expected, id), `the ${id} section`);
    // The estimates need every prediction's confidence: left out, with the reason.
    assert.match(section(html, 'estimates'), /need every prediction&#39;s confidence, which stays on the database server\./);
    assert.equal((html.match(/<svg\b/g) ?? []).length, 3);
    // No prediction was loaded: drift is counted on the server too.
    assert.deepEqual(reads, [], 'no prediction columns read');
    assert.doesNotMatch(html, /<script|https?:/);
    // And the summary's counts as the server has them.
    for (const line of server.psql('panels', 'SELECT model_version, count(*), count(actual_outcome) FROM predictions GROUP BY 1 ORDER BY 1').split('\n')) {
      const [name, count, labelled] = line.split('|');
      assert.match(section(html, 'summary'), new RegExp(`<td>${name}</td><td[^>]*>${count}</td><td[^>]*>${labelled}</td>`), `${name}: ${count} predictions, ${labelled} labelled`);
    }
  });
  it("a notebook on the server exports as HTML: its PQL and SQL cells run there, with the open source's password", async function () {
    requireWorkbench(this);
    this.timeout(120_000);
    const { server } = opened();
    const api = await pitwall();
    const source = api.sources.source;
    assert.ok(source?.description.kind === 'postgres');
    const folder = mkdtempSync(join(tmpdir(), 'pitwall-postgres-notebook-'));
    temporary.push(folder);
    const file = join(folder, 'server.pitnb');
    // The notebook names the server as the editor does: by its URL, without the password.
    writeFileSync(
      file,
      `>>>pitwall ${JSON.stringify({ version: 1, source: source.path })}\n>>>pql\npredictions | window 1d | by model_version | metrics accuracy\n>>>sql\nselect model_version, count(*) as n from predictions group by model_version order by model_version\n`,
    );
    const document = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    await vscode.window.showNotebookDocument(document);
    const target = join(folder, 'server.html');
    await vscode.commands.executeCommand('pitwall.notebook.exportHtml', document.uri, vscode.Uri.file(target));
    const html = await eventually(() => (existsSync(target) ? readFileSync(target, 'utf8') : undefined), 60_000);
    assert.doesNotMatch(html, /failed|could not/i, 'every cell ran');
    assert.equal((html.match(/<svg\b/g) ?? []).length, 1, "the PQL cell's chart");
    for (const line of server.psql('panels', 'SELECT model_version, count(*) FROM predictions GROUP BY 1 ORDER BY 1').split('\n')) {
      const [name, count] = line.split('|');
      assert.match(html, new RegExp(`<td>${name}</td><td class="num">${count}</td>`), `the SQL cell counts ${count} predictions of ${name}`);
    }
    assert.ok(!html.includes(`:${server.password}@`));
    await eventually(async () => (/Wrote server\.html/.test(await workbenchText('.notifications-toasts')) ? true : undefined), 30_000);
    await screenshot('postgres-notebook-export');
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
