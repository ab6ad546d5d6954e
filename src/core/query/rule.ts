/**
 * Queries become rules. A PQL statement that ends in `alert when …` describes a threshold rule:
 * saved, it keeps the Python system's fields (metric_name, comparison, threshold, severity,
 * component…), Pitwall's conditions (window, model_versions, segment, for_minutes) and, in
 * `conditions.query`, the query itself. The engine then reads the query's `where` at every
 * evaluation (queryFilterOf): the model version and the time bounds it names, `ago()` counted
 * back from the evaluation, choose the predictions the rule sees, as they chose the rows of the
 * query. A cell's `alert when` runs its backtest through the same rule (run.ts), so the cell and
 * `pitwall backtest` on the saved rule replay the same thing.
 */
import { componentOf } from '../alerting/ruleComponent';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { segmentOf } from '../store/windowStats';
import { SOURCES, type Program, type Statement } from './ast';
import { positionOf, type QueryError, type Span } from './lexer';
import { parseQuery } from './parser';
import { planProgram, type Analysis, type PredictionScope, type QueryPlan, type SourceSchema } from './plan';

export type AlertAnalysis = Extract<Analysis, { readonly kind: 'alert' }>;

/** What the person saving a rule chooses; the rest comes from the query. */
export interface SavedRuleChoices {
  readonly rule_id: string;
  readonly channels?: readonly string[];
  readonly cooldown_minutes?: number;
}

/** The rule an `alert when` plan describes, as the fields of a rule record (checked by whoever stores it). */
export function alertRuleFields(plan: QueryPlan, analysis: AlertAnalysis, choices: SavedRuleChoices & { readonly query?: string }): Record<string, unknown> {
  const segment = segmentOf(analysis.by);
  const version = plan.scope.modelVersion;
  return {
    rule_id: choices.rule_id,
    metric_name: analysis.metric,
    // The z-test flag is a degradation rule's measure; every other metric is compared as it is.
    metric_type: analysis.metric === 'degradation_detected' ? 'degradation' : 'threshold',
    threshold: analysis.threshold,
    comparison: analysis.op,
    severity: analysis.severity,
    component: componentOf(analysis.metric),
    for_minutes: analysis.forMinutes,
    ...(choices.channels === undefined ? {} : { channels: [...choices.channels] }),
    ...(choices.cooldown_minutes === undefined ? {} : { cooldown_minutes: choices.cooldown_minutes }),
    conditions: {
      window: analysis.window,
      ...(version === undefined ? {} : { model_versions: [version] }),
      ...(segment === undefined ? {} : { segment: { [segment.kind]: segment.name } }),
      ...(choices.query === undefined ? {} : { query: choices.query }),
    },
  };
}

/**
 * A statement's pipeline with the lets of the same text that it uses (in their order), so that it
 * stands alone; `outer` names a let it uses that the text does not give (an earlier cell's).
 */
export function standaloneText(text: string, program: Program, statement: Statement): { readonly text: string } | { readonly outer: string; readonly span: Span } {
  const used: Statement[] = [statement];
  let source = statement.pipeline.source;
  while (!(SOURCES as readonly string[]).includes(source.name)) {
    const name = source.name;
    const before = used[used.length - 1] as Statement;
    const bound = program.statements.filter((s): s is Extract<Statement, { kind: 'let' }> => s.kind === 'let' && s.name.name === name && s.span.start < before.span.start).at(-1);
    if (bound === undefined) return { outer: name, span: source.span };
    used.push(bound);
    source = bound.pipeline.source;
  }
  // The statement itself without its own `let name =` (a let that ends in `alert when` saves its pipeline).
  const own = text.slice(statement.pipeline.span.start, statement.pipeline.span.end);
  return { text: [...used.slice(1).reverse().map((s) => text.slice(s.span.start, s.span.end)), own].join('\n') };
}

