import * as assert from 'node:assert/strict';
import { featureDrift, type NumericFeatureDrift, type CategoricalFeatureDrift } from '../../../../src/core/analytics/drift';
import { explainColumns, type WhyOptions } from '../../../../src/core/analytics/why';
import type { FeatureValue } from '../../../../src/core/model/fields';
import { OUTCOME_UNKNOWN, type WindowColumns } from '../../../../src/core/store/store';

/**
 * A small source, built by hand so that every number below can be checked on paper.
 * Baseline window [0, 100), alert window [100, 200); in each, 40 labelled predictions of v1
 * (row i: temp = i + 1, circuit a for i < 20 and b after, region eu for even i and us for odd).
 * Wrong predictions — baseline: i = 0, 10, 20, 21, 30, 31; alert window: i = 0…9 and 20…24.
 * The alert window also has 5 unlabelled v1 predictions (temp 5, circuit a) and one wrong v2
 * prediction: neither may count in a segment.
 */
function buildColumns(): WindowColumns {
  const rows: { t: number; version: string; actual: number; temp: number; circuit: string; region: string }[] = [];
  const baselineWrong = new Set([0, 10, 20, 21, 30, 31]);
  const currentWrong = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 23, 24]);
  for (const [offset, wrong] of [
    [0, baselineWrong],
    [100, currentWrong],
  ] as const) {
    for (let i = 0; i < 40; i++) {
      rows.push({ t: offset + 2 * i, version: 'v1', actual: wrong.has(i) ? 0 : 1, temp: i + 1, circuit: i < 20 ? 'a' : 'b', region: i % 2 === 0 ? 'eu' : 'us' });
    }
  }
  for (let k = 0; k < 5; k++) rows.push({ t: 181 + k, version: 'v1', actual: OUTCOME_UNKNOWN, temp: 5, circuit: 'a', region: 'eu' });
  rows.push({ t: 190, version: 'v2', actual: 0, temp: 5, circuit: 'a', region: 'eu' });
  rows.sort((a, b) => a.t - b.t);
  return {
    length: rows.length,
    timestamp: Float64Array.from(rows.map((r) => r.t)),
    model_version: rows.map((r) => r.version),
    predicted_outcome: Uint8Array.from(rows.map(() => 1)),
    confidence: Float64Array.from(rows.map(() => 0.9)),
    actual_outcome: Int8Array.from(rows.map((r) => r.actual)),
    features: new Map<string, FeatureValue[]>([
      ['temp', rows.map((r) => r.temp)],
      ['circuit', rows.map((r) => r.circuit)],
    ]),
    metadata: new Map<string, FeatureValue[]>([['region', rows.map((r) => r.region)]]),
  };
}

const BASE: WhyOptions = {
  kind: 'performance',
  rule_id: 'acc_low',
  model_version: 'v1',
  baseline: { from: 0, to: 100 },
  current: { from: 100, to: 200 },
  features: ['circuit', 'temp'],
  metadata: ['region'],
};

/** z and P(Z ≤ z) of the pooled two-proportion test, written out again here (not the kernel's). */
function zOf(c1: number, n1: number, c2: number, n2: number): number {
  const pooled = (c1 + c2) / (n1 + n2);
  return (c2 / n2 - c1 / n1) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
}

