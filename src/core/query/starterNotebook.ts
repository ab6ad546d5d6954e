/**
 * The notebook **Pitwall: New Notebook** opens: worked examples on the source, each one runnable as
 * it is — a trend per version, calibration, drift against the first week, the open alerts, a
 * result named with `let` and used in the next cell, and SQL. Dates come from the source's own
 * predictions, so the drift reference lies inside the data whenever it was recorded.
 */
import type { DataScope } from '../analytics/dataScope';
import { NOTEBOOK_FORMAT_VERSION, type NotebookText } from './notebook';
import { isPostgresSource } from '../store/postgres/connection';

const DAY = 86_400;

/** A date literal of PQL (UTC, to the minute). */
export function pqlDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/:\d\d\.\d+Z$/, 'Z');
}

/** The reference period of the examples: the first week of the data (or up to its middle, for less than two weeks). */
export function referenceOf(scope: Pick<DataScope, 'first' | 'last'>): string {
  if (scope.first === null || scope.last === null) return 'ago(30d)..ago(23d)';
  const span = Math.max(scope.last - scope.first, 60);
  const end = scope.first + Math.min(7 * DAY, Math.floor(span / 2));
  return `${pqlDate(scope.first)}..${pqlDate(end)}`;
}

export function starterNotebook(options: { readonly source?: string; readonly scope: Pick<DataScope, 'first' | 'last'> }): NotebookText {
  const reference = referenceOf(options.scope);
  const markdown = (text: string) => ({ kind: 'markdown', text });
  const pql = (text: string) => ({ kind: 'pql', text });
  return {
    metadata: { version: NOTEBOOK_FORMAT_VERSION, ...(options.source === undefined ? {} : { source: options.source }) },
    cells: [
      markdown(
        [
          '# Monitoring notebook',
          '',
          `Cells are **PQL** (Pitwall's query language: a source, then stages joined by \`|\`) or **SQL** (${options.source !== undefined && isPostgresSource(options.source) ? "PostgreSQL's dialect, run read-only on the server" : "SQLite's dialect"}, on the Python system's tables).`,
          'Run them all with *Run All*; a running cell can be cancelled. The notebook\'s source is in its toolbar (**Select Notebook Source**).',
        ].join('\n'),
      ),
      markdown('## Accuracy and calibration error per day and model version'),
      pql('predictions | window 1d | by model_version | metrics accuracy, ece | chart line'),
      markdown('## Calibration: predicted confidence against observed accuracy'),
      pql('predictions | calibration bins=10 | chart reliability'),
      markdown(`## Drift of every feature against the reference period\n\nThe reference is the data's first week (${reference}); the rest of the data is compared with it.`),
      pql(`predictions | reference ${reference} | drift`),
      markdown('## Open alerts, most severe first'),
      pql('alerts | where not acknowledged | take 20'),
      markdown('## A result named with `let` is usable in the cells after it'),
      pql('let daily = predictions | window 1d | metrics accuracy, roc_auc\ndaily | take 3'),
      pql('daily | sort accuracy | take 5'),
      markdown('## SQL on the monitoring tables'),
      { kind: 'sql', text: 'select model_version, count(*) as predictions, avg(confidence) as mean_confidence\nfrom predictions\ngroup by model_version\norder by model_version' },
    ],
  };
}
