import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { DURATION_PATTERN, RuleFileElementSchema, ruleFileJsonSchema, ruleFileJsonSchemaText } from '../../../../src/core/alerting/ruleSchema';
import { RuleOptionsSchema } from '../../../../src/core/alerting/ruleOptions';
import { parseDuration } from '../../../../src/core/analytics/duration';
import { ALERT_SEVERITIES } from '../../../../src/core/model/alert';
import { ALERT_CHANNELS, alertRuleRecord, AlertRuleSchema, COMPARISONS, METRIC_TYPES } from '../../../../src/core/model/alertRule';
import { parseRecord } from '../../../../src/core/model/record';
import { RULE_SCHEMA_PATH } from '../../../../scripts/generateRuleSchema';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Mostly a valid value, sometimes a near miss or nothing (JSON.stringify drops undefined), so both outcomes are common. */
function field<T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U | undefined> {
  return fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: invalid }, { weight: 1, arbitrary: fc.constant(undefined) });
}

const counts = field(fc.constantFrom(0, 1, 60, 2 ** 53 - 1), fc.constantFrom(1.5, -1, 2 ** 53, 2 ** 60, 1e300, '60', null, true));
const durations = field(fc.constantFrom('1h', '15m', '7d', '90s', '999999999d'), fc.oneof(fc.constantFrom('0h', '1w', '01h', '1000000000s', ''), fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })));

function nested(depth: number): Json {
  let value: Json = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return { deep: value };
}

/** The engine's options: valid, near misses, or left out; and keys the engine does not know, hostile ones included. */
const conditionValues = fc.record({
  window: durations,
  min_value: field(fc.constantFrom(0, 0.5, null), fc.constantFrom('0', true)),
  max_value: field(fc.constantFrom(1, -3, null), fc.constantFrom([1], {})),
  min_label_coverage: field(fc.constantFrom(0, 0.5, 1), fc.constantFrom(1.5, -0.1, '0.5')),
  model_versions: field(fc.constantFrom(['v1'], ['v1', 'v1.1']), fc.constantFrom([], [''], 'v1', ['v1', 2])),
  segment: field(
    fc.constantFrom({ feature: 'circuit' }, { metadata: 'region', values: ['eu', 1, true] }),
    fc.constantFrom({ feature: 'a', metadata: 'b' }, {}, { feature: '' }, { feature: 'a', values: [] }, { feature: 'a', values: [null] }, 'circuit'),
  ),
  baseline_window: durations,
  statistic: field(fc.constantFrom('psi', 'ks', 'wasserstein', 'chi_square', 'js'), fc.constantFrom('kl', 3)),
  feature: field(fc.constant('track_temp'), fc.constantFrom('', 7)),
  resolve_notice: field(fc.boolean(), fc.constantFrom('yes', 1)),
  ['__proto__']: fc.constantFrom(undefined, { polluted: true }, 1),
  constructor: fc.constantFrom(undefined, { prototype: { polluted: true } }, 'x'),
  extra: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 3 })),
});

/** Rules as a file may hold them: each field valid, a near miss, or missing; sometimes not a rule at all. */
const rules = fc
  .record({
    rule_id: field(fc.constant('acc_low'), fc.constantFrom('', 5, null)),
    metric_name: field(fc.constantFrom('accuracy', 'track_temp_psi'), fc.constantFrom('', ['accuracy'])),
    metric_type: field(fc.constantFrom(...METRIC_TYPES), fc.constantFrom('Threshold', null)),
    threshold: field(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('0.5', null, true)),
    comparison: field(fc.constantFrom(...COMPARISONS), fc.constantFrom('≈', '=>', '<<')),
    severity: field(fc.constantFrom(...ALERT_SEVERITIES), fc.constantFrom('error', 1)),
    component: field(fc.constantFrom('performance', ''), fc.constant(0)),
    enabled: field(fc.constantFrom(true, false, 0, 1), fc.constantFrom(2, 'true', null)),
    cooldown_minutes: counts,
    channels: field(fc.subarray([...ALERT_CHANNELS]), fc.constantFrom(['pager'], ['console', 'sms'], null, {})),
    conditions: field(conditionValues, fc.oneof(fc.constantFrom(null, [], 5), fc.constantFrom(30, 64, 65, 200).map(nested))),
    for_minutes: counts,
    min_samples: counts,
    last_triggered: field(
      fc.constantFrom(null, 1.7e9, '2026-11-01T12:00:00Z', '2026-11-01 12:00:00.123456'),
      fc.constantFrom(-1e20, 1e20, '2026-02-30', 'yesterday', true),
    ),
    surplus: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
  })
  .chain((rule) => fc.oneof({ weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }, { weight: 12, arbitrary: fc.constant(rule) }))
  // As read from a file: JSON text, so `__proto__` is an own key, as JSON.parse makes it.
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown);

