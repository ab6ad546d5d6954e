/**
 * Checks the bytes of a rules file the way Pitwall would read and run them, without a source:
 * every bad element with its index, rule_id and field, the engine's options (`measureOf`), a
 * metric the engine does not compute, duplicate rule_ids, and what stops the whole file from
 * loading. The file holds an array of rules or one rule (the file `rule add` takes). Reads
 * nothing, writes nothing. `rule add` runs the same check and refuses any problem it reports.
 */
import { nearestName } from '../suggest';
import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { AlertRuleSchema, alertRuleRecord, type AlertRule } from '../model/alertRule';
import { ENGINE_CONDITION_KEYS, RULE_CONDITION_KEYS } from '../model/fields';
import { describeValue, isPlainObject } from '../model/json';
import { parsePythonJson } from '../model/pythonJson';
import { describeIssue, parseRecord } from '../model/record';
import { syntaxDetail } from '../store/jsonl/lineJson';
import { WATCHABLE_METRICS } from './evaluate';
import { measureOf, RuleOptionsSchema } from './ruleOptions';
import { canonicalMetricName, METRIC_NAMES } from '../analytics/metricNames';

export interface RuleProblem {
  /** 'error': the store skips the rule, the engine refuses it, or the file does not load; 'warning': it loads, but look. */
  readonly severity: 'error' | 'warning';
  /** Position in the file's array; null for the file as a whole. */
  readonly index: number | null;
  /** The element's rule_id, when it has a usable one. */
  readonly rule_id: string | null;
  /** Dotted path of the field at fault, when one is. */
  readonly field: string | null;
  readonly reason: string;
  readonly message: string;
}

export interface RulesCheck {
  /** Elements in the file's array (0 when it is not one); 1 for a file of one rule. */
  readonly rules: number;
  /** Elements without an error. */
  readonly valid: number;
  readonly problems: readonly RuleProblem[];
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a JSON array',
  object: 'a JSON object',
};

/** An option's problem in the words of the record codecs where zod's own are terse. */
function optionReason(issue: z.core.$ZodIssue): string {
  const got = describeValue(issue.input);
  if (issue.code === 'invalid_type') return messages.fieldWrongType(EXPECTED[issue.expected] ?? issue.expected, got);
  if (issue.code === 'invalid_value') {
    return messages.fieldNotOneOf(issue.values.filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v)), got);
  }
  return issue.message;
}

