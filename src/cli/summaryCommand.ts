/**
 * `pitwall summary`: what a source holds and how fresh it is, in one look. One of the brief
 * commands (briefMain.ts): it imports the store and the status questions, nothing heavier.
 */
import { countOpenAlerts, describeAge, readDataSpan, type DataSpan, type OpenAlerts, type VersionFreshness } from '../core/analytics/glance';
import { SOURCE } from './args';
import { defineCommand } from './commandSpec';
import { withStore } from './context';
import { formatTime, printJson, printTable } from './output';

/** At most this many warnings in the human summary; --json gives them all. */
const SHOWN_WARNINGS = 10;

export const summary = defineCommand({
  name: 'summary',
  summary: 'counts, data span and freshness, open alerts, writability, and the problems met reading the source',
  positionals: [SOURCE],
  examples: ['pitwall summary demo/monitoring.db', 'pitwall summary demo/monitoring --json'],
  run: async ({ values, args: { source } }, env) => {
    const { result, span } = await withStore(
      source,
      env,
      async (store) => {
      const versionsRead = store.readModelVersions();
      const [counts, labelled, versions, description, dataSpan, openAlerts] = await Promise.all([
        store.counts(),
        store.countPredictions({ hasOutcome: true }),
        versionsRead,
        store.describe(),
        readDataSpan(store, env.now(), versionsRead),
        countOpenAlerts(store),
      ]);
      const result = {
        predictions: counts.predictions,
        labelled,
        model_versions: versions,
        health_snapshots: counts.healthSnapshots,
        alerts: counts.alerts,
        unacknowledged: counts.unacknowledgedAlerts,
        rules: counts.rules,
        writable: description.writable,
        warnings: [...description.warnings, ...description.diagnostics.map((d) => d.message)],
        // Times only: the same data gives the same JSON whenever it is asked (the text tells the freshness).
        data_span: { oldest: dataSpan.oldest, newest: dataSpan.newest, versions: dataSpan.versions.map(({ model_version, newest }) => ({ model_version, newest })) },
        open_alerts: openAlerts,
      };
      return { result, span: dataSpan };
      },
      true,
    );
    if (values.json) {
      printJson(env.out, result);
    } else {
      const rows: [string, string][] = [
        ['predictions', String(result.predictions)],
        ['labelled', `${result.labelled}${result.predictions ? ` (${((100 * result.labelled) / result.predictions).toFixed(1)}%)` : ''}`],
        ['model versions', result.model_versions.join(', ') || '—'],
        ['health snapshots', String(result.health_snapshots)],
        ['data span', result.data_span.oldest === null || result.data_span.newest === null ? '—' : `${formatTime(result.data_span.oldest)} … ${formatTime(result.data_span.newest)}`],
        ['freshness', describeFreshness(span)],
        ['alerts', `${result.alerts} (${result.unacknowledged} unacknowledged)`],
        ['open alerts', describeOpenAlerts(result.open_alerts)],
        ['rules', String(result.rules)],
        ['writable', result.writable ? 'yes' : 'no'],
      ];
      printTable(env.out, ['FIELD', 'VALUE'], rows, { bare: true });
      for (const warning of result.warnings.slice(0, SHOWN_WARNINGS)) env.out.write(`warning: ${warning}\n`);
      const more = result.warnings.length - SHOWN_WARNINGS;
      if (more > 0) env.out.write(`… and ${more} more warning${more === 1 ? '' : 's'} (--json lists them all)\n`);
    }
    return 0;
  },
});

/** "newest prediction 52 days ago", and each version's when they differ. */
function describeFreshness(span: DataSpan): string {
  if (span.age === null) return 'no predictions yet';
  const versions = span.versions.filter((v): v is VersionFreshness & { age: number } => v.age !== null);
  const ages = versions.map((v) => describeAge(v.age));
  const each = new Set(ages).size > 1 ? ` (${versions.map((v, i) => `${v.model_version} ${ages[i] ?? ''}`).join(', ')})` : '';
  return `newest prediction ${describeAge(span.age)}${each}`;
}

/** "15: critical 4, warning 8, info 3; v1.0 3, v1.1 12". */
function describeOpenAlerts(open: OpenAlerts): string {
  if (open.total === 0) return '0';
  const severities = ['critical', 'warning', 'info'] as const;
  const bySeverity = severities.filter((s) => open.by_severity[s] > 0).map((s) => `${s} ${open.by_severity[s]}`);
  const byModel = open.by_model.map((row) => `${row.model_version ?? '(no model)'} ${row.total}`);
  return `${open.total}: ${bySeverity.join(', ')}; ${byModel.join(', ')}`;
}