describe('why an alert fired: segments and drifted features over prediction columns', () => {
  const columns = buildColumns();

  it('ranks the segments where accuracy fell most, with the counts and the two-proportion z-test checked by hand and by scipy', () => {
    const why = explainColumns(columns, BASE);
    assert.deepEqual(why.labelled, { baseline: 40, current: 40 }, 'unlabelled and other-version predictions are left out');
    // Quartiles of the baseline's temp 1…40 (numpy linear): 10.75, 20.5, 30.25.
    assert.deepEqual(
      why.segments.map((s) => [s.label, s.baseline.correct, s.baseline.labelled, s.current.correct, s.current.labelled]),
      [
        ['temp ≤ 10.75', 9, 10, 0, 10],
        ['circuit = a', 18, 20, 10, 20],
        ['20.5 < temp ≤ 30.25', 8, 10, 5, 10],
        ['metadata.region = us', 18, 20, 13, 20],
        ['metadata.region = eu', 16, 20, 12, 20],
      ],
    );
    const [bin, circuit, , us] = why.segments;
    assert.deepEqual([bin?.lower, bin?.upper, bin?.value, bin?.dimension, bin?.name], [null, 10.75, null, 'feature', 'temp']);
    assert.deepEqual([circuit?.value, circuit?.lower, us?.dimension, us?.name, us?.value], ['a', null, 'metadata', 'region', 'us']);
    assert.ok(Math.abs((bin?.drop ?? 0) - 0.9) < 1e-12 && Math.abs((circuit?.drop ?? 0) - 0.4) < 1e-12);
    // scipy.stats.norm.cdf of the same z (python3, scipy 1.17): p-values to 1e-12.
    const scipy: [number, number, number, number, number][] = [
      [9, 10, 0, 10, 2.6139328916337192e-5],
      [18, 20, 10, 20, 0.002887749044652608],
      [8, 10, 5, 10, 0.07979947122132436],
      [18, 20, 13, 20, 0.029165232318924306],
      [16, 20, 12, 20, 0.08377313874430853],
    ];
    why.segments.forEach((segment, i) => {
      const [c1, n1, c2, n2, p] = scipy[i] as [number, number, number, number, number];
      assert.ok(Math.abs(segment.z - zOf(c1, n1, c2, n2)) < 1e-12, `${segment.label}: z ${segment.z}`);
      assert.ok(Math.abs(segment.p_value - p) < 1e-12, `${segment.label}: p ${segment.p_value} against scipy's ${p}`);
    });
    assert.ok(Math.abs((circuit?.z ?? 0) - -2.7602622373694166) < 1e-12);
  });

  it('leaves out segments with fewer labelled predictions than asked, and those that did not fall', () => {
    const why = explainColumns(columns, { ...BASE, minSegmentLabelled: 11, segments: 10 });
    // The temp bins hold 10 labelled predictions a window; circuit b fell 0.8 → 0.75.
    assert.deepEqual(why.segments.map((s) => s.label), ['circuit = a', 'metadata.region = us', 'metadata.region = eu', 'circuit = b']);
    assert.ok(!why.segments.some((s) => s.label === '10.75 < temp ≤ 20.5'), 'a bin that rose (0.9 → 1.0) is not a reason');
  });

  it('reports drifted features with the kernel\'s drift statistics, weighted by importance shares when there are any', () => {
    const baselineRows = [...Array(columns.length).keys()].filter((i) => (columns.timestamp[i] as number) < 100);
    const currentRows = [...Array(columns.length).keys()].filter((i) => (columns.timestamp[i] as number) >= 100 && columns.model_version[i] === 'v1');
    const values = (name: string, rows: number[]) => rows.map((i) => columns.features.get(name)?.[i] ?? null);
    const temp = featureDrift('temp', values('temp', baselineRows), values('temp', currentRows)) as NumericFeatureDrift;
    const circuit = featureDrift('circuit', values('circuit', baselineRows), values('circuit', currentRows)) as CategoricalFeatureDrift;
    assert.ok((temp.psi ?? 0) > 0 && (circuit.js_distance ?? 0) > 0);

    const plain = explainColumns(columns, BASE).drifted_features;
    const expectedPlain = [
      { feature: 'temp', statistic: 'psi', value: temp.psi, importance: null, weighted: null },
      { feature: 'circuit', statistic: 'js_distance', value: circuit.js_distance, importance: null, weighted: null },
    ].sort((a, b) => (b.value as number) - (a.value as number));
    assert.deepEqual(plain, expectedPlain);

    // Importance 1 for temp and 3 for circuit: shares 0.25 and 0.75.
    const weighted = explainColumns(columns, { ...BASE, importance: new Map([['temp', 1], ['circuit', 3]]) }).drifted_features;
    const expectedWeighted = [
      { feature: 'temp', statistic: 'psi', value: temp.psi, importance: 0.25, weighted: (temp.psi as number) * 0.25 },
      { feature: 'circuit', statistic: 'js_distance', value: circuit.js_distance, importance: 0.75, weighted: (circuit.js_distance as number) * 0.75 },
    ].sort((a, b) => b.weighted - a.weighted);
    assert.deepEqual(weighted, expectedWeighted);

    // A feature without an importance record ranks after those with one.
    const partial = explainColumns(columns, { ...BASE, importance: new Map([['circuit', 2]]) }).drifted_features;
    assert.deepEqual(partial.map((f) => [f.feature, f.importance]), [['circuit', 1], ['temp', null]]);
  });

  it('gives a drift alert its feature\'s baseline and current summary and the rule\'s statistic', () => {
    const why = explainColumns(columns, { ...BASE, kind: 'drift', drift: { feature: 'temp', statistic: 'psi' } });
    assert.deepEqual(why.segments, [], 'a drift alert is about its feature, not accuracy');
    const summary = why.feature;
    assert.ok(summary !== null);
    assert.equal(summary.kind, 'numeric');
    assert.equal(summary.statistic, 'psi');
    assert.equal(summary.value, why.drifted_features.find((f) => f.feature === 'temp')?.value);
    // Baseline temp 1…40; alert window 1…40 and five unlabelled 5s (v1 only).
    assert.equal(summary.baseline.count, 40);
    assert.equal(summary.baseline.mean, 20.5);
    assert.equal(summary.current.count, 45);
    assert.ok(Math.abs((summary.current.mean as number) - (820 + 25) / 45) < 1e-12);
    assert.equal(summary.baseline.percentile_25, 10.75);

    const categorical = explainColumns(columns, { ...BASE, kind: 'drift', drift: { feature: 'circuit', statistic: 'js' } }).feature;
    assert.equal(categorical?.kind, 'categorical');
    assert.deepEqual(categorical?.current.categories, [
      { value: 'a', count: 25, share: 25 / 45 },
      { value: 'b', count: 20, share: 20 / 45 },
    ]);
    const wrong = explainColumns(columns, { ...BASE, kind: 'drift', drift: { feature: 'circuit', statistic: 'psi' } }).feature;
    assert.equal(wrong?.value, null);
    assert.match(wrong?.reason ?? '', /psi does not apply to the categorical feature circuit/);
  });

  it('is deterministic: the same columns give the same context, byte for byte', () => {
    assert.equal(JSON.stringify(explainColumns(buildColumns(), BASE)), JSON.stringify(explainColumns(columns, BASE)));
  });
});