export function checkRulesFile(name: string, bytes: Uint8Array): RulesCheck {
  const problems: RuleProblem[] = [];
  const fileError = (reason: string): RulesCheck => {
    problems.push({ severity: 'error', index: null, rule_id: null, field: null, reason, message: messages.rulesCheckFile(name, reason) });
    return { rules: 0, valid: 0, problems };
  };
  if (!isUtf8(bytes)) return fileError(messages.jsonlLineNotUtf8());
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.startsWith('\uFEFF')) {
    const reason = messages.rulesCheckByteOrderMark();
    problems.push({ severity: 'error', index: null, rule_id: null, field: null, reason, message: messages.rulesCheckFile(name, reason) });
    text = text.slice(1);
  }
  let array: unknown;
  try {
    array = JSON.parse(text);
  } catch (error) {
    try {
      array = parsePythonJson(text);
    } catch {
      return fileError(messages.jsonlLineNotJson(syntaxDetail(error)));
    }
    const reason = messages.rulesCheckNonFinite();
    problems.push({ severity: 'error', index: null, rule_id: null, field: null, reason, message: messages.rulesCheckFile(name, reason) });
  }
  // One rule, as `rule add` takes it, is checked as an array of one; an object with no field of a rule is neither.
  if (isPlainObject(array) && Object.keys(array).some((key) => Object.hasOwn(AlertRuleSchema.shape, key))) array = [array];
  if (!Array.isArray(array)) return fileError(messages.fieldWrongType('a JSON array of rules', describeValue(array)));

  const firstIndex = new Map<string, number>();
  let valid = 0;
  array.forEach((element: unknown, index) => {
    const ruleId = isPlainObject(element) && typeof element.rule_id === 'string' && element.rule_id !== '' ? element.rule_id : null;
    const found: RuleProblem[] = [];
    /** `field` '' is the record as a whole; null, a sentence of its own (the engine's). */
    const add = (severity: RuleProblem['severity'], field: string | null, reason: string): void => {
      const problem = field === null ? reason : describeIssue({ field, reason });
      found.push({ severity, index, rule_id: ruleId, field: field || null, reason, message: messages.rulesCheckRule(index, ruleId, problem) });
    };
    const parsed = parseRecord(alertRuleRecord, element);
    if (!parsed.ok) for (const issue of parsed.issues) add('error', issue.field, issue.reason);
    else for (const key of parsed.unknownKeys) add('warning', key, messages.fieldUnknown());
    if (parsed.ok && !computesMetric(parsed.value)) {
      const known = knownMetricNames();
      add('error', 'metric_name', messages.ruleMetricNotComputed(parsed.value.metric_name, nearestName(parsed.value.metric_name, known), known));
    }
    // The engine's options, field by field, even when another field is wrong.
    const conditions = isPlainObject(element) ? AlertRuleSchema.shape.conditions.safeParse(element.conditions) : null;
    const options = conditions?.success ? RuleOptionsSchema.safeParse(conditions.data, { reportInput: true }) : null;
    if (options?.success === false) {
      for (const issue of options.error.issues) add('error', ['conditions', ...issue.path.map(String)].join('.'), optionReason(issue));
    } else if (parsed.ok) {
      try {
        measureOf(parsed.value);
      } catch (error) {
        if (!(error instanceof PitwallError)) throw error;
        add('error', null, error.message);
      }
    }
    // As the store reads them: a condition key neither the seed nor the engine reads loads with a warning.
    if (parsed.ok) {
      for (const key of Object.keys(parsed.value.conditions)) {
        if (!RULE_CONDITION_KEYS.includes(key) && !ENGINE_CONDITION_KEYS.includes(key)) add('warning', `conditions.${key}`, messages.fieldUnknown());
      }
    }
    // As the store reads the file: the first rule it loads with an id keeps it.
    if (ruleId !== null) {
      const first = firstIndex.get(ruleId);
      if (first !== undefined) add('error', 'rule_id', messages.rulesCheckDuplicate(first));
      else if (parsed.ok) firstIndex.set(ruleId, index);
    }
    if (!found.some((problem) => problem.severity === 'error')) valid++;
    problems.push(...found);
  });
  return { rules: array.length, valid, problems };
}

/** The names a threshold or degradation rule may watch: the engine's and the seed's. */
export function knownMetricNames(): string[] {
  const aliases = METRIC_NAMES.filter((metric) => WATCHABLE_METRICS.includes(metric.name)).flatMap((metric) => metric.aliases);
  return [...new Set([...WATCHABLE_METRICS, ...aliases])].sort();
}

/** Whether the engine computes the metric of a threshold or degradation rule (a drift rule's is checked by `measureOf`). */
function computesMetric(rule: AlertRule): boolean {
  return rule.metric_type === 'drift' || WATCHABLE_METRICS.includes(canonicalMetricName(rule.metric_name) ?? rule.metric_name);
}

/**
 * The rule of a file given to `rule add`: one JSON object that passes the check of `rules
 * validate` without any problem, warnings included (a misspelt field or condition key would
 * otherwise be dropped or ignored unseen). An input error lists every problem, each with its
 * field, one line each, prefixed by the file's name, then `refusal`.
 */
export function checkNewRule(name: string, bytes: Uint8Array, refusal: string = messages.ruleNotAdded()): AlertRule {
  // A byte-order mark is harmless in a file Pitwall reads once: only the rules file must not have one.
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (isUtf8(body) && /^\s*\[/.test(text)) throw new PitwallError('input', messages.ruleAddNotOneRule(name, 'an array'));
  const check = checkRulesFile(name, body);
  if (check.problems.length === 0) {
    const parsed = parseRecord(alertRuleRecord, JSON.parse(text) as unknown);
    if (parsed.ok) return parsed.value;
  }
  const lines = check.problems.map((problem) =>
    problem.index === null
      ? problem.message
      : messages.ruleAddProblem(name, problem.field, problem.reason, problem.severity === 'warning' && problem.reason === messages.fieldUnknown()),
  );
  throw new PitwallError('input', [...lines, refusal].join('\n'));
}
