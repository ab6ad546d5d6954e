/**
 * Acknowledging one line of alerts.jsonl in place: the values of `acknowledged`,
 * `acknowledged_at` and `acknowledged_by` are replaced where they stand (every occurrence, as a
 * repeated key counts by its last one), and any of them the line lacks is added at its end. All
 * other text of the line (key order, unknown keys, number spellings) stays as it was.
 */
import { formatPythonFloat, quotePythonString } from '../../model/pythonJson';
import { objectSpans } from './jsonSpans';

export function acknowledgeAlertLine(text: string, at: number, by: string | null): string {
  return setAcknowledgment(text, new Map<string, string>([
    ['acknowledged', 'true'],
    ['acknowledged_at', formatPythonFloat(at)],
    ['acknowledged_by', by === null ? 'null' : quotePythonString(by)],
  ]));
}

/** The line as never acknowledged: `acknowledged` false, its time and author null, the rest as it was. */
export function unacknowledgeAlertLine(text: string): string {
  return setAcknowledgment(text, new Map<string, string>([
    ['acknowledged', 'false'],
    ['acknowledged_at', 'null'],
    ['acknowledged_by', 'null'],
  ]));
}

function setAcknowledgment(text: string, values: ReadonlyMap<string, string>): string {
  const { open, items } = objectSpans(text);
  let out = '';
  let position = 0;
  const present = new Set<string>();
  for (const member of items) {
    const value = values.get(member.key);
    if (value === undefined) continue;
    out += text.slice(position, member.value.start) + value;
    position = member.value.end;
    present.add(member.key);
  }
  const missing = [...values].filter(([key]) => !present.has(key));
  if (missing.length > 0) {
    const end = items.at(-1)?.value.end ?? open + 1;
    const added = missing.map(([key, value]) => `${quotePythonString(key)}: ${value}`).join(', ');
    out += text.slice(position, end) + (items.length > 0 ? ', ' : '') + added;
    position = end;
  }
  return out + text.slice(position);
}
