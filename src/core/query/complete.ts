/**
 * What may come next at a place in a PQL text, for the editor's completion: sources at the start
 * of a statement, stages after `|`, metrics after `metrics`, fields after `where` and `by`,
 * statistics in `drift`, durations where a duration goes, chart kinds, severities, and from the
 * open source (a schema read once per source, never per keystroke): feature and metadata keys,
 * model versions, rule ids. Only the text before the cursor is read, with the kernel's lexer;
 * the words are the kernel's lists, so completion offers what the planner accepts.
 */
import { WATCHABLE_METRICS } from '../alerting/evaluate';
import { DRIFT_STATISTICS } from '../alerting/ruleOptions';
import { ALL_METRIC_NAMES, canonicalMetricName } from '../analytics/metricNames';
import { WINDOW_METRICS } from '../analytics/windows';
import { ALERT_SEVERITIES } from '../model/alert';
import { SOURCES, STAGES, type StageKind } from './ast';
import { lex, type Span, type Token } from './lexer';
import { ALERT_COLUMNS, CHART_KINDS, SUMMARY_METRICS, type SourceSchema } from './plan';
import { FUNCTION_DOCS, metricDoc, SOURCE_DOCS, STAGE_DOCS } from './reference';

export type CompletionKind = 'source' | 'stage' | 'metric' | 'function' | 'field' | 'keyword' | 'value' | 'duration' | 'parameter' | 'name';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  /** A short line beside the label. */
  readonly detail?: string;
  /** Markdown shown with the selected item. */
  readonly documentation?: string;
  /** What is inserted, when it is not the label. */
  readonly insertText?: string;
  /** A snippet (`psi(${1:feature})`) to insert instead of the text, when the editor takes snippets. */
  readonly snippet?: string;
}

export interface Completions {
  readonly items: readonly CompletionItem[];
  /** The text the chosen item replaces: the word (or the string's content) being typed. */
  readonly replace: Span;
}

export interface CompletionContext {
  readonly schema?: SourceSchema;
  /** Names given by `let` in earlier cells. */
  readonly lets?: readonly string[];
}

const DURATIONS = ['5m', '15m', '30m', '1h', '6h', '1d', '7d'];
const TABLE_STAGES: readonly StageKind[] = ['where', 'sort', 'take', 'select', 'chart'];
const CONTINUES = new Set(['|', ',', '=', '==', '!=', '<', '<=', '>', '>=', '(', '..', '.', '-', 'and', 'or', 'not', 'in', 'let']);
const COMPARE = ['==', '!=', '<', '<=', '>', '>='];
/** Columns of the analyses' tables that are not metrics. */
const RESULT_COLUMNS = ['window_start', 'window_end', 'group', 'count', 'labelled', 'label_coverage', 'insufficient', 'feature', 'statistic', 'value', 'p_value', 'severity', 'status', 'metric', 'difference', 'at', 'model_version', 'segment', 'reason'];
const RULE_COLUMNS = ['rule_id', 'metric_name', 'metric_type', 'threshold', 'comparison', 'severity', 'component', 'enabled', 'cooldown_minutes', 'channels', 'conditions', 'for_minutes', 'min_samples', 'last_triggered'];
const HEALTH_COLUMNS = ['timestamp', 'model_version', 'accuracy', 'precision', 'recall', 'f1_score', 'roc_auc', 'expected_calibration_error', 'num_predictions'];

const quoted = (value: string) => JSON.stringify(value);
const word = (label: string, kind: CompletionKind, detail?: string): CompletionItem => ({ label, kind, ...(detail === undefined ? {} : { detail }) });
const durations = (): CompletionItem[] => DURATIONS.map((d) => word(d, 'duration'));

function stageItem(stage: StageKind): CompletionItem {
  const doc = STAGE_DOCS[stage];
  return { label: stage, kind: 'stage', detail: doc.syntax, documentation: doc.summary };
}

