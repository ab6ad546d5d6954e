import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { checkQuery, readSourceSchema } from '../../../../src/core/query/check';
import { openStore } from '../../../../src/core/store/openStore';
import type { Pipeline } from '../../../../src/core/query/ast';
import { parseQuery } from '../../../../src/core/query/parser';
import { nextUp, planProgram, type PlanResult, type SourceSchema } from '../../../../src/core/query/plan';

const NOW = Date.UTC(2026, 10, 1) / 1000;
const SCHEMA: SourceSchema = { features: ['track_temp', 'circuit', 'grid_position'], metadata: ['race_id', 'source'], versions: ['v1.0', 'v1.1'], rules: ['acc_low', 'acc_warn'] };

function plan(text: string, schema: SourceSchema = SCHEMA, lets?: Map<string, Pipeline>): PlanResult {
  const parsed = parseQuery(text);
  assert.deepEqual(parsed.errors, [], text);
  return planProgram(parsed.program, NOW, schema, lets);
}

/** The one error of a text, with the text under its span. */
function error(text: string, schema?: SourceSchema): { code: string; hint?: string; at: string } {
  const { errors } = plan(text, schema);
  assert.equal(errors.length, 1, `${text}: ${JSON.stringify(errors)}`);
  const [e] = errors as [PlanResult['errors'][number]];
  return { code: e.code, ...(e.hint === undefined ? {} : { hint: e.hint }), at: text.slice(e.span.start, e.span.end) };
}

