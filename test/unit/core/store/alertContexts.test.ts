import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { readRecordedWhy } from '../../../../src/core/alerting/alertContext';
import { PitwallError } from '../../../../src/core/errors';
import type { AlertContextRecord, AlertWhy } from '../../../../src/core/model/alertWhy';
import { ALERT_CONTEXT_FILE, ALERT_CONTEXT_TABLE } from '../../../../src/core/store/alertContextRecords';
import { withOpenStore } from '../../withOpenStore';
import { integrityCheck, selectRows } from './sqlite/writerSupport';

function whyOf(rule: string): AlertWhy {
  return {
    kind: 'performance',
    rule_id: rule,
    model_version: 'v1.1',
    metric: 'accuracy',
    baseline: { from: 0, to: 10 },
    current: { from: 10, to: 20 },
    labelled: { baseline: 3, current: 4 },
    segments: [],
    drifted_features: [{ feature: 'track_temp', statistic: 'psi', value: 0.5, importance: null, weighted: null }],
    feature: null,
  };
}

const record = (alert: string, at: number, rule: string): AlertContextRecord => ({ alert, recorded_at: at, why: whyOf(rule) });

describe('alert contexts kept beside the alerts', function () {
  this.timeout(60_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-contexts-'));
    await generateDataset({ outDir: root, predictions: 300, seed: 3 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`appends contexts, reads the newest of each alert asked for, and refuses an invalid one writing nothing (${kind})`, async () => {
      const folder = mkdtempSync(join(root, kind));
      const source = join(folder, kind === 'jsonl' ? 'monitoring' : 'monitoring.db');
      cpSync(join(root, kind === 'jsonl' ? 'monitoring' : 'monitoring.db'), source, { recursive: true });
      await withOpenStore(source, async (store) => {
        assert.deepEqual(await store.readAlertContexts(), { records: [], problems: [] }, 'none before the first');
        await store.recordAlertContexts([record('A', 1, 'first'), record('B', 1, 'b')]);
        await store.recordAlertContexts([record('A', 2, 'second')]);
        const all = await store.readAlertContexts();
        assert.deepEqual(all.records.map((r) => [r.alert, r.recorded_at, r.why.rule_id]), [['B', 1, 'b'], ['A', 2, 'second']]);
        assert.deepEqual((await store.readAlertContexts(['A', 'C'])).records.map((r) => r.why.rule_id), ['second']);
        const recorded = await readRecordedWhy(store, ['B', 'C']);
        assert.deepEqual([...recorded.keys()], ['B']);
        await assert.rejects(
          store.recordAlertContexts([record('C', 3, 'c'), { ...record('D', 3, 'd'), why: { ...whyOf('d'), kind: 'guess' } } as unknown as AlertContextRecord]),
          (error: unknown) => error instanceof PitwallError && error.code === 'input' && /record 2 of 2 is not valid: why\.kind/.test(error.message),
        );
        assert.deepEqual((await store.readAlertContexts(['C'])).records, [], 'all or nothing');
      });
      if (kind === 'jsonl') assert.equal(readFileSync(join(source, ALERT_CONTEXT_FILE), 'utf8').trim().split('\n').length, 3);
      else {
        assert.equal(selectRows(source, `SELECT count(*) FROM ${ALERT_CONTEXT_TABLE}`)[0]?.[0], 3);
        assert.equal(integrityCheck(source), 'ok');
      }
    });
  }
});