function metricItems(names: readonly string[]): CompletionItem[] {
  return names.map((name) => {
    const doc = metricDoc(name);
    const canonical = canonicalMetricName(name);
    return { label: name, kind: 'metric', ...(canonical !== undefined && canonical !== name ? { detail: `= ${canonical}` } : {}), ...(doc === undefined ? {} : { documentation: doc.summary }) };
  });
}

function functionItem(name: string, snippet: string): CompletionItem {
  const doc = FUNCTION_DOCS[name];
  return { label: name, kind: 'function', snippet, insertText: `${name}()`, ...(doc === undefined ? {} : { detail: doc.syntax, documentation: doc.summary }) };
}

/** The tokens of the statement the cursor is in, as far as the cursor (line breaks that continue it dropped). */
function statementBefore(tokens: readonly Token[]): Token[] {
  let statement: Token[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'punct' && token.text === '(') depth++;
    if (token.kind === 'punct' && token.text === ')') depth = Math.max(0, depth - 1);
    if (token.kind === 'punct' && token.text === ';') {
      statement = [];
      depth = 0;
      continue;
    }
    if (token.kind !== 'newline') {
      statement.push(token);
      continue;
    }
    const next = tokens.slice(i + 1).find((t) => t.kind !== 'newline');
    const previous = statement[statement.length - 1];
    const continued = depth > 0 || (next?.kind === 'punct' && next.text === '|') || (previous !== undefined && previous.kind !== 'string' && CONTINUES.has(previous.text));
    if (!continued) {
      statement = [];
      depth = 0;
    }
  }
  return statement;
}

/** The completions at `offset` of `text`. */
export function completeAt(text: string, offset: number, context: CompletionContext = {}): Completions {
  const before = text.slice(0, offset);
  const tokens = lex(before).tokens.filter((token) => token.kind !== 'eof');
  const last = tokens[tokens.length - 1];
  let replace: Span = { start: offset, end: offset };
  let inString = false;
  let typed = tokens;
  if (last !== undefined && last.span.end === offset) {
    if (last.kind === 'error' && (last.text.startsWith('"') || last.text.startsWith("'"))) {
      // Inside a string still open at the cursor: its content is what is typed.
      inString = true;
      replace = { start: last.span.start + 1, end: offset };
      typed = tokens.slice(0, -1);
    } else if (last.kind === 'ident' || last.kind === 'number' || last.kind === 'duration') {
      replace = last.span;
      typed = tokens.slice(0, -1);
    }
  }
  const statement = statementBefore(typed);
  const items = itemsFor(statement, context, inString);
  return { items: inString ? items.filter((item) => item.kind === 'value').map((item) => ({ ...item, insertText: JSON.parse(item.insertText ?? quoted(item.label)) as string })) : items, replace };
}

