/**
 * Evaluating alert rules from the editor: `Pitwall: Evaluate Alert Rules Now` runs the
 * kernel's evaluate-and-deliver step on the open source, with console notices in the
 * "Pitwall Alerts" output channel and channel secrets from SecretStorage (set with
 * `Pitwall: Set Alert Channel Secret…`), never from settings. The engine is kept per source, so
 * a condition that keeps holding is alerted once. Delivery runs after the evaluation, shown in
 * the status bar; `Pitwall: Show Alert Deliveries` lists the source's delivery log.
 */
import * as vscode from 'vscode';
import { AlertEngine } from '../core/alerting/engine';
import { channelSettings, deliveryFailures, evaluateOnce, type EvaluationOutcome } from '../core/alerting/run';
import { describeError } from '../core/errors';
import { deliveryFailed } from '../core/model/delivery';
import { formatAlertTime } from './alertsTreeDataProvider';
import type { SourceManager } from './sourceManager';

/** Secrets by their PITWALL_* variable: what SecretStorage holds for the channels. */
const SECRETS = [
  { variable: 'PITWALL_SLACK_WEBHOOK_URL', label: 'Slack incoming-webhook URL' },
  { variable: 'PITWALL_SLACK_BOT_TOKEN', label: 'Slack bot token (chat.postMessage)' },
  { variable: 'PITWALL_SMTP_PASSWORD', label: 'SMTP password' },
  { variable: 'PITWALL_WEBHOOK_SECRET', label: 'Webhook signing secret' },
] as const;

/** Delivery records listed by Pitwall: Show Alert Deliveries, newest first. */
const DELIVERIES_SHOWN = 500;

/** Settings (not secret) by their PITWALL_* variable. */
const SETTINGS: readonly [variable: string, key: string][] = [
  ['PITWALL_SLACK_CHANNEL', 'slackChannel'],
  ['PITWALL_SMTP_HOST', 'smtpHost'],
  ['PITWALL_SMTP_PORT', 'smtpPort'],
  ['PITWALL_SMTP_SECURE', 'smtpSecure'],
  ['PITWALL_SMTP_REQUIRE_TLS', 'smtpRequireTls'],
  ['PITWALL_SMTP_CA_FILE', 'smtpCaFile'],
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
    const value = config.get<string | number | boolean | null>(key);
    if (value !== undefined && value !== null && value !== '') env[variable] = String(value);
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
  // Closing the extension cancels deliveries still under way (each is logged as cancelled).
  const stopping = new AbortController();
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
        evaluateOnce(source.store, engine, at, settings, (line) => output.appendLine(line), { signal: stopping.signal }),
      );
      api.lastOutcome = outcome;
      for (const problem of [...outcome.result.problems.map((p) => `rule ${p.rule_id}: ${p.message}`), ...outcome.problems]) log.warn(problem);
      await sources.refresh(true);
      void vscode.window.showInformationMessage(`Pitwall: ${outcome.created.length} alert(s) created, ${outcome.result.resolved.length} resolved.`);
      // Delivery goes on after the evaluation, shown in the status bar; its failures are in the
      // source's delivery log, and said once it is done.
      void vscode.window
        .withProgress({ location: vscode.ProgressLocation.Window, title: 'Pitwall: delivering alerts' }, () => outcome.delivery)
        .then(async (delivered) => {
          for (const problem of delivered.problems) log.warn(problem);
          const failed = deliveryFailures(delivered);
          for (const failure of failed) log.warn(`delivery failed: ${failure}`);
          // The same source still open (refreshing it makes a new OpenSource, so compare paths): show its delivery log.
          if (delivered.deliveries.length > 0 && sources.source?.path === source.path) await sources.refresh(true);
          if (failed.length > 0) {
            const choice = await vscode.window.showWarningMessage(
              `Pitwall: ${failed.length} alert deliver${failed.length === 1 ? 'y' : 'ies'} failed; the alerts are recorded.`,
              'Show Deliveries',
              'Show Log',
            );
            if (choice === 'Show Deliveries') await vscode.commands.executeCommand('pitwall.showDeliveries');
            else if (choice) log.show();
          }
        })
        // Nothing waits on this chain: what fails in it is logged, never left unhandled.
        .then(undefined, (error: unknown) => log.error(`After delivering the alerts: ${describeError(error)}`));
      return outcome;
    } catch (error) {
      log.error(`Evaluating rules failed: ${describeError(error)}`);
      const choice = await vscode.window.showErrorMessage(describeError(error), 'Show Log');
      if (choice) log.show();
      return undefined;
    }
  });

  const showDeliveries = vscode.commands.registerCommand('pitwall.showDeliveries', async () => {
    const source = sources.source;
    if (!source) {
      const choice = await vscode.window.showInformationMessage('Open a monitoring source first: its delivery log is kept beside its alerts.', 'Open Source…');
      if (choice) await vscode.commands.executeCommand('pitwall.openSource');
      return undefined;
    }
    try {
      const deliveries = await source.store.readDeliveries({ limit: DELIVERIES_SHOWN });
      for (const problem of deliveries.problems) log.warn(problem);
      if (deliveries.records.length === 0) {
        void vscode.window.showInformationMessage(
          deliveries.problems.length > 0
            ? `No readable delivery records: ${deliveries.problems.length} damaged (see the log).`
            : 'No alert deliveries recorded yet: they are logged when rules are evaluated (Pitwall: Evaluate Alert Rules Now, or `pitwall evaluate`/`watch`).',
        );
        return deliveries;
      }
      const items = [...deliveries.records].reverse().map((record) => ({
        label: `$(${deliveryFailed(record) ? 'error' : record.status === 'silenced' ? 'bell-slash' : 'pass'}) ${record.channel} ${record.status}`,
        description: `${record.kind === 'resolved' ? 'resolved ' : ''}${record.alert} · rule ${record.rule_id} · ${formatAlertTime(record.finished_at)}`,
        detail: record.error ?? `${record.attempts} attempt(s), ${Math.round(record.elapsed_ms)} ms`,
      }));
      const failed = deliveries.records.filter(deliveryFailed).length;
      await vscode.window.showQuickPick(items, {
        title: `Pitwall: alert deliveries, newest first (${failed} failed of ${deliveries.records.length}${deliveries.problems.length > 0 ? `; ${deliveries.problems.length} damaged records skipped` : ''})`,
        matchOnDescription: true,
        matchOnDetail: true,
      });
      return deliveries;
    } catch (error) {
      const choice = await vscode.window.showErrorMessage(`Cannot read the delivery log: ${describeError(error)}`, 'Show Log');
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

  return { api, disposables: [output, evaluate, showDeliveries, setSecret, { dispose: () => stopping.abort() }] };
}
