/**
 * `pitwall alerts`: the alerts of a source, open ones first, each with what to act on — its
 * message (value against threshold), the rule that raised it, whether it is still firing, and
 * who acknowledged it, when and why. Filters the store can apply (severity, model version, time,
 * acknowledged) are its queries, a page at a time; `--limit 50` reads about fifty alerts, not
 * the hundred thousand a source may hold. Only `--rule` is judged here, page by page.
 */
import { readOpenFirst, type DetailedAlert } from '../core/alerting/alertList';
import { ALERT_SEVERITIES, type AlertSeverity } from '../core/model/alert';
import { unknownNameError } from '../core/suggest';
import type { AlertFilter, AlertKey, StoredAlert } from '../core/store/store';
import { parseCount, parseSince, SOURCE } from './args';
import { defineCommand } from './commandSpec';
import { withStore } from './context';
import { formatTime, printJson, printTable } from './output';

/** `critical,warning`: the parser has checked each against the severities. */
function parseSeverities(text: string | undefined): AlertSeverity[] | undefined {
  return text?.split(',').map((name) => name.trim() as AlertSeverity);
}

/** The message as the alert has it, else its value against the threshold. */
function messageOf(alert: StoredAlert): string {
  if (alert.message !== null && alert.message !== '') return alert.message;
  const value = alert.metric_value === null ? '—' : alert.metric_value.toFixed(4);
  return `${alert.metric_name ?? alert.title ?? 'value'} is ${value}${alert.threshold === null ? '' : ` (threshold ${alert.threshold})`}`;
}

function acknowledgmentOf(alert: DetailedAlert): string {
  if (!alert.acknowledged) return 'open';
  const at = alert.acknowledged_at === null ? '' : ` ${formatTime(alert.acknowledged_at)}`;
  return `${alert.acknowledged_by ?? 'someone'}${at}${alert.comment === null ? '' : `: "${alert.comment}"`}`;
}

export const alerts = defineCommand({
  name: 'alerts',
  summary: 'the alerts of a source, open ones first: message, rule, firing or resolved, acknowledgment',
  description: [
    'Open (unacknowledged) alerts come first, then acknowledged ones, each part newest first.',
    'STATE is `firing` while the rule\'s condition still holds since this alert, `resolved` once it no longer does, and `—` for alerts the',
    'Python system wrote (it keeps no firing state). RULE is given where a record names it (the engine\'s firing state, the delivery log) or',
    'where exactly one rule of the source has the alert\'s metric, threshold, severity and component; else `—`.',
    'ALERT is the key to give `pitwall ack`: in a JSONL folder `<alert_id>#<n>`, the n-th alert with that alert_id in the file, because the',
    'Python system names alerts `alert_<unix ms>` and two alerts of one millisecond share an id (`#1` is the first); in a database, the row id.',
  ].join('\n'),
  positionals: [SOURCE],
  options: {
    severity: { type: 'string', placeholder: 'LIST', choices: ALERT_SEVERITIES, list: true, defaultText: 'every severity', description: 'only alerts of these severities' },
    model: { type: 'string', placeholder: 'VERSION', defaultText: 'every version', description: 'only alerts of this model version' },
    rule: { type: 'string', placeholder: 'RULE_ID', defaultText: 'every rule', description: 'only alerts raised by this rule' },
    since: { type: 'string', placeholder: 'TIME', defaultText: 'the first alert', description: 'only alerts from this time on: ISO 8601, unix seconds, or an age such as 24h, 7d' },
    unacknowledged: { type: 'boolean', description: 'only alerts nobody has acknowledged' },
    limit: { type: 'string', placeholder: 'N', default: '100', description: 'at most N alerts' },
  },
  examples: [
    'pitwall alerts demo/monitoring.db --unacknowledged --since 24h',
    'pitwall alerts demo/monitoring --severity critical,warning --model v1.1 --limit 20',
    'pitwall alerts demo/monitoring.db --rule acc_low --json',
  ],
  run: async ({ values, args: { source } }, env) => {
    const severities = parseSeverities(values.severity);
    const limit = parseCount(values.limit, 'limit');
    const since = parseSince(values.since, 'since', env.now());
    const filter: AlertFilter = {
      ...(severities === undefined ? {} : { severity: severities }),
      ...(values.model === undefined ? {} : { modelVersion: values.model }),
      ...(since === undefined ? {} : { from: since }),
    };
    const list = await withStore(source, env, async (store) => {
      if (values.rule !== undefined) {
        const rules = (await store.readRules()).map((rule) => rule.rule_id);
        if (!rules.includes(values.rule)) throw unknownNameError('rule', values.rule, rules, '`--rule`');
      }
      const found = await readOpenFirst(store, filter, limit, values.rule, values.unacknowledged ? false : undefined);
      // Nothing found for a version the source does not know is a typo, not good news.
      if (found.length === 0 && values.model !== undefined) {
        const versions = await store.readModelVersions();
        if (!versions.includes(values.model)) throw unknownNameError('model version', values.model, versions, '`--model`');
      }
      return found;
    });
    if (values.json) {
      printJson(env.out, list);
      return 0;
    }
    if (list.length === 0) {
      env.out.write('No alerts match.\n');
      return 0;
    }
    printTable(
      env.out,
      ['TIME', 'SEVERITY', 'STATE', 'ACKNOWLEDGED', 'RULE', 'MODEL', 'ALERT', 'MESSAGE'],
      list.map((alert) => [
        formatTime(alert.timestamp),
        alert.severity,
        alert.state ?? '—',
        acknowledgmentOf(alert),
        alert.rule_id ?? '—',
        alert.model_version ?? '',
        alert.key,
        messageOf(alert),
      ]),
    );
    if (list.some((alert) => isJsonlKey(alert.key))) env.out.write('ALERT `<alert_id>#<n>`: the n-th alert with that alert_id (the Python system\'s ids repeat within a millisecond); give it to `pitwall ack`.\n');
    return 0;
  },
});

function isJsonlKey(key: AlertKey): boolean {
  return /#\d+$/.test(key);
}
