/**
 * `pitwall ack` and `pitwall unack`: acknowledgments given and taken back, by alert key or by
 * alert_id. Brief commands (briefMain.ts): they import the store and nothing heavier.
 */
import type { AlertKey, Store } from '../core/store/store';
import { SOURCE } from './args';
import { defineCommand } from './commandSpec';
import { withStore, type CommandEnvironment } from './context';
import { printJson } from './output';

/** An argument names an alert by its store key, or every alert with that alert_id. */
async function resolveAlerts(store: Store, names: readonly string[]): Promise<{ keys: AlertKey[]; unknown: string[] }> {
  const keys = new Set<AlertKey>();
  const unknown: string[] = [];
  for (const name of names) {
    const byKey = await store.readAlert(name);
    if (byKey) {
      keys.add(byKey.key);
      continue;
    }
    const byId = await store.readAlerts({ alertId: name });
    if (byId.length === 0) unknown.push(name);
    for (const alert of byId) keys.add(alert.key);
  }
  return { keys: [...keys], unknown };
}

export const ack = defineCommand({
  name: 'ack',
  summary: 'acknowledge alerts, with who and why',
  positionals: [SOURCE, { name: 'alert', variadic: true, description: 'an alert_id, meaning every alert with it, or an alert key as `pitwall alerts` lists them' }],
  options: {
    by: { type: 'string', placeholder: 'NAME', defaultText: 'your user name ($USER)', description: 'who acknowledges' },
    comment: { type: 'string', placeholder: 'TEXT', description: 'why, kept with the acknowledgment' },
  },
  examples: [
    'pitwall ack demo/monitoring alert_1790856000697#1 --by oncall --comment "retraining v1.1"',
    'pitwall ack demo/monitoring.db 33 34 --json',
  ],
  run: async ({ values, args: { source, alert } }, env) => {
    const by = values.by ?? process.env.USER ?? null;
    const comment = values.comment ?? null;
    const outcome = await withStore(source, env, async (store) => {
      const { keys, unknown } = await resolveAlerts(store, alert);
      const result = keys.length > 0 ? await store.acknowledgeAlerts(keys, by, env.now(), comment) : { acknowledged: [], alreadyAcknowledged: [], notFound: [] };
      return { ...result, unknown };
    }, false, true);
    const problems = outcome.problems ?? [];
    if (values.json) {
      printJson(env.out, {
        acknowledged: outcome.acknowledged,
        already_acknowledged: outcome.alreadyAcknowledged,
        not_found: [...outcome.notFound, ...outcome.unknown],
        ...(problems.length > 0 ? { problems } : {}),
      });
    } else {
      for (const key of outcome.acknowledged) env.out.write(`acknowledged ${key}\n`);
      for (const key of outcome.alreadyAcknowledged) env.out.write(`already acknowledged ${key}\n`);
    }
    // The acknowledgment stands: what could not be kept beside it is a warning, not a failure.
    for (const problem of problems) env.out.error(`warning: ${problem}\n`);
    return reportMissing(env, [...outcome.notFound, ...outcome.unknown], source);
  },
});

/** Names the alerts asked for that the source does not have, on standard error: exit status 2 when there are any. */
function reportMissing(env: CommandEnvironment, missing: readonly string[], source: string): number {
  if (missing.length === 0) return 0;
  env.out.error(`pitwall: no alert ${missing.map((name) => `"${name}"`).join(', ')} in ${source}\n`);
  return 2;
}

export const unack = defineCommand({
  name: 'unack',
  summary: 'take acknowledgments back',
  positionals: [SOURCE, { name: 'alert', variadic: true, description: 'an alert_id, meaning every alert with it, or an alert key' }],
  examples: ['pitwall unack demo/monitoring.db 34', 'pitwall unack demo/monitoring alert_1790856000697#1 --json'],
  run: async ({ values, args: { source, alert } }, env) => {
    const outcome = await withStore(source, env, async (store) => {
      const { keys, unknown } = await resolveAlerts(store, alert);
      const result = keys.length > 0 ? await store.unacknowledgeAlerts(keys) : { unacknowledged: [], notAcknowledged: [], notFound: [] };
      return { ...result, unknown };
    }, false, true);
    if (values.json) {
      printJson(env.out, { unacknowledged: outcome.unacknowledged, not_acknowledged: outcome.notAcknowledged, not_found: [...outcome.notFound, ...outcome.unknown] });
    } else {
      for (const key of outcome.unacknowledged) env.out.write(`unacknowledged ${key}\n`);
      for (const key of outcome.notAcknowledged) env.out.write(`not acknowledged ${key}\n`);
    }
    return reportMissing(env, [...outcome.notFound, ...outcome.unknown], source);
  },
});
