/**
 * Writes schemas/alert_rules.schema.json, the JSON Schema of alert_rules.json that package.json
 * contributes to editors, from the zod schemas (src/core/alerting/ruleSchema.ts).
 * Run `npx tsx scripts/generateRuleSchema.ts` after changing a rule field; a unit test fails
 * while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleFileJsonSchemaText } from '../src/core/alerting/ruleSchema';

export const RULE_SCHEMA_PATH = join(__dirname, '..', 'schemas', 'alert_rules.schema.json');

if (require.main === module) {
  writeFileSync(RULE_SCHEMA_PATH, ruleFileJsonSchemaText());
  process.stdout.write(`wrote ${RULE_SCHEMA_PATH}\n`);
}
