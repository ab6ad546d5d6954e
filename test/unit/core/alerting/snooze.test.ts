import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { readAlertDetails } from '../../../../src/core/alerting/alertDetails';
import { snoozeMatchers, snoozeSilences } from '../../../../src/core/alerting/snooze';
import { silences } from '../../../../src/core/model/silence';
import type { StoredAlert } from '../../../../src/core/store/store';
import { withOpenStore } from '../../withOpenStore';

const alert = (key: string, severity: StoredAlert['severity'], model_version: string | null): StoredAlert => ({
  key, timestamp: 1000, alert_id: key, severity, title: 'PERFORMANCE: accuracy Alert', message: 'accuracy is low', metric_name: 'accuracy', metric_value: 0.5,
  threshold: 0.7, component: 'performance', model_version, acknowledged: false, acknowledged_at: null, acknowledged_by: null,
});

describe('snoozing alerts: a silence per scope that ends by itself', () => {
  it('names the rule and version when the rule is known, else the version and severity, never nothing', () => {
    assert.deepEqual(snoozeMatchers(alert('a', 'critical', 'v1.1'), 'acc_low'), { rule_id: 'acc_low', model_version: 'v1.1' });
    assert.deepEqual(snoozeMatchers(alert('a', 'critical', 'v1.1'), null), { model_version: 'v1.1', severity: 'critical' });
    assert.deepEqual(snoozeMatchers(alert('a', 'warning', null), null), { severity: 'warning' });
    assert.deepEqual(snoozeMatchers(alert('a', 'warning', ''), 'r'), { rule_id: 'r' });
  });

  let dir = '';
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'pitwall-snooze-'));
    await generateDataset({ outDir: dir, predictions: 2000, seed: 11 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['JSONL folder', 'SQLite database'] as const) {
    it(`makes one silence per distinct scope of the alerts of a ${kind}, for the time asked, muting them and not others`, async () => {
      const path = kind === 'JSONL folder' ? join(dir, 'monitoring') : join(dir, 'monitoring.db');
      await withOpenStore(path, async (store) => {
        const open = await store.readAlerts({ acknowledged: false, limit: 50 });
        assert.ok(open.length >= 2, 'the generated source has open alerts');
        const details = await readAlertDetails(store, open);
        const scopes = new Set(open.map((each) => JSON.stringify(snoozeMatchers(each, details.get(each.key)?.rule_id ?? null))));
        const made = await snoozeSilences(store, open, { seconds: 3600, now: 5000, by: 'oncall' });
        assert.equal(made.length, scopes.size);
        assert.equal(new Set(made.map((silence) => silence.id)).size, made.length, 'ids are distinct');
        for (const silence of made) {
          assert.equal(silence.starts_at, 5000);
          assert.equal(silence.ends_at, 8600);
          assert.equal(silence.created_by, 'oncall');
        }
        for (const each of open) {
          const scope = { rule_id: details.get(each.key)?.rule_id ?? '', model_version: each.model_version, segment: null, severity: each.severity };
          assert.ok(made.some((silence) => silences(silence, 5001, scope)), `alert ${each.key} is muted while snoozed`);
          assert.ok(!made.some((silence) => silences(silence, 8600, scope)), `alert ${each.key} is not muted once the snooze ended`);
        }
        // An alert of another version and severity is not muted by them.
        const other = { rule_id: 'some_other_rule', model_version: 'v9', segment: null, severity: 'info' };
        assert.ok(!made.some((silence) => silences(silence, 5001, other)));
      });
    });
  }
});
