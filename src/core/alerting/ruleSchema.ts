/**
 * alert_rules.json as JSON Schema, for editors (package.json `jsonValidation`) and for anyone
 * who keeps rules as code. The record schema (model/alertRule.ts) is built from codecs, which
 * `z.toJSONSchema` cannot see into, so the file's rules are described here again in plain zod;
 * ruleSchema.test.ts proves the two agree on generated rules. Apart from what JSON Schema cannot
 * say (the nesting limit of `conditions`, timestamp text, the one-of rule of `segment` is said
 * with `oneOf`), the description is exact, with two deliberate differences:
 *   - `conditions` also holds the engine's typed keys (RuleOptionsSchema), so the schema refuses
 *     what the engine would refuse when the rule runs, not only what the store refuses on load;
 *   - `channels` and `conditions` are a JSON array and object here, as the Python system writes
 *     them; the record codecs also take their JSON text, which is how SQL columns hold them.
 */
import { z } from 'zod';
import { ALERT_SEVERITIES } from '../model/alert';
import { ALERT_CHANNELS, COMPARISONS, METRIC_TYPES } from '../model/alertRule';
import { exceedsDepth, MAX_JSON_DEPTH } from '../model/json';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, parseTimestamp } from '../model/timestamps';
import { RuleOptionsSchema } from './ruleOptions';

/** What parseDuration (analytics/windows.ts) reads; the test checks they agree. */
export const DURATION_PATTERN = '^[1-9][0-9]{0,8}[smhd]$';

const CONDITION_DESCRIPTIONS: { readonly [K in keyof typeof RuleOptionsSchema.shape]: string } = {
  window: 'The window the rule measures, such as 15m, 6h or 7d (s, m, h, d). Default: 1h.',
  min_value: "The seed's lower bound on the metric value, or null. Default: none.",
  max_value: "The seed's upper bound on the metric value, or null. Default: none.",
  min_label_coverage: 'The share of predictions in the window that must have an outcome (0 to 1) before the rule is checked. Default: none.',
  model_versions: 'The model versions the rule watches. Default: each version on its own.',
  segment: 'Check the rule per segment: {"feature": name} or {"metadata": key}, optionally with "values" to watch only those. Default: no segments.',
  baseline_window: 'Degradation rules: the baseline window just before the rule window, such as 7d. Default: as long as the rule window.',
  statistic: 'Drift rules: the drift statistic. Default: read from metric_name (track_temp_psi).',
  feature: 'Drift rules: the feature. Default: read from metric_name (track_temp_psi).',
  resolve_notice: 'Send a notice when a firing alert resolves. Default: no notice.',
  query: 'The PQL query the rule was saved from (ending in `alert when …`); its `where` (model version, time bounds, ago() counted from each evaluation) chooses the predictions the rule reads. Default: none.',
};

const conditionShape = Object.fromEntries(
  Object.entries(RuleOptionsSchema.shape).map(([key, schema]) => [
    key,
    schema.describe(CONDITION_DESCRIPTIONS[key as keyof typeof CONDITION_DESCRIPTIONS]),
  ]),
);

const count = (description: string, fallback: number) => z.int().min(0).default(fallback).describe(description);

/** One element of alert_rules.json, in plain zod. Unknown keys load (with a warning), as in the store. */
export const RuleFileElementSchema = z
  .object({
    rule_id: z.string().min(1).describe('Unique id of the rule; alerts name it.'),
    metric_name: z
      .string()
      .min(1)
      .describe('The metric the rule watches, such as accuracy, precision, recall, f1_score, expected_calibration_error or num_predictions; for drift rules <feature>_<statistic>, such as track_temp_psi.'),
    metric_type: z.enum(METRIC_TYPES).describe('threshold: the metric against the threshold; degradation: its drop from the baseline window; drift: a drift statistic of a feature.'),
    threshold: z.number().describe('The value the metric is compared with (a finite number).'),
    comparison: z.enum(COMPARISONS).describe('How the metric is compared with the threshold: the rule fires when "metric <comparison> threshold" holds.'),
    severity: z.enum(ALERT_SEVERITIES).describe('Severity of the alerts the rule raises.'),
    component: z.string().describe('The part of the system the alert is about (performance, calibration, drift, data_quality…).'),
    enabled: z
      .union([z.boolean(), z.literal([0, 1])])
      .default(true)
      .describe('Whether the rule is checked (also 0 or 1, as SQLite stores it). Default: true.'),
    cooldown_minutes: count('Minutes after an alert before the rule may fire again (a whole number ≥ 0). Default: 60.', 60),
    channels: z.array(z.enum(ALERT_CHANNELS)).default(['console']).describe('Where the alert is sent. Default: ["console"].'),
    conditions: z
      .object(conditionShape)
      .loose()
      .refine((value) => !exceedsDepth(value, MAX_JSON_DEPTH), `nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`)
      .default({})
      .describe("More conditions and options. The keys below are Pitwall's; any other key is kept for the Python system. Default: {}."),
    for_minutes: count("Pitwall: minutes the condition must hold before the rule fires (a whole number ≥ 0). Default: 0.", 0),
    min_samples: count('Pitwall: predictions the window needs before the rule is checked (a whole number ≥ 0). Default: 0.', 0),
    last_triggered: z
      .union([
        z.number().min(MIN_TIMESTAMP).max(MAX_TIMESTAMP),
        z.string().refine((text) => parseTimestamp(text).ok, 'must be a timestamp'),
      ])
      .nullable()
      .default(null)
      .describe('Pitwall: when the rule last fired, as unix seconds, ISO 8601 or YYYY-MM-DD HH:MM:SS[.ffffff] UTC; null if never. Default: null.'),
  })
  .describe('An alert rule.');

export const RulesFileSchema = z.array(RuleFileElementSchema).describe('alert_rules.json: the alert rules, one JSON array.');

const duration = RuleOptionsSchema.shape.window.unwrap();
const segment = RuleOptionsSchema.shape.segment.unwrap();

/** The JSON Schema of alert_rules.json (draft-07, which every editor reads). */
export function ruleFileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RulesFileSchema, {
    target: 'draft-7',
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      // What the refinements say, where JSON Schema can say it.
      if (zodSchema === duration) jsonSchema.pattern = DURATION_PATTERN;
      if (zodSchema === segment) jsonSchema.oneOf = [{ required: ['feature'] }, { required: ['metadata'] }];
      // The store loads an unknown key with a warning; an editor shows the schema's complaint as one.
      if (zodSchema === RuleFileElementSchema) jsonSchema.additionalProperties = false;
    },
  });
  return { $schema: schema.$schema, title: 'Pitwall alert rules', ...schema };
}

/** The committed file's text (scripts/generateRuleSchema.ts writes it; a test keeps it current). */
export function ruleFileJsonSchemaText(): string {
  return `${JSON.stringify(ruleFileJsonSchema(), null, 2)}\n`;
}