/** The spans of the statements of a text that have an `alert when` stage: what can be saved as a rule. */
export function alertStatementSpans(text: string): Span[] {
  return parseQuery(text)
    .program.statements.filter((statement) => statement.pipeline.stages.some((stage) => stage.kind === 'alert'))
    .map((statement) => statement.span);
}

export type QueryRuleOutcome = { readonly ok: true; readonly rule: Record<string, unknown>; readonly query: string } | { readonly ok: false; readonly errors: readonly QueryError[] };

/** The rule described by the statement of `text` at `offset`, its query standing alone; or the problems, located in `text`. */
export function ruleFromQuery(text: string, offset: number, choices: SavedRuleChoices, options: { readonly now: number; readonly schema?: SourceSchema }): QueryRuleOutcome {
  const parsed = parseQuery(text);
  const statement = parsed.program.statements.find((s) => s.span.start <= offset && offset <= s.span.end);
  const notAlert = (span: Span): QueryRuleOutcome => ({ ok: false, errors: [{ code: 'not-an-alert', message: messages.pqlSaveNotAlert(), span }] });
  if (statement === undefined) {
    const error = parsed.errors.find((e) => e.span.start <= offset && offset <= e.span.end);
    return error === undefined ? notAlert({ start: offset, end: offset }) : { ok: false, errors: [error] };
  }
  const inside = (span: Span) => span.start < statement.span.end && statement.span.start < span.end;
  const planned = planProgram(parsed.program, options.now, options.schema);
  const own = [...parsed.errors, ...planned.errors].filter((e) => inside(e.span));
  const alone = standaloneText(text, parsed.program, statement);
  if ('outer' in alone) return { ok: false, errors: [{ code: 'outer-let', message: messages.pqlSaveOuterLet(alone.outer), span: alone.span }] };
  if (own.length > 0) return { ok: false, errors: own };
  const last = planProgram(parseQuery(alone.text).program, options.now, options.schema).statements.at(-1);
  if (last === undefined || last.plan.analysis.kind !== 'alert') return notAlert(statement.span);
  return { ok: true, rule: alertRuleFields(last.plan, last.plan.analysis, { ...choices, query: alone.text }), query: alone.text };
}

/** The predictions a saved rule's query keeps, at an evaluation time. */
export interface QueryFilter {
  scopeAt(at: number): PredictionScope;
}

/** How many evaluation times a filter remembers the scope of (a backtest asks for each a few times). */
const REMEMBERED = 64;

/** The `where` of a rule's `conditions.query`; an input error naming the rule when it is not a query that describes a rule. */
export function queryFilterOf(ruleId: string, query: string): QueryFilter {
  const invalid = (error: QueryError): never => {
    const at = positionOf(query, error.span.start);
    throw new PitwallError('input', messages.ruleQueryInvalid(ruleId, messages.pqlLocated(`${at.line}:${at.column}`, error.message)));
  };
  const parsed = parseQuery(query);
  if (parsed.errors[0] !== undefined) invalid(parsed.errors[0]);
  const planAt = (at: number): QueryPlan => {
    const planned = planProgram(parsed.program, at);
    if (planned.errors[0] !== undefined) invalid(planned.errors[0]);
    const last = planned.statements.at(-1);
    const shown = planned.statements.filter((s) => s.name === undefined);
    if (last === undefined || last.name !== undefined || shown.length !== 1 || last.plan.analysis.kind !== 'alert') {
      throw new PitwallError('input', messages.ruleQueryInvalid(ruleId, messages.ruleQueryNotAlert()));
    }
    return last.plan;
  };
  // Checked once now: a rule whose query does not describe a rule is refused when it loads.
  planAt(0);
  const remembered = new Map<number, PredictionScope>();
  return {
    scopeAt(at: number): PredictionScope {
      let scope = remembered.get(at);
      if (scope === undefined) {
        if (remembered.size >= REMEMBERED) remembered.clear();
        remembered.set(at, (scope = planAt(at).scope));
      }
      return scope;
    },
  };
}
