/**
 * New content for alert_rules.json, in the form the Python system writes it
 * (`json.dump(rules, f, indent=2)`, no trailing newline). A rule Pitwall writes has the seed's
 * keys only, in its order; every other element keeps its text exactly as it was (unknown keys,
 * number spellings, even an element the reader skips as invalid), so a rewrite changes one rule.
 */
import { isUtf8 } from 'node:buffer';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { alertRuleRecord } from '../../model/alertRule';
import { describeValue, isPlainObject } from '../../model/json';
import { toPythonJson } from '../../model/pythonJson';
import { parseRecord } from '../../model/record';
import { arraySpans } from './jsonSpans';
import { syntaxDetail } from './lineJson';
import { toPythonRule, type SeedRule } from './pythonRecords';

interface RulesText {
  readonly values: readonly unknown[];
  readonly elements: string[];
  readonly before: string;
  readonly after: string;
}

function readRulesText(path: string, bytes: Buffer): RulesText {
  const refuse = (detail: string, cause?: unknown): never => {
    throw new PitwallError('corrupt', messages.jsonlNotRewritable(path, detail), { cause });
  };
  if (!isUtf8(bytes)) refuse(messages.jsonlLineNotUtf8());
  const text = bytes.toString('utf8');
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    return refuse(messages.jsonlLineNotJson(syntaxDetail(error)), error);
  }
  if (!Array.isArray(values)) return refuse(messages.fieldWrongType('a JSON array of rules', describeValue(values)));
  const spans = arraySpans(text);
  return {
    values,
    elements: spans.items.map((span) => text.slice(span.start, span.end)),
    before: text.slice(0, spans.open),
    after: text.slice(spans.close + 1),
  };
}

/** The array as `json.dumps(indent=2)` lays it out, around elements already indented for their depth. */
function write(rules: RulesText | null, elements: readonly string[]): Buffer {
  const array = elements.length === 0 ? '[]' : `[\n  ${elements.join(',\n  ')}\n]`;
  return Buffer.from(`${rules?.before ?? ''}${array}${rules?.after ?? ''}`, 'utf8');
}

function ruleText(rule: SeedRule): string {
  // Strings are escaped, so every newline is layout: indent the object one level, as an element.
  return toPythonJson(toPythonRule(rule), { indent: 2 }).replace(/\n/g, '\n  ');
}

/** Replaces the rule the reader takes for `rule.rule_id` (the first valid one), or appends it. */
export function withRuleSaved(path: string, current: Buffer | null, rule: SeedRule): Buffer {
  if (current === null) return write(null, [ruleText(rule)]);
  const rules = readRulesText(path, current);
  const index = rules.values.findIndex((value) => {
    const parsed = parseRecord(alertRuleRecord, value);
    return parsed.ok && parsed.value.rule_id === rule.rule_id;
  });
  const elements = [...rules.elements];
  if (index < 0) elements.push(ruleText(rule));
  else elements[index] = ruleText(rule);
  return write(rules, elements);
}

/** Removes every element with that rule_id, valid or not; null when there is none. */
export function withRuleDeleted(path: string, current: Buffer | null, ruleId: string): Buffer | null {
  if (current === null) return null;
  const rules = readRulesText(path, current);
  const kept = rules.elements.filter((_, i) => {
    const value = rules.values[i];
    return !(isPlainObject(value) && value.rule_id === ruleId);
  });
  return kept.length === rules.elements.length ? null : write(rules, kept);
}
