import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The fields of an alert the sidebar shows. */
export interface AlertPreview {
  key: string;
  alertId: string;
  timestamp: number;
  severity: string;
  title: string;
  message: string;
  modelVersion: string | null;
  acknowledged: boolean;
}

export interface RulePreview {
  ruleId: string;
  metricName: string;
  comparison: string;
  threshold: number;
  severity: string;
  enabled: boolean;
}

export interface SourcePreview {
  alerts: AlertPreview[];
  rules: RulePreview[];
  problems: string[];
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A first, minimal reader of a JSONL folder's alerts and rules. */
export async function readSourcePreview(folder: string): Promise<SourcePreview> {
  const problems: string[] = [];
  const alerts: AlertPreview[] = [];
  const alertsText = await readIfExists(join(folder, 'alerts.jsonl'));
  alertsText?.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      alerts.push({
        key: `${String(record.alert_id)}#${index + 1}`,
        alertId: String(record.alert_id),
        timestamp: Number(record.timestamp),
        severity: String(record.severity),
        title: String(record.title ?? ''),
        message: String(record.message ?? ''),
        modelVersion: typeof record.model_version === 'string' ? record.model_version : null,
        acknowledged: record.acknowledged === true,
      });
    } catch {
      problems.push(`alerts.jsonl line ${index + 1}: not valid JSON`);
    }
  });
  const rules: RulePreview[] = [];
  const rulesText = await readIfExists(join(folder, 'alert_rules.json'));
  if (rulesText !== null) {
    try {
      for (const rule of JSON.parse(rulesText) as Record<string, unknown>[]) {
        rules.push({
          ruleId: String(rule.rule_id),
          metricName: String(rule.metric_name),
          comparison: String(rule.comparison),
          threshold: Number(rule.threshold),
          severity: String(rule.severity),
          enabled: rule.enabled !== false,
        });
      }
    } catch {
      problems.push('alert_rules.json: not a valid JSON array');
    }
  }
  alerts.sort((a, b) => b.timestamp - a.timestamp);
  return { alerts, rules, problems };
}
