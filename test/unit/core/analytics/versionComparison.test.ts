import * as assert from 'node:assert/strict';
import { compareVersions } from '../../../../src/core/analytics/versionComparison';
import type { WindowMetricsRow } from '../../../../src/core/analytics/windows';

function row(version: string, count: number, labelled: number, accuracy: number | null, f1: number | null = null): WindowMetricsRow {
  return { window_start: 0, window_end: 1e9, group: version, count, labelled, label_coverage: labelled / count, insufficient: false, partial: true, accuracy, f1 };
}

describe('compareVersions', () => {
  it('tests accuracy two-sided against the first version, with the values scipy gives', () => {
    const comparison = compareVersions([row('v1', 120, 100, 0.8, 0.7), row('v2', 110, 100, 0.9, 0.75), row('v3', 100, 100, 0.82, null)], ['v1', 'v2', 'v3'], ['accuracy', 'f1']);
    assert.equal(comparison.baseline, 'v1');
    const [v2, v3] = comparison.accuracy_tests;
    // scipy: z = 0.1 / sqrt(0.85 · 0.15 · 2/100), p = 2 · norm.sf(z)
    assert.ok(Math.abs((v2?.z ?? 0) - 1.9802950859533488) < 1e-9);
    assert.ok(Math.abs((v2?.p_value ?? 0) - 0.04767038065616141) < 1e-9);
    assert.equal(v2?.significant, true);
    assert.deepEqual([v2?.correct, v2?.labelled, v2?.baseline_correct, v2?.baseline_labelled], [90, 100, 80, 100]);
    assert.ok(Math.abs((v3?.z ?? 0) - 0.3604920469572502) < 1e-9);
    assert.ok(Math.abs((v3?.p_value ?? 0) - 0.7184792030155513) < 1e-9);
    assert.equal(v3?.significant, false);
  });

  it('lists each metric beside the baseline with the difference, null where a side has no value', () => {
    const comparison = compareVersions([row('v1', 120, 100, 0.8, 0.7), row('v2', 110, 100, 0.9, null)], ['v1', 'v2'], ['accuracy', 'f1']);
    assert.deepEqual(
      comparison.differences.map((d) => [d.model_version, d.metric, d.value, d.baseline, d.difference === null ? null : Number(d.difference.toFixed(12))]),
      [
        ['v2', 'accuracy', 0.9, 0.8, 0.1],
        ['v2', 'f1', null, 0.7, null],
      ],
    );
    assert.deepEqual(comparison.versions.map((v) => [v.model_version, v.count, v.labelled]), [['v1', 120, 100], ['v2', 110, 100]]);
  });

  it('has no test where a side has no labelled prediction, and a version without rows has zero predictions', () => {
    const comparison = compareVersions([row('v1', 50, 40, 0.8)], ['v1', 'v2'], ['accuracy']);
    assert.deepEqual(comparison.versions[1], { model_version: 'v2', count: 0, labelled: 0, metrics: { accuracy: null } });
    assert.equal(comparison.accuracy_tests[0]?.z, null);
    assert.equal(comparison.accuracy_tests[0]?.p_value, null);
    assert.equal(comparison.accuracy_tests[0]?.significant, false);
    assert.throws(() => compareVersions([row('v1', 1, 1, 1), row('v1', 1, 1, 1)], ['v1'], ['accuracy']), /compare over one window/);
  });
});
