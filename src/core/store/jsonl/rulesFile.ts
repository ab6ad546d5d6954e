/**
 * alert_rules.json: one JSON array, rewritten whole by its writers, so it is read whole, again
 * whenever it changed. Each bad rule is reported with its index and field and skipped; unknown
 * fields load with a warning (a misspelt optional field would otherwise pass unnoticed).
 */
import { isUtf8 } from 'node:buffer';
import { basename } from 'node:path';
import { alertRuleRecord, type AlertRule } from '../../model/alertRule';
import { ENGINE_CONDITION_KEYS, RULE_CONDITION_KEYS } from '../../model/fields';
import { parsePythonJson } from '../../model/pythonJson';
import { describeValue } from '../../model/json';
import { describeIssue, parseRecord, type RecordLayout } from '../../model/record';
import { messages } from '../../messages';
import type { StoreDiagnostic } from '../store';
import type { DiagnosticLog } from './diagnosticLog';
import { readWholeFileIfChanged } from './wholeFile';
import { syntaxDetail } from './lineJson';

export interface RuleEntry {
  readonly rule: AlertRule;
  /** Position in the file's array. */
  readonly index: number;
  readonly layout: RecordLayout;
}

export class RulesFile {
  private seen: string | null = null;
  private entries: RuleEntry[] = [];
  private readonly name: string;

  constructor(
    readonly path: string,
    readonly log: DiagnosticLog,
  ) {
    this.name = basename(path);
  }

  get present(): boolean {
    return this.seen !== null;
  }

  get rules(): AlertRule[] {
    return this.entries.map((entry) => entry.rule);
  }

  entry(ruleId: string): RuleEntry | undefined {
    return this.entries.find((entry) => entry.rule.rule_id === ruleId);
  }

  /** Reads the file again if it changed; true when the rules may differ. Problems go to the log and to `report`. */
  async refresh(report: (diagnostic: StoreDiagnostic) => void): Promise<boolean> {
    const read = await readWholeFileIfChanged(this.path, this.seen);
    if (read.kind === 'unchanged') return false;
    if (read.kind === 'missing') {
      const had = this.seen !== null;
      this.seen = null;
      this.entries = [];
      this.log.clear();
      return had;
    }
    const bytes = read.bytes;
    this.seen = read.identity;
    this.log.clear();
    const add = (diagnostic: StoreDiagnostic): void => {
      if (this.log.add(diagnostic)) report(diagnostic);
    };
    let array: unknown;
    try {
      if (!isUtf8(bytes)) throw new Error(messages.jsonlLineNotUtf8());
      // An editor may save a byte-order mark; the JSONL lines accept one too.
      const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
      try {
        array = JSON.parse(text);
      } catch (error) {
        // Python's json.dumps writes NaN and Infinity: read them, so that only those rules are refused.
        let python: unknown;
        try {
          python = parsePythonJson(text);
        } catch {
          throw error;
        }
        array = python;
        add({ severity: 'warning', file: this.path, reason: messages.jsonlRulesNonFinite(), message: `${this.name}: ${messages.jsonlRulesNonFinite()}` });
      }
    } catch (error) {
      // Keep the rules last read: a writer may be halfway through rewriting the file.
      const reason = messages.jsonlLineNotJson(syntaxDetail(error));
      add({
        severity: 'error',
        file: this.path,
        reason,
        message: messages.jsonlRulesNotJson(this.name, syntaxDetail(error)),
      });
      return false;
    }
    if (!Array.isArray(array)) {
      const got = describeValue(array);
      add({
        severity: 'error',
        file: this.path,
        reason: messages.fieldWrongType('a JSON array of rules', got),
        message: messages.jsonlRulesNotArray(this.name, got),
      });
      this.entries = [];
      return true;
    }
    this.entries = this.readRules(array, add);
    return true;
  }

  private readRules(array: readonly unknown[], add: (diagnostic: StoreDiagnostic) => void): RuleEntry[] {
    const entries: RuleEntry[] = [];
    const firstIndex = new Map<string, number>();
    array.forEach((element, index) => {
      const parsed = parseRecord(alertRuleRecord, element);
      if (!parsed.ok) {
        const problem = parsed.issues.map(describeIssue).join('; ');
        const field = parsed.issues[0]?.field || undefined;
        add({
          severity: 'error',
          file: this.path,
          index,
          field,
          reason: problem,
          message: messages.jsonlRuleSkipped(this.name, index, problem),
        });
        return;
      }
      const { rule_id } = parsed.value;
      const first = firstIndex.get(rule_id);
      if (first !== undefined) {
        const problem = describeIssue({ field: 'rule_id', reason: messages.jsonlDuplicateRule(rule_id, first) });
        add({
          severity: 'error',
          file: this.path,
          index,
          field: 'rule_id',
          reason: problem,
          message: messages.jsonlRuleSkipped(this.name, index, problem),
        });
        return;
      }
      firstIndex.set(rule_id, index);
      const unknown = [
        ...parsed.unknownKeys,
        ...Object.keys(parsed.value.conditions)
          .filter((key) => !RULE_CONDITION_KEYS.includes(key) && !ENGINE_CONDITION_KEYS.includes(key))
          .map((key) => `conditions.${key}`),
      ];
      for (const field of unknown) {
        const problem = describeIssue({ field, reason: messages.fieldUnknown() });
        add({
          severity: 'warning',
          file: this.path,
          index,
          field,
          reason: problem,
          message: messages.jsonlRuleNote(this.name, index, problem),
        });
      }
      entries.push({ rule: parsed.value, index, layout: parsed.layout });
    });
    return entries;
  }
}
