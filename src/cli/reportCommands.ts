/**
 * `pitwall report` (the monitoring report as one HTML file) and `pitwall notebook run` (a `.pitnb`
 * notebook's cells in order, printed as `pitwall query` prints, or written as HTML). Printing and
 * files only: the report, the run and the pages are the kernel's (core/report, core/query/notebookRun).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { version } from '../../package.json';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { parseNotebook } from '../core/query/notebook';
import { cellFirstLine, notebookSourcePath, runNotebook, type NotebookCellRun, type NotebookSource } from '../core/query/notebookRun';
import { runSqlOnSource } from '../core/query/sql';
import { buildReport } from '../core/report/monitoringReport';
import { notebookHtml, renderNotebookCharts } from '../core/report/notebookHtml';
import { scanPredictionColumns } from '../core/store/openStore';
import { describeAddress, isPostgresSource, postgresSettingsOf } from '../core/store/postgres/connection';
import { parseSince, SOURCE } from './args';
import { defineCommand } from './commandSpec';
import { withStore, type CommandEnvironment } from './context';
import { printJson } from './output';
import { printResults } from './queryCommand';

/** A source the user named must exist before anything runs: a clear "not found", exit 2. A database server says what is wrong when the store connects. */
async function checkSourceExists(path: string): Promise<void> {
  if (isPostgresSource(path)) return;
  await stat(path).catch((cause: unknown) => {
    throw new PitwallError('not-found', messages.sourceNotFound(resolve(path)), { cause });
  });
}

