/**
 * alert_rules.pitwall.json: Pitwall's own fields of the rules in alert_rules.json, by rule_id:
 * `for_minutes`, `min_samples` and `last_triggered` (the cooldown, so it survives a restart).
 * The Python system builds its AlertRule dataclass from each element of alert_rules.json, and a
 * dataclass takes exactly its fields: one more key and the whole rules file fails to load. So
 * these fields live here, written only by Pitwall, and are merged into the rules on reading. A
 * rule whose fields are all at their defaults has no entry.
 */
import { isUtf8 } from 'node:buffer';
import { basename } from 'node:path';
import { z } from 'zod';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import type { AlertRule } from '../../model/alertRule';
import { count, timestamp } from '../../model/fields';
import { describeValue, isPlainObject } from '../../model/json';
import { pyFloat, toPythonJson, type PyJson } from '../../model/pythonJson';
import { defineRecord, describeIssue, parseRecord } from '../../model/record';
import type { StoreDiagnostic } from '../store';
import type { DiagnosticLog } from './diagnosticLog';
import { readWholeFileIfChanged } from './wholeFile';
import { syntaxDetail } from './lineJson';

export const RULE_SETTINGS_FILE = 'alert_rules.pitwall.json';

const RuleSettingsSchema = z.object({
  for_minutes: count.default(0),
  min_samples: count.default(0),
  last_triggered: timestamp.nullable().default(null),
});
export type RuleSettings = z.output<typeof RuleSettingsSchema>;
const ruleSettingsRecord = defineRecord(RuleSettingsSchema, ['last_triggered']);

/** A rule's Pitwall fields, or null when they are all at their defaults. */
export function settingsOf(rule: Pick<AlertRule, keyof RuleSettings>): RuleSettings | null {
  const { for_minutes, min_samples, last_triggered } = rule;
  return for_minutes === 0 && min_samples === 0 && last_triggered === null ? null : { for_minutes, min_samples, last_triggered };
}

function toPythonSettings(settings: RuleSettings): PyJson {
  return {
    for_minutes: settings.for_minutes,
    min_samples: settings.min_samples,
    last_triggered: settings.last_triggered === null ? null : pyFloat(settings.last_triggered),
  };
}

/** The file as a JSON object; throws what is wrong with it instead. */
function parseObject(bytes: Buffer): Record<string, unknown> {
  if (!isUtf8(bytes)) throw new Error(messages.jsonlLineNotUtf8());
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new Error(syntaxDetail(error));
  }
  if (!isPlainObject(value)) throw new Error(messages.fieldWrongType('a JSON object', describeValue(value)));
  return value;
}

/**
 * The file's new content with the settings of `ruleId` made by `update` from its current ones
 * (null: none, or to remove them); null when that changes nothing. Other rules' entries stay.
 */
export function withRuleSettings(
  path: string,
  current: Buffer | null,
  ruleId: string,
  update: (existing: RuleSettings | null) => RuleSettings | null,
): Buffer | null {
  const entries = new Map<string, PyJson>();
  let existing: RuleSettings | null = null;
  if (current !== null) {
    let object: Record<string, unknown>;
    try {
      object = parseObject(current);
    } catch (error) {
      throw new PitwallError('corrupt', messages.jsonlNotRewritable(path, (error as Error).message), { cause: error });
    }
    for (const [id, value] of Object.entries(object)) {
      const parsed = parseRecord(ruleSettingsRecord, value);
      if (parsed.ok && id === ruleId) existing = parsed.value;
      entries.set(id, parsed.ok ? toPythonSettings(parsed.value) : (value as PyJson));
    }
  }
  const settings = update(existing);
  if (settings === null) entries.delete(ruleId);
  else entries.set(ruleId, toPythonSettings(settings));
  if (current === null && entries.size === 0) return null;
  const next = Buffer.from(toPythonJson(entries, { indent: 2 }), 'utf8');
  return current !== null && next.equals(current) ? null : next;
}

export class RuleSettingsFile {
  private seen: string | null = null;
  private settings = new Map<string, RuleSettings>();
  private readonly name: string;

  constructor(
    readonly path: string,
    readonly log: DiagnosticLog,
  ) {
    this.name = basename(path);
  }

  /** The rule with its Pitwall fields from this file, where it has an entry. */
  apply(rule: AlertRule): AlertRule {
    const settings = this.settings.get(rule.rule_id);
    return settings === undefined ? rule : { ...rule, ...settings };
  }

  /** Reads the file again if it changed; true when the settings may differ. */
  async refresh(report: (diagnostic: StoreDiagnostic) => void): Promise<boolean> {
    const read = await readWholeFileIfChanged(this.path, this.seen);
    if (read.kind === 'unchanged') return false;
    if (read.kind === 'missing') {
      const had = this.seen !== null;
      this.seen = null;
      this.settings = new Map();
      this.log.clear();
      return had;
    }
    const bytes = read.bytes;
    this.seen = read.identity;
    this.log.clear();
    const add = (diagnostic: StoreDiagnostic): void => {
      if (this.log.add(diagnostic)) report(diagnostic);
    };
    let object: Record<string, unknown>;
    try {
      object = parseObject(bytes);
    } catch (error) {
      // Pitwall replaces this file whole, so it is never caught half written: keep what was read.
      const detail = (error as Error).message;
      add({ severity: 'error', file: this.path, reason: detail, message: messages.jsonlRuleSettingsNotJson(this.name, detail) });
      return false;
    }
    const settings = new Map<string, RuleSettings>();
    for (const [ruleId, value] of Object.entries(object)) {
      const parsed = parseRecord(ruleSettingsRecord, value);
      if (parsed.ok) {
        settings.set(ruleId, parsed.value);
        continue;
      }
      const problem = parsed.issues.map(describeIssue).join('; ');
      const field = parsed.issues[0]?.field || undefined;
      add({
        severity: 'error',
        file: this.path,
        ...(field === undefined ? {} : { field: `${ruleId}.${field}` }),
        reason: problem,
        message: messages.jsonlRuleSettingsSkipped(this.name, ruleId, problem),
      });
    }
    this.settings = settings;
    return true;
  }
}