describe('PQL planner and checker', () => {
  it('plans a trend as the window options of `pitwall trend`', () => {
    const [statement] = plan('predictions | where model_version == "v1.1" and timestamp >= 2026-10-03 and timestamp < ago(1d) | window 1h slide 15m | by metadata.race_id | metrics f1_score, auc bins=5').statements;
    assert.deepEqual(statement?.plan.scope, { modelVersion: 'v1.1', from: Date.UTC(2026, 9, 3) / 1000, to: NOW - 86400 });
    assert.deepEqual(statement?.plan.analysis, { kind: 'windows', every: 3600, slide: 900, by: 'metadata:race_id', fillEmpty: false, metrics: ['f1', 'roc_auc'], bins: 5, minLabels: 30 });
  });

  it('reads `>` and `<=` on times exactly: the next representable time', () => {
    const t = 1790812800.123;
    const [statement] = plan(`predictions | where timestamp > ${t} and timestamp <= ${t + 10} | metrics accuracy`).statements;
    assert.deepEqual(statement?.plan.scope, { from: nextUp(t), to: nextUp(t + 10) });
    assert.ok(nextUp(t) > t);
    const middle = (nextUp(t) + t) / 2;
    assert.ok(middle === t || middle === nextUp(t), 'nothing lies between t and nextUp(t)');
    assert.equal(nextUp(-1) > -1, true);
  });

  it('checks names against the kernel and the source, and suggests the nearest', () => {
    assert.deepEqual(error('predictions | window 1h | by circut'), { code: 'unknown-field', hint: 'did you mean `circuit`?', at: 'circut' });
    assert.deepEqual(error('predictions | window 1h | by metadata.rce_id'), { code: 'unknown-field', hint: 'did you mean `race_id`?', at: 'metadata.rce_id' });
    assert.deepEqual(error('predictions | window 1h | metrics acuracy'), { code: 'unknown-metric', hint: 'did you mean `accuracy`?', at: 'acuracy' });
    assert.deepEqual(error('predictons | take 1'), { code: 'unknown-source', hint: 'did you mean `predictions`?', at: 'predictons' });
    assert.deepEqual(error('predictions | where model_version == "v1.2" | metrics accuracy').code, 'unknown-version');
    assert.deepEqual(error('predictions | compare v1.0 v2.0'), { code: 'unknown-version', hint: 'did you mean `v1.0`?', at: 'v2.0' });
    assert.deepEqual(error('alerts | where rule == "acc_lo"'), { code: 'unknown-rule', hint: 'did you mean `acc_low`?', at: '"acc_lo"' });
    assert.deepEqual(error('alerts | where severity == "critcal"'), { code: 'unknown-severity', hint: 'did you mean `critical`?', at: '"critcal"' });
    assert.deepEqual(error('alerts | where titel == "x"'), { code: 'unknown-field', hint: 'did you mean `title`?', at: 'titel' });
    assert.deepEqual(error('predictions | calibration strategy=mas'), { code: 'bad-value', hint: 'did you mean `mass`?', at: 'mas' });
    assert.deepEqual(error('predictions | calibration binz=5'), { code: 'unknown-parameter', hint: 'did you mean `bins`?', at: 'binz' });
    assert.deepEqual(error('predictions | reference 2026-10-01..2026-10-08 | drift pis(track_temp)'), { code: 'unknown-statistic', hint: 'did you mean `psi`?', at: 'pis' });
    assert.deepEqual(error('predictions | window 1d | metrics accuracy | chart lines'), { code: 'unknown-chart', hint: 'did you mean `line`?', at: 'lines' });
    // Without a schema the source's names are not checked (the kernel reports them when the query runs).
    assert.deepEqual(plan('predictions | window 1h | by circut', {}).errors, []);
  });

  it('refuses what the kernel cannot do, at the place it is written', () => {
    assert.deepEqual(error('predictions | where confidence > 0.9 | metrics accuracy'), { code: 'unsupported-filter', at: 'confidence' });
    assert.deepEqual(error('predictions | where model_version == "v1.0" or model_version == "v1.1" | metrics accuracy').code, 'unsupported-filter');
    assert.deepEqual(error('predictions | window 1h | metrics ece_mass | compare v1.0 v1.1'), { code: 'stage-order', at: 'window 1h' });
    assert.deepEqual(error('predictions | metrics ece_mass'), { code: 'unknown-metric', hint: 'ece_mass is a window metric: add `window …` before `metrics`, or write ece with strategy=mass', at: 'ece_mass' });
    assert.deepEqual(error('predictions | where timestamp >= 2026-10-05 and timestamp < 2026-10-02 | metrics accuracy').code, 'bad-range');
    assert.deepEqual(error('predictions | by model_version | metrics accuracy'), { code: 'stage-order', at: 'by model_version' });
    assert.deepEqual(error('predictions | drift psi(track_temp)').code, 'stage-order');
    assert.deepEqual(error('predictions | calibration | window 1h').code, 'stage-order');
    assert.deepEqual(error('predictions | window 1h | alert when accuracy < 0.7 for 90s severity critical'), { code: 'bad-duration', at: '90s' });
    assert.deepEqual(error('predictions | alert when accuracy < 0.7 severity critical').code, 'stage-order');
    assert.deepEqual(error('predictions | where timestamp >= ago(1d)').code, 'no-analysis');
    assert.deepEqual(error('rules | window 1h').code, 'stage-order');
    assert.deepEqual(error('let rules = alerts\nalerts | take 1'), { code: 'duplicate-name', at: 'rules' });
  });

  it('pushes the alert filters the store has into its query, and keeps the rest as row steps', () => {
    const [pushed] = plan('alerts | where severity in ("critical", "warning") and not acknowledged and model_version == "v1.1" and rule == "acc_low" and timestamp >= 2026-10-10 | take 20').statements;
    assert.deepEqual(pushed?.plan.analysis, { kind: 'alerts', severity: ['critical', 'warning'], acknowledged: false, rule: 'acc_low', limit: 20 });
    assert.deepEqual(pushed?.plan.scope, { modelVersion: 'v1.1', from: Date.UTC(2026, 9, 10) / 1000 });
    assert.deepEqual(pushed?.plan.steps, []);
    const [mixed] = plan('alerts | where severity == "critical" and metric_value < 0.5 | take 5').statements;
    assert.deepEqual(mixed?.plan.analysis, { kind: 'alerts', severity: ['critical'] });
    assert.deepEqual(mixed?.plan.steps.map((step) => step.kind), ['where', 'take']);
  });

  it('keeps let names from one program to the next, as a notebook\'s cells do', () => {
    const lets = new Map<string, Pipeline>();
    assert.deepEqual(plan('let v11 = predictions | where model_version == "v1.1"', SCHEMA, lets).errors, []);
    const [statement] = plan('v11 | window 1d | metrics accuracy', SCHEMA, lets).statements;
    assert.deepEqual(statement?.plan.scope, { modelVersion: 'v1.1' });
    assert.equal(statement?.plan.analysis.kind, 'windows');
    assert.equal(plan('v11 | window 1d', SCHEMA, new Map()).errors[0]?.code, 'unknown-source');
  });

  it('reports a let\'s own problem once, however many statements use it', () => {
    const { errors } = plan('let bad = predictions | window 1h | by circut\nbad | where count > 1\nbad | take 2');
    assert.deepEqual(errors.map((e) => e.code), ['unknown-field']);
  });
});

describe('PQL check against an open source', function () {
  this.timeout(60_000);

  it('reads the source\'s names once and checks a query against them, without running it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pitwall-query-check-'));
    try {
      await generateDataset({ outDir: root, predictions: 600, seed: 3 });
      const store = await openStore(join(root, 'monitoring.db'));
      try {
        const schema = await readSourceSchema(store);
        assert.deepEqual([schema.features, schema.metadata, schema.versions], [['circuit', 'grid_position', 'track_temp'], ['race_id', 'source'], ['v1.0', 'v1.1']]);
        assert.ok(schema.rules?.includes('acc_low'));
        const [problem] = checkQuery('predictions | window 1h | by track_tmp', { now: NOW, schema });
        assert.deepEqual([problem?.code, problem?.hint], ['unknown-field', 'did you mean `track_temp`?']);
        assert.deepEqual(checkQuery('predictions | window 1h | by track_temp | metrics accuracy', { now: NOW, schema }), []);
        assert.equal(checkQuery('predictions | window 1h |', { now: NOW, schema })[0]?.code, 'expected-stage');
      } finally {
        await store.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
