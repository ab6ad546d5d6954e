import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { startPostgresCluster, type PostgresCluster } from '../../scripts/postgresCluster';
import { writePostgresFromSqlite } from '../../scripts/generator/writePostgres';
import { readDataScope } from '../../src/core/analytics/dataScope';
import { driftScore, readDrift } from '../../src/core/analytics/driftReport';
import { openStore } from '../../src/core/store/openStore';
import { RESULT_MIME } from '../../src/shared/notebookOutput';
import { assertNoCspViolations, eventually, panelState, pitwall, press, requireWorkbench, screenshot, SIDEBAR, type, workbenchText } from './harness';

/** Waits until the quick input shows this text, then types `text` into it (replacing what it holds) and presses Enter. */
async function answer(expected: RegExp, text: string | null): Promise<void> {
  await eventually(async () => (expected.test(await workbenchText('.quick-input-widget')) ? true : undefined));
  if (text !== null) {
    await press('Control+A');
    if (text === '') await press('Backspace');
    else await type(text);
  }
  await new Promise((resolve) => setTimeout(resolve, 150));
  await press('Enter');
}

describe('A PostgreSQL source in the editor (a throw-away server)', function () {
  this.timeout(180_000);
  let server: PostgresCluster | undefined;
  let before: string | null = null;

  after(async () => {
    const api = await pitwall();
    // The suites after this one find the workspace's own source open again, as before.
    if (before !== null) await api.sources.open(before).catch(() => undefined);
    await vscode.workspace.getConfiguration('pitwall.postgres').update('pollInterval', undefined, vscode.ConfigurationTarget.Global);
    server?.stop();
  });

  it('opens through Pitwall: Open PostgreSQL Database… (a wrong password asked again) and fills the Alerts, Rules and Models views', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    before = api.sources.source?.path ?? null;
    // The workspace's generated SQLite data, loaded into a database of a server started for this suite.
    const cluster = await startPostgresCluster();
    server = cluster;
    cluster.createDatabase('editor');
    await writePostgresFromSqlite(join(process.env.PITWALL_TEST_WORKSPACE ?? '', 'data/monitoring.db'), cluster.url('editor'));
    await vscode.workspace.getConfiguration('pitwall.postgres').update('pollInterval', 1, vscode.ConfigurationTarget.Global);

    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await press('F1');
    await type('Pitwall: Open PostgreSQL Database');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await press('Enter');
    await answer(/1\/6[\s\S]*Host name or address|Host name or address[\s\S]*1\/6/, cluster.host);
    await answer(/2\/6/, String(cluster.port));
    await answer(/3\/6/, 'editor');
    await answer(/4\/6/, cluster.user);
    await answer(/5\/6/, 'not-the-password');
    await answer(/6\/6/, 'disable');
    // The server refuses: the password is asked for again, saying why.
    await eventually(async () => (/refused the password of user "postgres": enter it again/.test(await workbenchText('.quick-input-widget')) ? true : undefined), 30_000);
    await screenshot('postgres-password-refused');
    await answer(/refused the password/, cluster.password);

    const source = await eventually(() => (api.sources.source?.description.kind === 'postgres' ? api.sources.source : undefined), 30_000);
    assert.equal(source.path, `postgres://postgres@127.0.0.1:${cluster.port}/editor?sslmode=disable`);
    assert.equal(source.name, 'editor on 127.0.0.1');
    assert.ok(!source.path.includes(cluster.password) && !source.description.path.includes(cluster.password), 'the source shown names no password');
    assert.equal(source.counts.alerts, Number(cluster.psql('editor', 'SELECT count(*) FROM alerts')));
    assert.equal(source.counts.rules, Number(cluster.psql('editor', 'SELECT count(*) FROM alert_rules')));
    assert.ok(source.counts.alerts > 0 && source.counts.rules > 0);

    const groups = await api.alerts.getChildren();
    assert.ok(groups.length > 0);
    for (const group of groups) {
      assert.ok(group.kind === 'group');
      assert.equal(group.group.total, Number(cluster.psql('editor', `SELECT count(*) FROM alerts WHERE severity = '${String(group.group.key)}'`)));
    }
    const ruleGroups = (await api.rules.getChildren()).filter((node) => node.kind === 'group');
    assert.equal((await Promise.all(ruleGroups.map((group) => api.rules.getChildren(group)))).flat().length, source.counts.rules);
    const predictions = await api.sources.predictionsLoaded();
    assert.equal(predictions?.predictions, Number(cluster.psql('editor', 'SELECT count(*) FROM predictions')));
    const versions = cluster.psql('editor', 'SELECT DISTINCT model_version FROM predictions ORDER BY 1').split('\n');
    assert.deepEqual(predictions?.versions.map((v) => v.modelVersion), versions);
    const models = await eventually(async () => {
      const text = await workbenchText(SIDEBAR);
      return versions.every((version) => text.includes(version)) ? text : undefined;
    });
    assert.ok(models.includes(versions[0] as string));
    await api.alertsView.reveal(groups[0] as never, { expand: true, select: false, focus: false });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await screenshot('postgres-source');
  });

  it('shows an alert another process inserts without reopening (the live follow)', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    assert.ok(server !== undefined);
    const alerts = api.sources.source?.counts.alerts ?? 0;
    server.psql('editor', "INSERT INTO alerts (alert_id, timestamp, severity, title, message, acknowledged) VALUES ('live-editor', now(), 'critical', 'PERFORMANCE: live alert', 'inserted by psql', false)");
    await eventually(() => (api.sources.source?.counts.alerts === alerts + 1 ? true : undefined), 20_000);
    const critical = (await api.alerts.getChildren()).find((node) => node.kind === 'group' && node.group.key === 'critical');
    assert.ok(critical !== undefined);
    assert.ok(
      (await api.alerts.getChildren(critical)).some((node) => node.kind === 'alert' && node.alert.alert_id === 'live-editor'),
      'the new alert is listed under critical',
    );
  });

  it('draws the trend and calibration panels and runs a notebook on the server, the predictions never loaded into the editor', async function () {
    requireWorkbench(this);
    this.timeout(240_000);
    const api = await pitwall();
    assert.ok(server !== undefined);
    const source = await eventually(() => (api.sources.source?.description.kind === 'postgres' ? api.sources.source : undefined));
    const loads = { columns: 0 };
    // What the extension host asks of the store from here on: no prediction columns.
    const store = source.store as unknown as Record<string, unknown>;
    const read = store.readPredictionColumns as (...args: unknown[]) => unknown;
    store.readPredictionColumns = (...args: unknown[]) => {
      loads.columns++;
      return read.apply(source.store, args);
    };
    try {
      await vscode.commands.executeCommand('pitwall.showTrend');
      const trend = await eventually(async () => {
        const state = await panelState();
        return state.points !== null && state.points > 0 ? state : undefined;
      }, 60_000);
      assertNoCspViolations(trend);
      // One point per window of the server's own hourly sums (6-hour windows over the last 7 days of data).
      const last = Number(server.psql('editor', 'SELECT extract(epoch FROM max(timestamp)) FROM predictions'));
      const windows = Number(
        server.psql('editor', `SELECT count(*) FROM (SELECT model_version, floor(extract(epoch FROM timestamp) / 21600) AS w, count(*) FILTER (WHERE actual_outcome IS NOT NULL) AS labelled FROM predictions WHERE timestamp >= to_timestamp(${last + 1} - 7 * 86400) GROUP BY 1, 2) AS windows WHERE labelled >= 30`),
      );
      assert.equal(trend.points, windows, 'a point per window with enough labels, as the server counts them');
      await screenshot('postgres-trend');
      await vscode.commands.executeCommand('pitwall.showCalibration');
      const calibration = await eventually(async () => {
        const state = await panelState();
        return state.charts.some((chart) => chart.symbols > 0) ? state : undefined;
      }, 60_000);
      assertNoCspViolations(calibration);
      await screenshot('postgres-calibration');
      assert.equal(loads.columns, 0, 'the panels asked the server for sums, not for the predictions');
    } finally {
      store.readPredictionColumns = read;
    }

    const editor = (await vscode.commands.executeCommand('pitwall.newNotebook')) as vscode.NotebookEditor;
    const notebook = editor.notebook;
    assert.equal(notebook.metadata.source, source.path, 'the notebook names the server by its URL, without the password');
    await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: 'pitwall.kernel', extension: 'pitwall.pitwall' });
    const cells = notebook.getCells().filter((cell) => cell.kind === vscode.NotebookCellKind.Code);
    const [trendCell] = cells;
    const sqlCell = cells.at(-1);
    assert.ok(trendCell !== undefined && sqlCell !== undefined && sqlCell.document.languageId === 'sql');
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [trendCell, sqlCell].map((cell) => ({ start: cell.index, end: cell.index + 1 })), document: notebook.uri });
    await eventually(() => ([trendCell, sqlCell].every((cell) => cell.executionSummary?.success !== undefined) ? true : undefined), 120_000);
    const outputs = (cell: vscode.NotebookCell) => cell.outputs.map((output) => output.items.map((item) => new TextDecoder().decode(item.data).slice(0, 400)).join(' | ')).join('\n');
    assert.equal(trendCell.executionSummary?.success, true, outputs(trendCell));
    assert.equal(sqlCell.executionSummary?.success, true, outputs(sqlCell));
    const result = JSON.parse(new TextDecoder().decode(sqlCell.outputs[0]?.items.find((item) => item.mime === RESULT_MIME)?.data ?? new Uint8Array())) as { rows: { model_version: string; predictions: number }[] };
    const expected = server
      .psql('editor', 'SELECT model_version, count(*) FROM predictions GROUP BY 1 ORDER BY 1')
      .split('\n')
      .map((line) => line.split('|'))
      .map(([version, count]) => ({ model_version: version, predictions: Number(count) }));
    assert.deepEqual(result.rows.map((row) => ({ model_version: row.model_version, predictions: row.predictions })), expected);
    await vscode.window.showNotebookDocument(notebook, { selections: [new vscode.NotebookRange(trendCell.index, trendCell.index + 1)] });
    editor.revealRange(new vscode.NotebookRange(trendCell.index, trendCell.index + 1));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await screenshot('postgres-notebook');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('draws the Drift panel from the values the server counts, the numbers of the SQLite file it was loaded from, no prediction read', async function () {
    requireWorkbench(this);
    this.timeout(240_000);
    const api = await pitwall();
    const source = await eventually(() => (api.sources.source?.description.kind === 'postgres' ? api.sources.source : undefined));
    // What the extension host asks of the store: no prediction columns, no prediction but the data's first and last.
    const reads = { columns: 0, predictions: 0 };
    const store = source.store as unknown as Record<string, unknown>;
    const readColumns = store.readPredictionColumns as (...args: unknown[]) => unknown;
    const readPredictions = store.readPredictions as (...args: unknown[]) => unknown;
    store.readPredictionColumns = (...args: unknown[]) => {
      reads.columns++;
      return readColumns.apply(source.store, args);
    };
    store.readPredictions = (...args: unknown[]) => {
      if ((args[0] as { limit?: number } | undefined)?.limit !== 1) reads.predictions++;
      return readPredictions.apply(source.store, args);
    };
    const sqlite = await openStore(join(process.env.PITWALL_TEST_WORKSPACE ?? '', 'data/monitoring.db'), { readOnly: 'the test compares with it' });
    try {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('pitwall.showDrift');
      const state = await eventually(async () => {
        const read = await panelState();
        const ranking = read.charts.find((c) => c.id === 'chart');
        const distribution = read.charts.find((c) => c.id === 'distribution');
        return ranking?.points != null && ranking.points > 0 && distribution?.points != null && !read.busy ? read : undefined;
      }, 60_000);
      assertNoCspViolations(state);
      // The panel's default ranges: the data's first 7 days against its last 24 hours.
      const scope = await readDataScope(sqlite);
      assert.ok(scope.first !== null && scope.last !== null);
      const current = { from: Math.max(scope.first, scope.last + 1 - 86_400), to: scope.last + 1 };
      const baseline = { from: scope.first, to: Math.min(scope.first + 7 * 86_400, current.from) };
      const expected = await readDrift(sqlite, { baseline, current });
      const scored = expected.filter((result) => driftScore(result) !== null);
      assert.equal(state.charts.find((c) => c.id === 'chart')?.rects, scored.length, 'one bar per scored feature');
      for (const result of scored) {
        const score = driftScore(result);
        const text = `${result.feature_name}\t${result.kind}\t${score?.statistic === 'psi' ? 'PSI' : 'JS distance'} ${score?.score.toFixed(4)}`;
        assert.ok(state.text.includes(text), `${text} in ${state.text}`);
      }
      await screenshot('postgres-drift');
      assert.deepEqual(reads, { columns: 0, predictions: 0 }, 'the server counted the values; no prediction came to the editor');
    } finally {
      store.readPredictionColumns = readColumns;
      store.readPredictions = readPredictions;
      await sqlite.close();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('opens the same database again without asking for the password: it was kept in secret storage', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    assert.ok(server !== undefined);
    await api.sources.close();
    await press('F1');
    await type('Pitwall: Open PostgreSQL Database');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await press('Enter');
    // Every field as remembered for this workspace; the password left empty uses the saved one.
    await answer(/1\/6[\s\S]*Host name or address|Host name or address[\s\S]*1\/6/, null);
    await answer(/2\/6/, null);
    await answer(/3\/6/, null);
    await answer(/4\/6/, null);
    await answer(/leave empty to use the saved one/, '');
    await answer(/6\/6/, null);
    const source = await eventually(() => (api.sources.source?.description.kind === 'postgres' ? api.sources.source : undefined), 30_000);
    assert.equal(source.path, `postgres://postgres@127.0.0.1:${server.port}/editor?sslmode=disable`);
    // Closing the database while its views and the live follow were reading it is no error to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.doesNotMatch(await workbenchText('.notifications-toasts'), /unknown error|was closed/i);
  });
});