async function writeHtml(path: string, text: string): Promise<number> {
  await writeFile(path, text, 'utf8').catch((cause: unknown) => {
    throw new PitwallError('not-found', `Cannot write ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  });
  return Buffer.byteLength(text, 'utf8');
}

/** How a page names its source: a PostgreSQL database by its address, never with the password. */
function sourceNameOf(path: string): string {
  return isPostgresSource(path) ? describeAddress(postgresSettingsOf(path)) : path;
}

function querySourceOf(path: string, env: CommandEnvironment) {
  return {
    scanColumns: (features: readonly string[], metadata: readonly string[]) => scanPredictionColumns(path, features, metadata),
    withStore: <T>(use: Parameters<typeof withStore<T>>[2]) => withStore(path, env, use),
  };
}

export const report = defineCommand({
  name: 'report',
  summary: 'the monitoring report as one self-contained HTML file: summary, open alerts, trend, calibration, drift, estimates',
  description: [
    'One HTML file that reads offline and without scripts (charts are inline SVG), in light and dark:',
    'the summary per model version, the open alerts, performance per window and version, calibration',
    '(reliability and ECE per version), features ranked by drift (the range\'s oldest third against the rest),',
    'and label-free estimates beside realized values.',
    'On a postgres:// URL the server sums the summary, trend and calibration and counts the drift (the',
    'predictions stay there); the label-free estimates, which need every prediction\'s confidence, are left',
    'out with a note saying so.',
  ].join('\n'),
  positionals: [SOURCE],
  options: {
    out: { type: 'string', placeholder: 'FILE', required: true, description: 'the HTML file to write' },
    from: { type: 'string', placeholder: 'TIME', defaultText: 'the first prediction', description: 'from this time on, inclusive (ISO 8601, unix seconds, or an age such as 7d)' },
    to: { type: 'string', placeholder: 'TIME', defaultText: 'after the last prediction', description: 'up to this time, exclusive' },
    model: { type: 'string', placeholder: 'VERSION', defaultText: 'every version', description: 'only this model version' },
  },
  examples: ['pitwall report demo/monitoring.db --out report.html', 'pitwall report demo/monitoring --from 2026-10-07 --model v1.1 --out v1.1.html'],
  run: async ({ values, args: { source } }, env) => {
    const now = env.now();
    const from = parseSince(values.from, 'from', now);
    const to = parseSince(values.to, 'to', now);
    await checkSourceExists(source);
    const { html, data } = await buildReport(querySourceOf(source, env), {
      sourceName: sourceNameOf(source),
      now,
      pitwallVersion: version,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(values.model === undefined ? {} : { modelVersion: values.model }),
    });
    const bytes = await writeHtml(values.out, html);
    if (values.json) printJson(env.out, { out: values.out, bytes, range: data.range, model_versions: data.versions, open_alerts: data.openAlerts.total, features: data.drift?.ranked.length ?? 0 });
    else env.out.write(`${messages.reportWritten(values.out, bytes)}\n`);
    return 0;
  },
});

const run = defineCommand({
  name: 'run',
  summary: "run a .pitnb notebook's pql and sql cells in order and print their results (or write them as HTML)",
  description: [
    'Cells run in order on the source the notebook\'s metadata names (relative to the notebook file), or --source;',
    'a `let` in one cell is known in the cells after it. A failing cell prints its problem with a caret under it,',
    'the cells after it do not run, and the command exits 2 naming the cell. With --out, markdown cells,',
    'each cell\'s source, its results as tables and its charts as inline SVG go to one HTML file.',
  ].join('\n'),
  positionals: [{ name: 'notebook', description: 'a .pitnb file' }],
  options: {
    source: { type: 'string', placeholder: 'SOURCE', defaultText: "the notebook's metadata source", description: 'run on this JSONL folder, SQLite file or postgres:// URL instead' },
    out: { type: 'string', placeholder: 'FILE', description: 'write the run as an HTML file instead of printing the results' },
  },
  examples: ['pitwall notebook run week.pitnb --source demo/monitoring.db', 'pitwall notebook run week.pitnb --source demo/monitoring --out week.html'],
  run: async ({ values, args }, env) => {
    const path = args.notebook;
    const content = await readFile(path, 'utf8').catch((cause: unknown) => {
      throw new PitwallError('not-found', messages.notebookUnreadable(path, cause instanceof Error ? cause.message : String(cause)), { cause });
    });
    const { notebook, problems } = parseNotebook(content);
    for (const problem of problems) env.out.error(`warning: ${messages.notebookProblem(path, problem.line, problem.message)}\n`);
    const source = values.source ?? notebookSourcePath(notebook.metadata, path);
    if (source === undefined) throw new PitwallError('input', messages.notebookRunNoSource(path));
    await checkSourceExists(source);
    const access: NotebookSource = {
      query: querySourceOf(source, env),
      runSql: (sql) => runSqlOnSource(source, sql, env.wasmPath === undefined ? {} : { wasmPath: env.wasmPath }),
    };
    const printing = values.out === undefined && !values.json;
    let printed = 0;
    const outcome = await runNotebook(notebook, access, {
      now: env.now(),
      onCell: (cell) => {
        if (printing) printed += printCell(env, cell, printed) ? 1 : 0;
      },
    });
    if (values.out !== undefined) {
      const svgs = await renderNotebookCharts(outcome);
      const bytes = await writeHtml(values.out, notebookHtml(outcome, svgs, { name: basename(path), sourceName: sourceNameOf(source), generatedAt: env.now(), pitwallVersion: version }));
      env.out.write(`${messages.reportWritten(values.out, bytes)}\n`);
    } else if (values.json) {
      printJson(env.out, outcome.cells.map(({ number, kind, status, results, errors, problems, ms }) => ({ number, kind, status, results, errors, problems, ms })));
    }
    const failed = outcome.failed;
    if (failed === undefined) return 0;
    for (const error of failed.errors) env.out.error(`${error}\n`);
    throw new PitwallError('input', messages.notebookCellFailed(failed.number, outcome.cells.length, cellFirstLine(failed.text)));
  },
});

/** One finished code cell as `pitwall query` prints it, under a line naming the cell; true when it printed. */
function printCell(env: CommandEnvironment, cell: NotebookCellRun, before: number): boolean {
  if (cell.status === 'markdown' || cell.status === 'not-run' || (cell.status === 'ok' && cell.results.length === 0)) return false;
  if (before > 0) env.out.write('\n');
  env.out.write(`── cell ${cell.number} (${cell.kind}): ${cellFirstLine(cell.text)}\n`);
  for (const problem of cell.problems) env.out.error(`warning: ${problem}\n`);
  if (cell.results.length > 0) printResults(env, cell.results, { json: false, vega: false });
  return true;
}

export const notebook = defineCommand({
  name: 'notebook',
  summary: 'run .pitnb notebooks headless',
  subcommands: [run],
  examples: ['pitwall notebook run week.pitnb --source demo/monitoring.db', 'pitwall notebook run week.pitnb --out week.html'],
});
