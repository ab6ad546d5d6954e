/**
 * `pitwall query`: PQL (docs/pql.md) or SQL on a source. Printing only: parsing, planning and
 * running are the kernel's (core/query). A problem in the query is printed with its line, a caret
 * under its span and the hint, and exits 2.
 */
import { readFile } from 'node:fs/promises';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { chartOfResult } from '../core/query/chart';
import { formatQueryError } from '../core/query/errorText';
import { runQuery, type QueryResult, type QuerySource } from '../core/query/run';
import { runSqlOnSource } from '../core/query/sql';
import { scanPredictionColumns } from '../core/store/openStore';
import { SOURCE } from './args';
import { defineCommand } from './commandSpec';
import { withStore, type CommandEnvironment } from './context';
import { formatTime, printJson, printTable, type Output } from './output';

export const query = defineCommand({
  name: 'query',
  summary: 'run a PQL query (or SQL) on a source: trends, metrics, calibration, drift, alerts, rules',
  description: [
    'PQL is a pipeline: a source (predictions, alerts, rules, health) then stages joined by |, such as',
    '`predictions | where model_version == "v1.1" | window 1h | by model_version | metrics accuracy, ece`.',
    'Its grammar, stages, metrics and literals are in docs/pql.md. A PQL trend gives exactly the rows of `pitwall trend`.',
    'With --file, the file may hold several statements (one per line, or separated by ;) and `let name = …` to name a pipeline.',
    'With --sql, the SQL runs in SQLite\'s dialect: on a SQLite file read-only against the file (its WAL included);',
    'on a JSONL folder against its records loaded into the Python system\'s tables (only those the SQL names).',
    '--json prints one result object (an array for several statements): kind, columns, rows, chart, path, meta.',
  ].join('\n'),
  positionals: [SOURCE, { name: 'query', optional: true, description: 'the PQL text (or use --file / --sql)' }],
  options: {
    file: { type: 'string', placeholder: 'FILE', description: 'read the PQL from this file (a .pql file may hold several statements)' },
    sql: { type: 'string', placeholder: 'SQL', description: 'run this SQL instead of PQL' },
    vega: { type: 'boolean', description: 'print a Vega-Lite chart spec (JSON) of the result instead of the table' },
  },
  examples: [
    "pitwall query demo/monitoring.db 'predictions | window 1d | by model_version | metrics accuracy, ece'",
    "pitwall query demo/monitoring 'alerts | where severity == \"critical\" and not acknowledged | take 20' --json",
    "pitwall query demo/monitoring.db --sql 'select model_version, count(*) from predictions group by model_version'",
  ],
  run: async ({ values, args }, env) => {
    const given = [args.query !== undefined, values.file !== undefined, values.sql !== undefined].filter(Boolean).length;
    if (given !== 1) throw new PitwallError('input', messages.queryNeedsOne());
    if (values.sql !== undefined) return runSqlCommand(args.source, values.sql, values, env);
    const label = values.file ?? 'query';
    const text = values.file === undefined ? (args.query as string) : await readFile(values.file, 'utf8').catch((cause: unknown) => {
      throw new PitwallError('not-found', messages.queryFileUnreadable(values.file as string, cause instanceof Error ? cause.message : String(cause)), { cause });
    });
    const source: QuerySource = {
      scanColumns: (features, metadata) => scanPredictionColumns(args.source, features, metadata),
      withStore: (use) => withStore(args.source, env, use),
    };
    const outcome = await runQuery(text, source, { now: env.now() });
    if (outcome.errors.length > 0) {
      // What ran before the failing statement is still shown, then the problem.
      if (outcome.results.length > 0) printResults(env, outcome.results, values);
      throw new PitwallError('input', outcome.errors.map((error) => formatQueryError(text, error, label)).join('\n'));
    }
    printResults(env, outcome.results, values);
    return 0;
  },
});

async function runSqlCommand(source: string, sql: string, values: { json: boolean; vega: boolean }, env: CommandEnvironment): Promise<number> {
  const { result, problems } = await runSqlOnSource(source, sql, env.wasmPath === undefined ? {} : { wasmPath: env.wasmPath });
  if (problems.length > 0) env.out.error(`warning: ${problems.length} problem${problems.length === 1 ? '' : 's'} reading ${source} (first: ${problems[0]?.message ?? ''}); those records are not in the tables.\n`);
  printResults(env, [result], values);
  return 0;
}

// The notebook kernel shows query errors the same way: the format lives in the kernel.
export { formatQueryError };

export function printResults(env: CommandEnvironment, results: readonly QueryResult[], values: { json: boolean; vega: boolean }): void {
  if (values.vega) {
    const specs = results.map((result) => {
      const spec = chartOfResult(result);
      if (spec === null) throw new PitwallError('input', messages.pqlNoChart(result.kind));
      return spec;
    });
    printJson(env.out, specs.length === 1 ? specs[0] : specs);
    return;
  }
  if (values.json) {
    printJson(env.out, results.length === 1 ? results[0] : results);
    return;
  }
  results.forEach((result, i) => {
    if (i > 0) env.out.write('\n');
    printResult(env.out, result);
  });
}

function printResult(out: Output, result: QueryResult): void {
  if (result.rows.length === 0) out.write('No rows.\n');
  else {
    printTable(
      out,
      result.columns.map((column) => column.name.toUpperCase()),
      // CSV is data for another program: numbers in full, not rounded for reading.
      result.rows.map((row) => result.columns.map((column) => (out.display?.csv === true && typeof row[column.name] === 'number' && column.type !== 'time' ? String(row[column.name]) : cellOf(row[column.name], column.type)))),
    );
  }
  const meta = result.meta ?? {};
  for (const key of SHOWN_META[result.kind] ?? []) {
    const value = meta[key];
    if (value === null || typeof value === 'number' || typeof value === 'string') out.write(`${key}: ${cellOf(value, key === 'from' || key === 'to' ? 'time' : 'number')}\n`);
  }
}

/** The scalars of a result worth a line under its table (the rest are in --json). */
const SHOWN_META: Partial<Record<QueryResult['kind'], readonly string[]>> = {
  metrics: ['min_labels', 'calibration_binning'],
  calibration: ['ece', 'mce', 'binning', 'labelled'],
  firings: ['evaluations', 'from', 'to'],
};

function cellOf(value: unknown, type: QueryResult['columns'][number]['type']): string {
  if (value === null || value === undefined) return '—';
  if (type === 'time' && typeof value === 'number') return formatTime(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  const interval = value as { lower?: unknown; upper?: unknown };
  if (typeof interval.lower === 'number' && typeof interval.upper === 'number') return `${interval.lower.toFixed(3)}–${interval.upper.toFixed(3)}`;
  return JSON.stringify(value);
}

