import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileChannel } from '../../../../../src/core/alerting/channels/fileChannel';
import { PitwallError } from '../../../../../src/core/errors';
import type { AlertRule } from '../../../../../src/core/model/alertRule';
import { appendLines } from '../../../../../src/core/store/jsonl/fileWrites';
import { openJsonlStore, type JsonlStore } from '../../../../../src/core/store/jsonl/jsonlStore';
import { toPythonAlert, toPythonLine } from '../../../../../src/core/store/jsonl/pythonRecords';
import type { NewAlert, StoredAlert } from '../../../../../src/core/store/store';
import { makeTempDir, type TempDir } from './support';

export const NEW_ALERT: NewAlert = {
  timestamp: 1795000000.25,
  severity: 'warning',
  title: 'PERFORMANCE: accuracy Alert',
  message: 'accuracy is 0.6000 (< 0.7000)',
  metric_name: 'accuracy',
  metric_value: 0.6,
  threshold: 0.7,
  component: 'performance',
  model_version: 'v1.1',
  acknowledged: false,
  acknowledged_at: null,
  acknowledged_by: null,
};

export function alertLine(index: number, id = `base-${index}`): string {
  return toPythonLine(toPythonAlert({ ...NEW_ALERT, timestamp: 1790000000 + index, alert_id: id }));
}

const RULE: AlertRule = {
  rule_id: 'acc_low',
  metric_name: 'accuracy',
  metric_type: 'threshold',
  threshold: 0.7,
  comparison: '<',
  severity: 'critical',
  component: 'performance',
  enabled: true,
  cooldown_minutes: 30,
  channels: ['file'],
  conditions: {},
  for_minutes: 0,
  min_samples: 0,
  last_triggered: null,
};

const SCRIPT = '#!/bin/sh\necho hello\n';

function refusedSymlink(path: string) {
  return (error: unknown): boolean =>
    error instanceof PitwallError && error.message.includes(path) && /symbolic link/.test(error.message);
}

describe('Files Pitwall writes in a JSONL folder: symlinks and other non-regular files', function () {
  let temp: TempDir;
  let outside: string;
  let target: string;
  const stores: JsonlStore[] = [];

  async function open(): Promise<JsonlStore> {
    const store = await openJsonlStore(temp.path, { tornTailGraceMs: 50, lateAppendGraceMs: 5 });
    stores.push(store);
    return store;
  }

  /** Makes `name` in the folder a symlink to a shell script outside it. */
  function linkOut(name: string): string {
    symlinkSync(target, temp.file(name));
    return temp.file(name);
  }

  function assertTargetUntouched(): void {
    assert.equal(readFileSync(target, 'utf8'), SCRIPT);
  }

  beforeEach(function () {
    temp = makeTempDir();
    outside = mkdtempSync(join(tmpdir(), 'pitwall-outside-'));
    target = join(outside, 'deploy.sh');
    writeFileSync(target, SCRIPT, { mode: 0o755 });
    temp.append('alerts.jsonl', `${alertLine(1)}\n`);
  });
  afterEach(async function () {
    for (const store of stores.splice(0)) await store.close();
    temp.remove();
    rmSync(outside, { recursive: true, force: true });
  });

  it('refuses to append an alert through a symlink to a file outside the folder, naming the file', async function () {
    rmSync(temp.file('alerts.jsonl'));
    const link = linkOut('alerts.jsonl');
    const store = await open();
    await assert.rejects(store.appendAlert({ ...NEW_ALERT, alert_id: 'alert_$(touch x)' }), refusedSymlink(link));
    assertTargetUntouched();
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  it('refuses to append outcomes, deliveries and the alert log through a symlink', async function () {
    temp.append('predictions.jsonl', `${JSON.stringify({ timestamp: 1790000000, model_version: 'v1', prediction_id: 'p1', predicted_outcome: 1, confidence: 0.9, features: {}, metadata: {} })}\n`);
    const outcomes = linkOut('outcomes.jsonl');
    const deliveries = linkOut('deliveries.pitwall.jsonl');
    const log = linkOut('alert_log.txt');
    const store = await open();
    await assert.rejects(store.recordOutcome({ prediction_id: 'p1', actual_outcome: 1, timestamp: 1790000100 }), refusedSymlink(outcomes));
    await assert.rejects(
      store.recordDeliveries([{ alert: 'alert_$(touch x)#1', rule_id: 'r', kind: 'firing', channel: 'file', status: 'delivered', attempts: 1, error: null, evaluated_at: 1, finished_at: 2, elapsed_ms: 3 }]),
      refusedSymlink(deliveries),
    );
    const alert: StoredAlert = { ...NEW_ALERT, alert_id: 'alert_$(touch x)', key: 'alert_$(touch x)#1' };
    await assert.rejects(createFileChannel(log).send({ kind: 'firing', alert, ruleId: 'r', fingerprint: 'f' }, new AbortController().signal), refusedSymlink(log));
    assertTargetUntouched();
  });

  it('refuses to rewrite alerts.jsonl, the rules, the alert states and the silences through a symlink, and keeps the symlink', async function () {
    writeFileSync(target, `${alertLine(2)}\n`);
    const contents = readFileSync(target, 'utf8');
    rmSync(temp.file('alerts.jsonl'));
    const alerts = linkOut('alerts.jsonl');
    const rules = join(outside, 'rules.json');
    writeFileSync(rules, '[]\n');
    symlinkSync(rules, temp.file('alert_rules.json'));
    const states = linkOut('alert_state.pitwall.json');
    const silences = linkOut('silences.pitwall.json');
    writeFileSync(target, contents);
    const store = await open();
    await assert.rejects(store.acknowledgeAlerts(['base-2#1'], 'me', 1795000000), refusedSymlink(alerts));
    await assert.rejects(store.saveRule(RULE), refusedSymlink(temp.file('alert_rules.json')));
    await assert.rejects(store.updateAlertStates({ 'alert_$(touch x)': 1 }, []), refusedSymlink(states));
    await assert.rejects(store.saveSilence({ id: 's1', starts_at: 1, ends_at: 2, matchers: {}, comment: '', created_by: null, created_at: 1 }), refusedSymlink(silences));
    for (const link of [alerts, temp.file('alert_rules.json'), states, silences]) assert.ok(lstatSync(link).isSymbolicLink(), `${link} is still a symlink`);
    assert.equal(readFileSync(target, 'utf8'), contents);
    assert.equal(readFileSync(rules, 'utf8'), '[]\n');
  });

  it('refuses to append to a pipe without waiting for a reader', async function () {
    const fifo = temp.file('alert_log.txt');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(
      appendLines(fifo, Buffer.from('line\n'), 10),
      (error: unknown) => error instanceof PitwallError && error.message.includes(fifo) && /not a regular file/.test(error.message),
    );
    assert.ok(existsSync(fifo));
  });
});