/** What the store loads and the engine accepts: the record codecs, then the engine's options. */
function storeAndEngineAccept(value: unknown): boolean {
  const parsed = parseRecord(alertRuleRecord, value);
  return parsed.ok && RuleOptionsSchema.safeParse(parsed.value.conditions).success;
}

function failingFields(value: unknown): string[] {
  const plain = RuleFileElementSchema.safeParse(value);
  return plain.success ? [] : [...new Set(plain.error.issues.map((issue) => String(issue.path[0] ?? '')))].sort();
}

function expectedFailingFields(value: unknown): string[] {
  const parsed = parseRecord(alertRuleRecord, value);
  const fields = new Set(parsed.ok ? [] : parsed.issues.map((issue) => issue.field.split('.')[0] ?? ''));
  const conditions = AlertRuleSchema.shape.conditions.safeParse((value as Record<string, unknown> | null)?.conditions);
  if (conditions.success && !RuleOptionsSchema.safeParse(conditions.data).success) fields.add('conditions');
  return [...fields].sort();
}

describe('alert_rules.json schema', () => {
  it('is committed as generated: regenerate with `npx tsx scripts/generateRuleSchema.ts`', () => {
    assert.equal(readFileSync(RULE_SCHEMA_PATH, 'utf8'), ruleFileJsonSchemaText());
  });

  it('accepts exactly the rules the store loads and the engine runs, on generated valid and invalid rules', () => {
    let accepted = 0;
    fc.assert(
      fc.property(rules, (rule) => {
        const expected = storeAndEngineAccept(rule);
        if (expected) accepted++;
        assert.equal(RuleFileElementSchema.safeParse(rule).success, expected, JSON.stringify(rule));
      }),
      { numRuns: 3000 },
    );
    // Both sides of the property were exercised, not only the refusals.
    assert.ok(accepted > 20, `only ${accepted} generated rules were valid`);
  });

  it('refuses the same fields as the store and the engine', () => {
    fc.assert(
      fc.property(rules, (rule) => {
        if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return;
        assert.deepEqual(failingFields(rule), expectedFailingFields(rule), JSON.stringify(rule));
      }),
      { numRuns: 2000 },
    );
  });

  it('differs from the record codecs only in refusing the JSON text of channels and conditions, which SQL columns hold', () => {
    const rule = { rule_id: 'r', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.5, comparison: '<', severity: 'info', component: 'performance' };
    for (const spelling of [{ channels: '["slack"]' }, { conditions: '{"window": "6h"}' }]) {
      assert.equal(storeAndEngineAccept({ ...rule, ...spelling }), true);
      assert.equal(RuleFileElementSchema.safeParse({ ...rule, ...spelling }).success, false);
    }
  });

  it('gives window durations the pattern parseDuration reads', () => {
    const pattern = new RegExp(DURATION_PATTERN);
    const reads = (text: string): boolean => {
      try {
        parseDuration(text);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(fc.oneof(durations, fc.stringMatching(/^-?[0-9]{0,11}[smhdwy]?$/)), (value) => {
        const text = String(value);
        assert.equal(pattern.test(text), reads(text), text);
      }),
      { numRuns: 2000 },
    );
  });

  it('describes every field and every engine option, with the defaults, and keeps unknown conditions', () => {
    const schema = ruleFileJsonSchema() as { items: { properties: Record<string, { description?: string; default?: unknown; properties?: Record<string, { description?: string }>; additionalProperties?: unknown }>; required: string[]; additionalProperties: unknown } };
    const rule = schema.items;
    assert.deepEqual(Object.keys(rule.properties), Object.keys(AlertRuleSchema.shape));
    for (const [name, field] of Object.entries(rule.properties)) assert.ok(field.description, `${name} has a description`);
    assert.deepEqual(rule.required, ['rule_id', 'metric_name', 'metric_type', 'threshold', 'comparison', 'severity', 'component']);
    assert.equal(rule.additionalProperties, false);
    const defaults = AlertRuleSchema.parse({ rule_id: 'r', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.5, comparison: '<', severity: 'info', component: '' });
    for (const name of ['enabled', 'cooldown_minutes', 'channels', 'for_minutes', 'min_samples', 'last_triggered'] as const) {
      assert.deepEqual(rule.properties[name]?.default, defaults[name], name);
    }
    const conditions = rule.properties.conditions;
    assert.deepEqual(Object.keys(conditions?.properties ?? {}), Object.keys(RuleOptionsSchema.shape));
    for (const [name, option] of Object.entries(conditions?.properties ?? {})) assert.ok(option.description, `conditions.${name} has a description`);
    assert.deepEqual(conditions?.additionalProperties, {});
  });
});
