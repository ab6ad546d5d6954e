import * as assert from 'node:assert/strict';
import { driftByFeature, featureDrift } from '../../../../src/core/analytics/drift';
import { reliabilityOf } from '../../../../src/core/analytics/metrics';
import type { VersionCalibration } from '../../../../src/core/analytics/versionCalibration';
import type { WindowMetricsRow } from '../../../../src/core/analytics/windows';
import { formatCsv, toCalibrationCsv, toDriftCsv, toWindowsCsv } from '../../../../src/core/charts/chartData';

/** The records of a CSV text as cells (no field here holds a comma or a quote). */
function records(csv: string): string[][] {
  assert.ok(csv.endsWith('\r\n'));
  return csv.slice(0, -2).split('\r\n').map((line) => line.split(','));
}

describe('chart data as CSV', () => {
  it('writes one record per window and version, ISO UTC bounds, an empty cell where a metric has no value', () => {
    const rows: WindowMetricsRow[] = [
      { window_start: 1746057600, window_end: 1746061200, group: 'v1', count: 40, labelled: 35, label_coverage: 0.875, insufficient: false, partial: false, accuracy: 0.8 },
      { window_start: 1746061200, window_end: 1746064800, group: 'a,"b"', count: 10, labelled: 2, label_coverage: 0.2, insufficient: true, partial: false, accuracy: null },
    ];
    assert.equal(
      toWindowsCsv(rows, ['accuracy']),
      'window_start,window_end,model_version,count,labelled,label_coverage,insufficient,accuracy\r\n' +
        '2025-05-01T00:00:00.000Z,2025-05-01T01:00:00.000Z,v1,40,35,0.875,false,0.8\r\n' +
        '2025-05-01T01:00:00.000Z,2025-05-01T02:00:00.000Z,"a,""b""",10,2,0.2,true,\r\n',
    );
  });

  it('quotes fields with commas, quotes or line breaks (RFC 4180)', () => {
    assert.equal(formatCsv(['a', 'b'], [['x\ny', 'plain']]), 'a,b\r\n"x\ny",plain\r\n');
  });

  it('writes calibration as one record per version and bin, with the Wilson interval and the ECE and MCE the kernel computed', () => {
    // Confidences of 0.55 and 0.95, half and all of them right: two labelled bins of five.
    const confidence = [0.55, 0.55, 0.55, 0.55, 0.95, 0.95, 0.95];
    const reliability = reliabilityOf({ length: 7, predicted: [1, 1, 1, 1, 1, 1, 1], confidence, actual: [1, 0, 1, 0, 1, 1, 1] }, { binCount: 5, binning: 'width' });
    const versions: VersionCalibration[] = [{ ...reliability, modelVersion: 'v2', count: 9 }];
    const [header, ...rows] = records(toCalibrationCsv(versions));
    assert.deepEqual(header, ['model_version', 'binning', 'bin', 'bin_lower', 'bin_upper', 'count', 'correct', 'mean_confidence', 'accuracy', 'accuracy_lower', 'accuracy_upper', 'ece', 'mce']);
    assert.equal(rows.length, 5, 'every equal-width bin, the empty ones too');
    const column = (name: string) => (header as string[]).indexOf(name);
    const [empty, , middle, , top] = rows as [string[], string[], string[], string[], string[]];
    assert.deepEqual([empty[column('bin')], empty[column('count')], empty[column('accuracy')], empty[column('accuracy_lower')]], ['1', '0', '', '']);
    assert.deepEqual([middle[column('bin_lower')], middle[column('bin_upper')], middle[column('count')], middle[column('correct')], middle[column('accuracy')]], ['0.4', '0.6', '4', '2', '0.5']);
    const interval = reliability.bins[2]?.accuracy_interval;
    assert.ok(interval);
    assert.equal(Number(middle[column('accuracy_lower')]), interval.lower);
    assert.equal(Number(middle[column('accuracy_upper')]), interval.upper);
    assert.deepEqual([top[column('count')], top[column('accuracy')], top[column('mean_confidence')]], ['3', '1', String(reliability.bins[4]?.mean_confidence)]);
    for (const row of rows) {
      assert.equal(row[column('model_version')], 'v2');
      assert.equal(Number(row[column('ece')]), reliability.ece);
      assert.equal(Number(row[column('mce')]), reliability.mce);
    }
    assert.ok(reliability.ece !== null && reliability.ece > 0);
  });

  it('writes calibration of several versions one after the other, and a header alone for none', () => {
    const one = reliabilityOf({ length: 2, predicted: [0, 1], confidence: [0.7, 0.9], actual: [0, 0] }, { binCount: 2, binning: 'mass' });
    const csv = toCalibrationCsv([
      { ...one, modelVersion: 'a', count: 2 },
      { ...one, modelVersion: 'b,"c"', count: 2 },
    ]);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines.length, 1 + 2 * one.bins.length);
    assert.ok(lines.slice(1, 1 + one.bins.length).every((line) => line.startsWith('a,mass,')));
    assert.ok(lines.slice(1 + one.bins.length).every((line) => line.startsWith('"b,""c""",mass,')), 'a version with a comma and quotes is quoted');
    assert.equal(toCalibrationCsv([]).split('\r\n').length, 2);
  });

  it('writes drift as one record per feature in the order given: PSI and KS for a numeric feature, JS distance and chi-square for a categorical one', () => {
    const baseline = Array.from({ length: 200 }, (_, i) => ({ age: 20 + (i % 40), plan: i % 2 === 0 ? 'basic' : 'pro' }));
    const current = Array.from({ length: 200 }, (_, i) => ({ age: 45 + (i % 40), plan: i % 4 === 0 ? 'basic' : 'pro' }));
    const results = driftByFeature(baseline, current);
    const [age, plan] = results as [Extract<(typeof results)[number], { kind: 'numeric' }>, Extract<(typeof results)[number], { kind: 'categorical' }>];
    assert.equal(age.kind, 'numeric');
    assert.equal(plan.kind, 'categorical');
    const [header, ...rows] = records(toDriftCsv([plan, age]));
    assert.deepEqual(header, ['feature', 'kind', 'statistic', 'score', 'threshold', 'severity', 'drift_detected', 'test', 'test_statistic', 'p_value', 'baseline_count', 'current_count', 'reason']);
    assert.deepEqual(rows[0], ['plan', 'categorical', 'js_distance', String(plan.js_distance), String(plan.threshold), plan.severity, String(plan.drift_detected), 'chi_square', String(plan.chi_square), String(plan.chi_square_p_value), '200', '200', '']);
    assert.deepEqual(rows[1], ['age', 'numeric', 'psi', String(age.psi), String(age.threshold), 'drift', 'true', 'ks', String(age.ks_statistic), String(age.ks_p_value), '200', '200', '']);
  });

  it('writes a feature with too few values with empty scores and the reason, quoted', () => {
    const few = featureDrift('tiny', [1, 2], [3], { minCount: 2 });
    assert.equal(few.status, 'insufficient');
    const csv = toDriftCsv([few]);
    const record = csv.trimEnd().split('\r\n')[1] ?? '';
    assert.ok(record.startsWith('tiny,numeric,psi,,'), record);
    assert.ok(record.includes(',,false,ks,,,2,1,'), record);
    assert.ok((few.reason ?? '').length > 0);
    assert.ok(record.endsWith(/[",]/.test(few.reason ?? '') ? `"${(few.reason ?? '').replace(/"/g, '""')}"` : (few.reason ?? '')), record);
  });
});
