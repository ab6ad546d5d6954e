/**
 * A silence whose matchers match nothing mutes nothing, silently: `--rule acc_lwo` for
 * `acc_low`, `--model v9`. Before one is saved, each matcher is checked against what the source
 * knows: its rules, its model versions, and the segments its rules split alerts by.
 */
import { measureOf } from './ruleOptions';
import { messages } from '../messages';
import type { AlertRule } from '../model/alertRule';
import type { SilenceMatchers } from '../model/silence';
import type { Store } from '../store/store';
import { unknownNameError } from '../suggest';

/** The segment labels of the rules ("circuit", "metadata.region"), with the values a rule limits each to (null: any value in the data). */
function segmentsOf(rules: readonly AlertRule[]): Map<string, { readonly source: { feature: string } | { metadata: string }; values: Set<string> | null }> {
  const segments = new Map<string, { readonly source: { feature: string } | { metadata: string }; values: Set<string> | null }>();
  for (const rule of rules) {
    let segment;
    try {
      segment = measureOf(rule).options.segment;
    } catch {
      continue;
    }
    if (segment === undefined) continue;
    const label = segment.feature !== undefined ? segment.feature : `metadata.${segment.metadata as string}`;
    const source = segment.feature !== undefined ? { feature: segment.feature } : { metadata: segment.metadata as string };
    const known = segments.get(label) ?? { source, values: new Set<string>() };
    if (segment.values === undefined) known.values = null;
    else if (known.values !== null) for (const value of segment.values) known.values.add(String(value));
    segments.set(label, known);
  }
  return segments;
}

/** Why each matcher matches nothing the source knows, with the nearest known name; empty when every matcher can match. */
export async function checkSilenceMatchers(store: Store, matchers: SilenceMatchers): Promise<string[]> {
  const problems: string[] = [];
  const rules = await store.readRules();
  if (matchers.rule_id !== undefined && !rules.some((rule) => rule.rule_id === matchers.rule_id)) {
    problems.push(unknownNameError('rule', matchers.rule_id, rules.map((rule) => rule.rule_id), '--rule').message);
  }
  if (matchers.model_version !== undefined) {
    const versions = await store.readModelVersions();
    if (!versions.includes(matchers.model_version)) problems.push(unknownNameError('model version', matchers.model_version, versions, '--model').message);
  }
  if (matchers.segment !== undefined) {
    const segments = segmentsOf(rules);
    const labels = [...segments.keys()].sort();
    const equals = matchers.segment.indexOf('=');
    const label = equals < 0 ? matchers.segment : matchers.segment.slice(0, equals);
    const known = segments.get(label);
    if (equals < 0 || labels.length === 0) {
      problems.push(messages.silenceMatchesNoSegment(matchers.segment, labels));
    } else if (known === undefined) {
      problems.push(unknownNameError('segment', label, labels, '--segment').message);
    } else {
      const value = matchers.segment.slice(equals + 1);
      let values = known.values;
      if (values === null) {
        const columns = await store.readPredictionColumns('feature' in known.source ? { features: [known.source.feature] } : { metadata: [known.source.metadata] });
        const column = 'feature' in known.source ? columns.features.get(known.source.feature) : columns.metadata?.get(known.source.metadata);
        values = new Set((column ?? []).filter((v) => v !== null && v !== undefined).map(String));
      }
      if (!values.has(value)) problems.push(unknownNameError(`value of ${label}`, value, [...values].sort(), '--segment').message);
    }
  }
  return problems;
}
