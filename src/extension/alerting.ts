/**
 * Evaluating alert rules from the editor: `Pitwall: Evaluate Alert Rules Now` runs the
 * kernel's evaluate-and-deliver step on the open source, with console notices in the
 * "Pitwall Alerts" output channel and channel secrets from SecretStorage (set with
 * `Pitwall: Set Alert Channel Secret…`), never from settings. The engine is kept per source, so
 * a condition that keeps holding is alerted once.
 */
import * as vscode from 'vscode';
import { AlertEngine } from '../core/alerting/engine';
import { channelSettings, deliveryFailures, evaluateOnce, type EvaluationOutcome } from '../core/alerting/run';
import { describeError } from '../core/errors';
import type { SourceManager } from './sourceManager';

/** Secrets by their PITWALL_* variable: what SecretStorage holds for the channels. */
const SECRETS = [
  { variable: 'PITWALL_SLACK_WEBHOOK_URL', label: 'Slack incoming-webhook URL' },
  { variable: 'PITWALL_SLACK_BOT_TOKEN', label: 'Slack bot token (chat.postMessage)' },
  { variable: 'PITWALL_SMTP_PASSWORD', label: 'SMTP password' },
  { variable: 'PITWALL_WEBHOOK_SECRET', label: 'Webhook signing secret' },
] as const;

/** Settings (not secret) by their PITWALL_* variable. */
const SETTINGS: readonly [variable: string, key: string][] = [
  ['PITWALL_SLACK_CHANNEL', 'slackChannel'],
  ['PITWALL_SMTP_HOST', 'smtpHost'],
  ['PITWALL_SMTP_PORT', 'smtpPort'],
  ['PITWALL_SMTP_USER', 'smtpUser'],
  ['PITWALL_SMTP_FROM', 'smtpFrom'],
  ['PITWALL_SMTP_TO', 'smtpTo'],
  ['PITWALL_WEBHOOK_URL', 'webhookUrl'],
];

export interface AlertingApi {
  /** What the last evaluation did; undefined before the first. */
  readonly lastOutcome: EvaluationOutcome | undefined;
}

async function channelEnvironment(secrets: vscode.SecretStorage): Promise<NodeJS.ProcessEnv> {
  const config = vscode.workspace.getConfiguration('pitwall.alerting');
  const env: NodeJS.ProcessEnv = {};
  for (const [variable, key] of SETTINGS) {
    const value = config.get<string | number>(key);
    if (value !== undefined && value !== '') env[variable] = String(value);
  }
  for (const { variable } of SECRETS) {
    const value = await secrets.get(`pitwall.${variable}`);
    if (value !== undefined && value !== '') env[variable] = value;
  }
  return env;
}

export function registerAlerting(context: vscode.ExtensionContext, sources: SourceManager, log: vscode.LogOutputChannel): { api: AlertingApi; disposables: vscode.Disposable[] } {
  const output = vscode.window.createOutputChannel('Pitwall Alerts');
  const engines = new Map<string, AlertEngine>();
  const api: { lastOutcome: EvaluationOutcome | undefined } = { lastOutcome: undefined };

  const evaluate = vscode.commands.registerCommand('pitwall.evaluateRules', async (options?: { at?: number }) => {
    const source = sources.source;
    if (!source) {
      const choice = await vscode.window.showInformationMessage('Open a monitoring source first: its rules are evaluated on its data.', 'Open Source…');
      if (choice) await vscode.commands.executeCommand('pitwall.openSource');
      return undefined;
    }
    if (source.readOnlyReason) {
      void vscode.window.showWarningMessage(`Rules are not evaluated: alerts cannot be recorded, because the source is read-only (${source.readOnlyReason}).`);
      return undefined;
    }
    let engine = engines.get(source.path);
    if (engine === undefined) engines.set(source.path, (engine = new AlertEngine([])));
    const at = typeof options?.at === 'number' && Number.isFinite(options.at) ? options.at : Date.now() / 1000;
    try {
      const settings = channelSettings(source.path, await channelEnvironment(context.secrets));
      const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Pitwall: evaluating alert rules' }, () =>
        evaluateOnce(source.store, engine, at, settings, (line) => output.appendLine(line)),
      );
      api.lastOutcome = outcome;
      for (const problem of [...outcome.result.problems.map((p) => `rule ${p.rule_id}: ${p.message}`), ...outcome.problems]) log.warn(problem);
      const failed = deliveryFailures(outcome);
      for (const failure of failed) log.warn(`delivery failed: ${failure}`);
      await sources.refresh(true);
      const summary = `Pitwall: ${outcome.created.length} alert(s) created, ${outcome.result.resolved.length} resolved.`;
      if (failed.length > 0) {
        const choice = await vscode.window.showWarningMessage(`${summary} ${failed.length} deliver${failed.length === 1 ? 'y' : 'ies'} failed.`, 'Show Log');
        if (choice) log.show();
      } else void vscode.window.showInformationMessage(summary);
      return outcome;
    } catch (error) {
      log.error(`Evaluating rules failed: ${describeError(error)}`);
      const choice = await vscode.window.showErrorMessage(describeError(error), 'Show Log');
      if (choice) log.show();
      return undefined;
    }
  });

  const setSecret = vscode.commands.registerCommand('pitwall.setChannelSecret', async () => {
    const picked = await vscode.window.showQuickPick(
      SECRETS.map((s) => ({ label: s.label, variable: s.variable })),
      { title: 'Pitwall: which alert channel secret?', placeHolder: 'Kept in VS Code’s secret storage, never in settings' },
    );
    if (!picked) return;
    const value = await vscode.window.showInputBox({ title: picked.label, password: true, prompt: 'Leave empty to remove it', ignoreFocusOut: true });
    if (value === undefined) return;
    const key = `pitwall.${picked.variable}`;
    if (value === '') await context.secrets.delete(key);
    else await context.secrets.store(key, value);
    void vscode.window.showInformationMessage(value === '' ? `${picked.label} removed.` : `${picked.label} saved in secret storage.`);
  });

  return { api, disposables: [output, evaluate, setSecret] };
}
