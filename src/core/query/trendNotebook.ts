/**
 * **Open in Notebook** from the Performance Trend panel: the chart on screen as PQL, ready to run
 * and change — the same metric, versions, window, slide and range — with the calibration and the
 * alerts of that range beside it. The panel hands over what it drew; the queries are built here.
 */
import { formatWindow } from '../charts/boundedWindow';
import { pqlTime, quoted } from './alertNotebook';
import { NOTEBOOK_FORMAT_VERSION, type NotebookCellText, type NotebookText } from './notebook';

export interface TrendDrill {
  readonly source?: string;
  readonly metric: string;
  /** The versions drawn; every version of the source when `allVersions` holds them all. */
  readonly versions: readonly string[];
  readonly allVersions: readonly string[];
  /** Window length and step, seconds. */
  readonly every: number;
  readonly slide: number;
  /** The range drawn [from, to), unix seconds. */
  readonly from: number;
  readonly to: number;
  readonly minLabels: number;
}

/** A duration as PQL writes it: the largest unit that divides it (`90m`, `6h`, `1d`). */
export function pqlDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

export function trendNotebook(drill: TrendDrill): NotebookText {
  const every = pqlDuration(drill.every);
  const slide = drill.slide === drill.every ? '' : ` slide ${pqlDuration(drill.slide)}`;
  const all = drill.allVersions.every((version) => drill.versions.includes(version));
  const range = `timestamp in ${pqlTime(drill.from)}..${pqlTime(drill.to)}`;
  const one = !all && drill.versions.length === 1 ? drill.versions[0] : undefined;
  // Predictions are filtered by one version; a choice of several filters the windows' groups.
  const where = `where ${one === undefined ? '' : `model_version == ${quoted(one)} and `}${range}`;
  const groups = all || one !== undefined ? '' : ` | where group in (${drill.versions.map(quoted).join(', ')})`;
  const calibrated = all ? [undefined] : drill.versions;
  const cells: NotebookCellText[] = [
    {
      kind: 'markdown',
      text: [
        `# ${drill.metric} per ${formatWindow(drill.every)} window${slide === '' ? '' : `, every ${formatWindow(drill.slide)}`}`,
        '',
        `From the Performance Trend panel: ${pqlTime(drill.from)} … ${pqlTime(drill.to)}, ${all ? 'every version' : `versions ${drill.versions.join(', ')}`}. A window with fewer than ${drill.minLabels} labelled predictions has no value.`,
      ].join('\n'),
    },
    { kind: 'pql', text: `predictions | ${where} | window ${every}${slide} | by model_version | metrics ${drill.metric} min_labels=${drill.minLabels}${groups} | chart line` },
    { kind: 'markdown', text: '## Calibration over the same range' },
    ...calibrated.map((version): NotebookCellText => ({
      kind: 'pql',
      text: `predictions | where ${version === undefined ? '' : `model_version == ${quoted(version)} and `}${range} | calibration bins=10 | chart reliability`,
    })),
    { kind: 'markdown', text: '## Alerts in the range' },
    { kind: 'pql', text: `alerts | where timestamp >= ${pqlTime(drill.from)} and timestamp < ${pqlTime(drill.to)} | take 100` },
  ];
  return { metadata: { version: NOTEBOOK_FORMAT_VERSION, ...(drill.source === undefined ? {} : { source: drill.source }) }, cells };
}
