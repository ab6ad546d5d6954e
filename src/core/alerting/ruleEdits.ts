/**
 * Changing the rules of a source after they were added: remove, enable, disable, edit. Every
 * change goes through the store's own safe writes (a folder's alert_rules.json rewritten to a
 * temp file and renamed after checking it did not change; a database's alert_rules row in one
 * transaction), and an edited rule passes the same check as `rule add` before anything is written.
 */
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { AlertRule } from '../model/alertRule';
import { isPlainObject } from '../model/json';
import type { Store } from '../store/store';
import { unknownNameError } from '../suggest';
import { checkNewRule } from './rulesCheck';

/** A rule_id the source does not have: the nearest one it has, and the list. */
function unknownRule(ruleId: string, rules: readonly AlertRule[]): PitwallError {
  return unknownNameError('rule_id', ruleId, rules.map((r) => r.rule_id));
}

/** The rule with this id as the store reads it; a not-found error listing the ids it has otherwise. */
async function storedRule(store: Store, ruleId: string): Promise<AlertRule> {
  await store.refresh();
  const rules = await store.readRules();
  const rule = rules.find((candidate) => candidate.rule_id === ruleId);
  if (rule === undefined) throw unknownRule(ruleId, rules);
  return rule;
}

/**
 * Removes the rule, also when the store could not read it (a rule that does not load is exactly
 * the one a user needs to remove); a not-found error when the source has no rule with that id.
 */
export async function removeRule(store: Store, ruleId: string): Promise<void> {
  if (await store.deleteRule(ruleId)) return;
  throw unknownRule(ruleId, await store.readRules());
}

/** Turns the rule on or off; `changed` is false when it already was. */
export async function setRuleEnabled(store: Store, ruleId: string, enabled: boolean): Promise<{ rule: AlertRule; changed: boolean }> {
  const rule = await storedRule(store, ruleId);
  if (rule.enabled === enabled) return { rule, changed: false };
  const changed = { ...rule, enabled };
  await store.saveRule(changed);
  return { rule: changed, changed: true };
}

/**
 * `key=value` pairs as a change to a rule: a dotted key reaches into `conditions`
 * (`conditions.window=6h`); a value that reads as JSON (a number, true, null, a list) is that
 * value, anything else is text. An input error names a pair without `=`.
 */
export function parseRuleAssignments(pairs: readonly string[]): Record<string, unknown> {
  const change: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? '' : pair.slice(0, equals).trim();
    if (key === '' || key.split('.').some((part) => part === '')) throw new PitwallError('input', messages.ruleAssignmentInvalid(pair));
    const text = pair.slice(equals + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // Not JSON: the text itself, as a shell user writes `severity=critical`.
    }
    const path = key.split('.');
    let target = change;
    for (const part of path.slice(0, -1)) {
      const next = Object.hasOwn(target, part) ? target[part] : undefined;
      if (!isPlainObject(next)) target[part] = Object.create(null) as Record<string, unknown>;
      target = target[part] as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = value;
  }
  return change;
}

/** `change` laid over `base`: objects merge key by key, a null inside `conditions` removes that key, anything else replaces. */
function merged(base: Record<string, unknown>, change: Record<string, unknown>, inConditions: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(base)) out[key] = value;
  for (const [key, value] of Object.entries(change)) {
    const current = out[key];
    if (inConditions && value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(current)) out[key] = merged(current, value, inConditions || key === 'conditions');
    else out[key] = value;
  }
  return out;
}

/**
 * Applies a change (fields of a rule: from a JSON file, or from `key=value` pairs) to a stored
 * rule, checks the result as `rule add` checks a new rule, and saves it. The rule_id cannot
 * change (remove the rule and add it under the new id). When the store cannot read the rule,
 * it is not found: only `remove` reaches a rule that does not load.
 */
export async function editRule(store: Store, ruleId: string, change: Record<string, unknown>): Promise<AlertRule> {
  if (Object.hasOwn(change, 'rule_id') && change.rule_id !== ruleId) throw new PitwallError('input', messages.ruleEditRenames(ruleId));
  const rule = await storedRule(store, ruleId);
  const { last_triggered: lastTriggered, ...fields } = rule;
  const next = merged(fields as Record<string, unknown>, change, false);
  const checked = checkNewRule(messages.ruleEditName(ruleId), Buffer.from(JSON.stringify(next), 'utf8'), messages.ruleNotChanged());
  const edited: AlertRule = { ...checked, last_triggered: Object.hasOwn(change, 'last_triggered') ? checked.last_triggered : lastTriggered };
  await store.saveRule(edited);
  return edited;
}

/**
 * A new rule from its fields (the editor's input steps), checked exactly as `pitwall rule add`
 * checks a rule file and refused when the source already has its rule_id.
 */
export async function addRule(store: Store, fields: Record<string, unknown>): Promise<AlertRule> {
  const id = typeof fields.rule_id === 'string' ? fields.rule_id : '';
  const checked = checkNewRule(messages.ruleNewName(id), Buffer.from(JSON.stringify(fields), 'utf8'));
  await store.refresh();
  if ((await store.readRules()).some((rule) => rule.rule_id === checked.rule_id)) throw new PitwallError('conflict', messages.duplicateRule(checked.rule_id));
  await store.saveRule(checked);
  return checked;
}

/**
 * A copy of a rule under a free id (`<id>_copy`, `<id>_copy2`, …), disabled so that it does not
 * fire twice before it is changed, and without the original's cooldown.
 */
export async function duplicateRule(store: Store, ruleId: string): Promise<AlertRule> {
  const rule = await storedRule(store, ruleId);
  const taken = new Set((await store.readRules()).map((r) => r.rule_id));
  let id = `${ruleId}_copy`;
  for (let n = 2; taken.has(id); n++) id = `${ruleId}_copy${n}`;
  const copy: AlertRule = { ...rule, rule_id: id, enabled: false, last_triggered: null };
  await store.saveRule(copy);
  return copy;
}
