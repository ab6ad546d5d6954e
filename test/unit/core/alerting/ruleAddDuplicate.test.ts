import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { addRule, duplicateRule } from '../../../../src/core/alerting/ruleEdits';
import { isPitwallError } from '../../../../src/core/errors';
import { withOpenStore } from '../../withOpenStore';

const FIELDS = {
  rule_id: 'ece_watch',
  metric_name: 'ece',
  metric_type: 'threshold',
  threshold: 0.08,
  comparison: '>',
  severity: 'warning',
  component: 'calibration',
  channels: ['console', 'file'],
  cooldown_minutes: 30,
  conditions: { window: '6h' },
};

describe('adding and duplicating rules as the Rules view does', function () {
  this.timeout(60_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-rule-add-'));
    await generateDataset({ outDir: root, predictions: 1500, seed: 3 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`adds a checked rule to a ${kind} source, refuses a bad or duplicate one without writing, and duplicates a rule disabled under a free id`, async () => {
      const path = join(root, kind === 'jsonl' ? 'monitoring' : 'monitoring.db');
      await withOpenStore(path, async (store) => {
        const before = (await store.readRules()).length;
        const added = await addRule(store, FIELDS);
        assert.equal(added.rule_id, 'ece_watch');
        await assert.rejects(addRule(store, FIELDS), (error) => isPitwallError(error) && error.code === 'conflict' && /already exists/.test(error.message));
        await assert.rejects(
          addRule(store, { ...FIELDS, rule_id: 'bad', metric_name: 'ece_score', conditions: { window: 'soon' } }),
          (error) => isPitwallError(error) && error.code === 'input' && /metric_name/.test(error.message) && /conditions\.window/.test(error.message) && /not added/.test(error.message),
        );
        const first = await duplicateRule(store, 'ece_watch');
        const second = await duplicateRule(store, 'ece_watch');
        assert.deepEqual([first.rule_id, second.rule_id], ['ece_watch_copy', 'ece_watch_copy2']);
        assert.equal(first.enabled, false);
        assert.equal((await store.readRules()).length, before + 3);
        await assert.rejects(duplicateRule(store, 'no_such'), (error) => isPitwallError(error) && /no_such/.test(error.message));
      });
      // What a new reader of the files finds.
      await withOpenStore(path, async (store) => {
        const rules = await store.readRules();
        const added = rules.find((r) => r.rule_id === 'ece_watch');
        assert.deepEqual([added?.threshold, added?.channels, added?.cooldown_minutes, { ...added?.conditions }], [0.08, ['console', 'file'], 30, { window: '6h' }]);
        assert.deepEqual(
          rules.filter((r) => r.rule_id.startsWith('ece_watch_copy')).map((r) => [r.rule_id, r.enabled, r.threshold]),
          [['ece_watch_copy', false, 0.08], ['ece_watch_copy2', false, 0.08]],
        );
        assert.ok(!rules.some((r) => r.rule_id === 'bad'));
      });
      if (kind === 'jsonl') {
        const file = JSON.parse(readFileSync(join(path, 'alert_rules.json'), 'utf8')) as { rule_id: string }[];
        assert.ok(file.some((r) => r.rule_id === 'ece_watch_copy2'));
      }
    });
  }
});
