import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { alertRule, alertState, readAlertViewContext } from '../../../../src/core/alertGroups';
import { alertSegment, snoozeMatchers, snoozeSilences } from '../../../../src/core/alerting/snooze';
import type { AlertRule } from '../../../../src/core/model/alertRule';
import type { StoredAlert } from '../../../../src/core/store/store';
import { withOpenStore } from '../../withOpenStore';

const alert = (key: string, model_version: string | null, message = 'accuracy is low'): StoredAlert => ({
  key, timestamp: 1000, alert_id: key, severity: 'critical', title: 'PERFORMANCE: accuracy Alert', message, metric_name: 'accuracy', metric_value: 0.5,
  threshold: 0.7, component: 'performance', model_version, acknowledged: false, acknowledged_at: null, acknowledged_by: null,
});
const rule = { rule_id: 'acc_low' } as AlertRule;

describe('snoozing alerts: a silence per rule, version and segment that ends by itself', () => {
  it('names the rule, the version and the segment the engine wrote in the message', () => {
    assert.deepEqual(snoozeMatchers(alert('a', 'v1.1'), rule), { rule_id: 'acc_low', model_version: 'v1.1' });
    assert.deepEqual(snoozeMatchers(alert('a', null), rule), { rule_id: 'acc_low' });
    assert.deepEqual(snoozeMatchers(alert('a', 'v1.1', 'accuracy is 0.5 (< 0.7) for v1.1, circuit=monza'), rule), { rule_id: 'acc_low', model_version: 'v1.1', segment: 'circuit=monza' });
    assert.equal(alertSegment(alert('a', 'v1.1', 'accuracy is 0.5 (< 0.7) for v1.1')), undefined);
    assert.equal(alertSegment(alert('a', 'v1.1', 'accuracy is 0.5 for v1.1, not a segment, really')), undefined);
  });

  let dir = '';
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'pitwall-snooze-'));
    await generateDataset({ outDir: dir, predictions: 2000, seed: 11 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['JSONL folder', 'SQLite database'] as const) {
    it(`snoozes the open alerts of a ${kind}: one silence per scope, they show as silenced until it ends, alerts without a rule are left out`, async () => {
      const path = kind === 'JSONL folder' ? join(dir, 'monitoring') : join(dir, 'monitoring.db');
      await withOpenStore(path, async (store) => {
        const now = Math.max(...(await store.readAlerts({ limit: 1 })).map((each) => each.timestamp)) + 60;
        const open = await store.readAlerts({ acknowledged: false, limit: 50 });
        const before = await readAlertViewContext(store, now);
        assert.ok(open.length >= 2 && open.some((each) => alertRule(each, before) !== undefined), 'the generated source has open alerts of known rules');
        const { silences, unknown } = snoozeSilences(open, before, { seconds: 3600, now, by: 'oncall', comment: 'snoozed' });
        const ruled = open.filter((each) => alertRule(each, before) !== undefined);
        assert.deepEqual(unknown.map((each) => each.key), open.filter((each) => alertRule(each, before) === undefined).map((each) => each.key));
        assert.equal(silences.length, new Set(ruled.map((each) => JSON.stringify(snoozeMatchers(each, alertRule(each, before) as AlertRule)))).size);
        for (const silence of silences) {
          assert.deepEqual([silence.starts_at, silence.ends_at, silence.created_by], [now, now + 3600, 'oncall']);
        }
        for (const silence of silences) await store.saveSilence(silence);
        const during = await readAlertViewContext(store, now + 1);
        for (const each of ruled) assert.equal(alertState(each, during), 'silenced', `alert ${each.key} shows as silenced while snoozed`);
        for (const each of unknown) assert.equal(alertState(each, during), 'open');
        const after = await readAlertViewContext(store, now + 3600);
        for (const each of ruled) assert.equal(alertState(each, after), 'open', `alert ${each.key} is open again once the snooze ended`);
      });
    });
  }
});