function itemsFor(statement: readonly Token[], context: CompletionContext, inString: boolean): CompletionItem[] {
  const schema = context.schema ?? {};
  const lets = context.lets ?? [];
  const texts = statement.map((token) => token.text);
  // A statement's start: a source, or let.
  let start = 0;
  if (texts[0] === 'let') {
    if (statement.length < 3) return [];
    if (texts[2] !== '=') return [];
    start = 3;
  }
  const sourceItems = (): CompletionItem[] => [
    ...SOURCES.map((source) => ({ label: source, kind: 'source' as const, detail: SOURCE_DOCS[source].syntax, documentation: SOURCE_DOCS[source].summary })),
    ...lets.map((name) => word(name, 'name', 'given by let')),
    ...(start === 0 ? [word('let', 'keyword', 'let name = pipeline')] : []),
  ];
  if (statement.length === start) return sourceItems();
  const body = statement.slice(start);
  const source = body[0]?.text ?? '';
  let pipe = -1;
  let depth = 0;
  body.forEach((token, i) => {
    if (token.text === '(') depth++;
    if (token.text === ')') depth--;
    if (token.kind === 'punct' && token.text === '|' && depth <= 0) pipe = i;
  });
  if (pipe < 0) return [];
  const onPredictions = source === 'predictions' || !(SOURCES as readonly string[]).includes(source);
  const earlier = body.slice(0, pipe).filter((token, i) => i > 0 && body[i - 1]?.text === '|').map((token) => token.text);
  if (pipe === body.length - 1) {
    const done = earlier.some((stage) => ['calibration', 'drift', 'health', 'estimate', 'compare', 'alert'].includes(stage));
    return (onPredictions && !done ? STAGES : TABLE_STAGES).map(stageItem);
  }
  const stage = body[pipe + 1]?.text as StageKind;
  const args = body.slice(pipe + 2);
  const previous = args[args.length - 1];
  const windowed = earlier.includes('window');
  // Shaping stages may come in any order before `metrics` or an analysis; after them, `where` filters rows.
  const analysed = earlier.some((s) => ['metrics', 'calibration', 'drift', 'health', 'estimate', 'compare', 'alert', 'take'].includes(s));
  const versions = (): CompletionItem[] => (schema.versions ?? []).map((version) => ({ label: version, kind: 'value', detail: 'model version', insertText: quoted(version) }));
  const qualified = qualifier(args);
  if (qualified !== undefined) {
    if (qualified === 'metadata') return (schema.metadata ?? []).map((key) => word(key, 'field', 'metadata key'));
    if (qualified === 'feature' || qualified === 'features') return (schema.features ?? []).map((key) => word(key, 'field', 'feature'));
    return [];
  }
  if (previous?.kind === 'punct' && previous.text === '(' && args[args.length - 2]?.text === 'ago') return durations();
  switch (stage) {
    case 'metrics': {
      if (previous?.text === '=') return args[args.length - 2]?.text === 'strategy' ? ['uniform', 'mass'].map((s) => word(s, 'value', 'binning')) : [];
      const given = new Set(args.filter((token) => token.kind === 'ident').map((token) => token.text));
      const allowed = windowed ? [...WINDOW_METRICS] : SUMMARY_METRICS;
      const names = ALL_METRIC_NAMES.filter((name) => allowed.includes(canonicalMetricName(name) ?? '') && !given.has(name));
      const params = (windowed ? ['bins', 'min_labels'] : ['bins', 'strategy', 'min_labels']).map((p) => ({ label: `${p}=`, kind: 'parameter' as const, insertText: `${p}=` }));
      return [...metricItems(names), ...params];
    }
    case 'where': {
      if (inString || (previous !== undefined && COMPARE.includes(previous.text))) {
        const field = args[args.length - 2]?.text;
        if (field === 'model_version') return versions();
        if (field === 'severity') return ALERT_SEVERITIES.map((s) => ({ label: s, kind: 'value', insertText: quoted(s) }));
        if (field === 'rule' || field === 'rule_id') return (schema.rules ?? []).map((id) => ({ label: id, kind: 'value', detail: 'rule', insertText: quoted(id) }));
        if (field === 'timestamp') return [functionItem('ago', 'ago(${1:7d})'), functionItem('now', 'now()')];
        return [];
      }
      if (previous !== undefined && (previous.kind === 'ident' || previous.kind === 'string' || previous.kind === 'number' || previous.text === ')') && !['and', 'or', 'not', 'in'].includes(previous.text)) {
        return [...COMPARE, 'in'].map((op) => word(op, 'keyword')).concat(['and', 'or'].map((op) => word(op, 'keyword')));
      }
      const fields = whereFields(source, onPredictions && !analysed);
      return [...fields, word('not', 'keyword'), functionItem('ago', 'ago(${1:7d})'), functionItem('now', 'now()'), functionItem('abs', 'abs(${1})')];
    }
    case 'by':
      return args.length > 0 ? [] : groupings(schema);
    case 'window':
      if (args.length === 0 || previous?.text === 'slide') return durations();
      return previous?.kind === 'duration' ? [word('slide', 'keyword', 'slide <step>'), word('fill', 'keyword', 'list empty windows too')] : [];
    case 'drift':
      if (previous?.text === '(') return (schema.features ?? []).map((feature) => word(feature, 'field', 'feature'));
      if (args.length > 0 && previous?.text !== ',') return [];
      return DRIFT_STATISTICS.map((statistic) => functionItem(statistic, `${statistic}(\${1:feature})`));
    case 'calibration':
    case 'health': {
      if (previous?.text === '=') return args[args.length - 2]?.text === 'strategy' ? ['uniform', 'mass'].map((s) => word(s, 'value', 'binning')) : [];
      const params = stage === 'calibration' ? ['bins', 'strategy'] : ['at', 'min_labels'];
      return params.map((p) => ({ label: `${p}=`, kind: 'parameter', insertText: `${p}=` }));
    }
    case 'compare':
      return args.length < 2 ? versions() : [];
    case 'sort':
    case 'select': {
      if (stage === 'sort' && previous?.kind === 'ident') return [word('desc', 'keyword'), word('asc', 'keyword')];
      if (args.length > 0 && previous?.text !== ',') return [];
      return tableColumns(source, onPredictions).map((column) => word(column, 'field'));
    }
    case 'alert':
      return alertItems(args);
    case 'chart':
      return args.length > 0 ? [] : CHART_KINDS.map((kind) => word(kind, 'value', 'chart kind'));
    default:
      return [];
  }
}

