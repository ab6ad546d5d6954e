import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DeliveryOutcome, EvaluationOutcome } from '../../src/core/alerting/run';
import { makeCertificate, startSmtpEndpoint, type SmtpEndpoint } from '../unit/core/alerting/channels/support';
import { eventually, pitwall, trafficRule } from './harness';

/** The settings a test changed, set back after it. */
const changed = new Set<string>();

async function configure(values: Record<string, unknown>): Promise<void> {
  const config = vscode.workspace.getConfiguration('pitwall.alerting');
  for (const [key, value] of Object.entries(values)) {
    changed.add(key);
    await config.update(key, value, vscode.ConfigurationTarget.Global);
  }
}

async function resetSettings(): Promise<void> {
  const config = vscode.workspace.getConfiguration('pitwall.alerting');
  for (const key of changed) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  changed.clear();
}

/** Evaluates a rule that fires on any traffic of v1.0 and mails it; returns the evaluation. */
async function evaluateEmailRule(ruleId: string): Promise<EvaluationOutcome> {
  const api = await pitwall();
  const source = await eventually(() => api.sources.source ?? undefined);
  await source.store.saveRule(trafficRule(ruleId, ['email'], 'v1.0'));
  const [latest] = await source.store.readPredictions({ order: 'desc', limit: 1 });
  const outcome = (await vscode.commands.executeCommand('pitwall.evaluateRules', { at: (latest?.timestamp ?? 0) - 3600 })) as EvaluationOutcome | undefined;
  assert.ok(outcome, 'the rules were evaluated');
  assert.equal(outcome.created.filter((alert) => alert.title === 'TRAFFIC: num_predictions Alert').length, 1);
  return outcome;
}

/** The email channel's [status, error] for each notice of the rule. */
function emailStatus(outcome: DeliveryOutcome, ruleId: string): [string, string | null][] {
  return outcome.deliveries.filter((d) => d.rule_id === ruleId).flatMap((d) => d.reports.map((r): [string, string | null] => [r.status, r.error ?? null]));
}

describe('The email channel configured in the editor', () => {
  const servers: SmtpEndpoint[] = [];
  const rules: string[] = [];
  let folder = '';
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'pitwall-smtp-'));
  });
  afterEach(async () => {
    await resetSettings();
    await Promise.all(servers.splice(0).map((server) => server.close()));
    const api = await pitwall();
    for (const rule of rules.splice(0)) await api.sources.source?.store.deleteRule(rule);
    await api.sources.refresh(true);
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('speaks TLS from the first byte with pitwall.alerting.smtpSecure (port 465), trusting pitwall.alerting.smtpCaFile', async function () {
    const certificate = makeCertificate(folder);
    if (certificate === null) this.skip();
    const server = await startSmtpEndpoint({ secure: true, key: certificate.key, cert: certificate.cert, authOptional: true });
    servers.push(server);
    await configure({ smtpHost: '127.0.0.1', smtpPort: server.port, smtpFrom: 'pitwall@example.com', smtpTo: 'oncall@example.com', smtpSecure: true, smtpCaFile: certificate.certFile });
    rules.push('editor_email_secure');
    const outcome = await evaluateEmailRule('editor_email_secure');
    assert.deepEqual(emailStatus(await outcome.delivery, 'editor_email_secure'), [['delivered', null]]);
    assert.equal(server.mails.length, 1);
    assert.equal(server.mails[0]?.secure, true, 'the session was TLS');
  });

  it('refuses a server without STARTTLS when pitwall.alerting.smtpRequireTls is on', async () => {
    const server = await startSmtpEndpoint({ disabledCommands: ['STARTTLS'], authOptional: true });
    servers.push(server);
    await configure({ smtpHost: '127.0.0.1', smtpPort: server.port, smtpFrom: 'pitwall@example.com', smtpTo: 'oncall@example.com', smtpRequireTls: true });
    rules.push('editor_email_require_tls');
    const outcome = await evaluateEmailRule('editor_email_require_tls');
    const [[status, error] = ['', null]] = emailStatus(await outcome.delivery, 'editor_email_require_tls');
    assert.equal(status, 'failed');
    assert.match(error ?? '', /STARTTLS/);
    assert.equal(server.mails.length, 0);
  });

  it('logs a failure in the work after delivery instead of leaving an unhandled promise rejection', async () => {
    const planted = new Error('planted: refresh after delivery failed');
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await startSmtpEndpoint({
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      // The message is accepted only when the test says so: the evaluation has returned by then.
      onMailFrom(_address, _session, callback) {
        void held.then(() => callback());
      },
    });
    servers.push(server);
    await configure({ smtpHost: '127.0.0.1', smtpPort: server.port, smtpFrom: 'pitwall@example.com', smtpTo: 'oncall@example.com' });
    rules.push('editor_email_after_delivery');
    const api = await pitwall();
    const outcome = await evaluateEmailRule('editor_email_after_delivery');
    const sources = api.sources as { refresh: typeof api.sources.refresh };
    const refresh = sources.refresh.bind(sources);
    // What follows a delivery refreshes the views (a forced refresh): here that fails, and says when it was asked.
    let refreshed: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (refreshed = resolve));
    sources.refresh = (force?: boolean) => {
      if (force !== true) return refresh(force);
      refreshed();
      return Promise.reject(planted);
    };
    process.on('unhandledRejection', listener);
    try {
      release();
      assert.deepEqual(emailStatus(await outcome.delivery, 'editor_email_after_delivery'), [['delivered', null]]);
      await asked;
      // The failure travels through promise jobs; Node reports what stays unhandled before the next turns of the event loop.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', listener);
      delete (sources as Partial<typeof sources>).refresh;
    }
    assert.deepEqual(unhandled.filter((reason) => reason === planted), []);
  });
});