/** `metadata.` or `features.` right before the cursor: the keys under it. */
function qualifier(args: readonly Token[]): string | undefined {
  const dot = args[args.length - 1];
  const head = args[args.length - 2];
  if (dot?.text !== '.' || head?.kind !== 'ident' || head.span.end !== dot.span.start) return undefined;
  return head.text;
}

function groupings(schema: SourceSchema): CompletionItem[] {
  return [
    word('model_version', 'field', 'one row per version'),
    ...(schema.features ?? []).map((feature) => word(feature, 'field', 'feature')),
    ...(schema.metadata ?? []).map((key) => ({ label: `metadata.${key}`, kind: 'field' as const, detail: 'metadata key' })),
  ];
}

function whereFields(source: string, beforeAnalysis: boolean): CompletionItem[] {
  if (beforeAnalysis) return [word('model_version', 'field', 'the predictions of one version'), word('timestamp', 'field', 'a time range')];
  if (source === 'alerts') return ALERT_COLUMNS.map((column) => word(column, 'field', 'alert field'));
  return tableColumns(source, true).map((column) => word(column, 'field'));
}

function tableColumns(source: string, onPredictions: boolean): readonly string[] {
  if (source === 'alerts') return ALERT_COLUMNS;
  if (source === 'rules') return RULE_COLUMNS;
  if (source === 'health' && !onPredictions) return HEALTH_COLUMNS;
  return [...new Set([...RESULT_COLUMNS, ...WINDOW_METRICS])];
}

function alertItems(args: readonly Token[]): CompletionItem[] {
  const texts = args.map((token) => token.text);
  const previous = texts[texts.length - 1];
  if (args.length === 0) return [word('when', 'keyword', 'alert when <metric> <op> <threshold>')];
  if (previous === 'when') return metricItems(WATCHABLE_METRICS);
  if (args.length === 2) return COMPARE.map((op) => word(op, 'keyword'));
  if (previous === 'for') return durations();
  if (previous === 'severity') return ALERT_SEVERITIES.map((severity) => word(severity, 'value', 'severity'));
  const last = args[args.length - 1];
  if (args.length >= 4 && (last?.kind === 'number' || last?.kind === 'duration')) return [...(texts.includes('for') ? [] : [word('for', 'keyword', 'for <duration>')]), word('severity', 'keyword')];
  return [];
}
