import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  chiSquareHomogeneity,
  driftByFeature,
  featureDrift,
  jensenShannonDistance,
  ksPValue,
  ksTwoSample,
  toDriftResultRow,
  wassersteinDistance,
  type CategoricalFeatureDrift,
  type DriftOptions,
  type FeatureDrift,
  type KsMethod,
  type KsTest,
  type NumericFeatureDrift,
} from '../../../../src/core/analytics/drift';
import { PitwallError } from '../../../../src/core/errors';
import { DriftResultSchema } from '../../../../src/core/model/driftResult';
import type { FeatureValue, Features } from '../../../../src/core/model/fields';

// Made by scripts/goldenDrift.py from numpy and scipy; regenerate rather than edit.
const GOLDEN = join(__dirname, '../../../fixtures/golden/drift.json');

type GoldenValue = number | string | boolean | null | GoldenValue[] | { [key: string]: GoldenValue };
type GoldenSample = { values: (number | null)[] } | { runs: [number, number][] };

interface Golden {
  readonly numpy: string;
  readonly scipy: string;
  readonly numeric: { name: string; baseline: GoldenSample; current: GoldenSample; expected: { [key: string]: GoldenValue } }[];
  readonly ks: { n1: number; a: number; n2: number; b: number; method: KsMethod; expected: { statistic: number; p_value: number; method: string } }[];
  readonly categorical: { name: string; baseline: FeatureValue[]; current: FeatureValue[]; expected: { [key: string]: GoldenValue } }[];
}

const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;

/** The numbers, strings and nulls under every `expected`. */
function countLeaves(value: GoldenValue): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countLeaves(item), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((sum: number, item) => sum + countLeaves(item), 0);
  return 1;
}
const GOLDEN_VALUES =
  golden.numeric.reduce((sum, c) => sum + countLeaves(c.expected), 0) +
  golden.categorical.reduce((sum, c) => sum + countLeaves(c.expected), 0) +
  golden.ks.reduce((sum, c) => sum + countLeaves(c.expected), 0);
let compared = 0;

/**
 * Relative 1e-9, plus an absolute allowance only where drift.ts documents less: the chi-square
 * p-value is 1 − CDF, so it is good to about 1e-16 absolute.
 */
function absoluteAllowance(path: string): number {
  return path.endsWith('chi_square_p_value') ? 1e-15 : 0;
}

function compare(actual: unknown, expected: GoldenValue, path: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((item, i) => compare((actual as unknown[])[i], item, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const [key, item] of Object.entries(expected)) compare((actual as Record<string, unknown>)[key], item, `${path}.${key}`);
  } else if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${path}: expected a number, got ${String(actual)}`);
    const a = actual as number;
    assert.ok(Math.abs(a - expected) <= 1e-9 * Math.abs(expected) + absoluteAllowance(path), `${path}: ${a} ≠ ${expected}`);
    compared++;
  } else {
    assert.equal(actual, expected, path);
    compared++;
  }
}

function expand(sample: GoldenSample): FeatureValue[] {
  if ('values' in sample) return sample.values;
  return sample.runs.flatMap(([value, count]) => new Array<number>(count).fill(value));
}

function ksShape(ks: KsTest): { statistic: number; p_value: number; method: string } {
  return { statistic: ks.statistic, p_value: ks.p_value, method: ks.method };
}

/** Every number anywhere in `value` is finite (JSON.stringify would hide NaN and ±Infinity as null). */
function assertAllFinite(value: unknown, path = 'result'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} is ${value}`);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) assertAllFinite(item, `${path}.${key}`);
}

function numeric(result: FeatureDrift): NumericFeatureDrift {
  assert.equal(result.kind, 'numeric');
  return result as NumericFeatureDrift;
}

function categorical(result: FeatureDrift): CategoricalFeatureDrift {
  assert.equal(result.kind, 'categorical');
  return result as CategoricalFeatureDrift;
}

function numericShape(auto: NumericFeatureDrift, asymp: NumericFeatureDrift | null): Record<string, unknown> {
  const ks = (r: NumericFeatureDrift) => ({ statistic: r.ks_statistic, p_value: r.ks_p_value, method: r.ks_method });
  return {
    psi: auto.psi,
    edges: auto.bins.slice(1).map((bin) => bin.lower),
    baseline_shares: auto.bins.map((bin) => bin.baseline_share),
    current_shares: auto.bins.map((bin) => bin.current_share),
    ks_auto: ks(auto),
    ks_asymp: asymp === null ? null : ks(asymp),
    wasserstein: auto.wasserstein,
    baseline_stats: auto.baseline_stats,
    current_stats: auto.current_stats,
  };
}

function categoricalShape(r: CategoricalFeatureDrift): Record<string, unknown> {
  const stats = (s: CategoricalFeatureDrift['baseline_stats']) => ({ ...s, categories: s.categories.map((c) => [c.value, c.count]) });
  return {
    chi_square: r.chi_square,
    chi_square_p_value: r.chi_square_p_value,
    dof: r.dof,
    js_distance: r.js_distance,
    baseline_stats: stats(r.baseline_stats),
    current_stats: stats(r.current_stats),
  };
}

describe('drift against numpy and scipy', () => {
  it('has golden cases for shifts, identical samples, ties, sizes, extremes and categories', () => {
    const names = [...golden.numeric, ...golden.categorical].map((c) => c.name);
    for (const name of ['normal_shift_with_missing', 'identical', 'ties_poisson', 'different_sizes', 'huge_values', 'tiny_values', 'constant_baseline', 'large_discrete_asymptotic', 'new_and_vanished_categories', 'single_category']) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(new Set(golden.ks.map((c) => c.method)).size === 3, 'KS cases use auto, exact and asymp');
  });

  for (const g of golden.numeric) {
    it(`matches numpy ${golden.numpy} / scipy ${golden.scipy} on numeric "${g.name}"`, () => {
      const baseline = expand(g.baseline);
      const current = expand(g.current);
      const auto = numeric(featureDrift(g.name, baseline, current));
      const asymp = g.expected['ks_asymp'] === null ? null : numeric(featureDrift(g.name, baseline, current, { ksMethod: 'asymp' }));
      assert.equal(auto.status, 'ok');
      compare(numericShape(auto, asymp), g.expected, g.name);
    });
  }

  for (const g of golden.ks) {
    it(`matches scipy.stats.ks_2samp(method="${g.method}") for ${g.n1} against ${g.n2} values, D = ${g.expected.statistic.toPrecision(3)}`, () => {
      // a zeros then ones, against b zeros then ones: D is |a/n1 − b/n2|, as scipy computes it.
      const d = Math.abs(g.a / g.n1 - g.b / g.n2);
      const result = ksPValue(g.n1, g.n2, d, g.method);
      compare(ksShape(result), g.expected, `ks ${g.n1}/${g.n2}`);
      if (g.n1 + g.n2 <= 1_000_000) {
        const sample = (n: number, zeros: number) => new Float64Array(n).fill(1, zeros);
        assert.deepEqual(ksTwoSample(sample(g.n1, g.a), sample(g.n2, g.b), g.method), result);
      }
    });
  }

  for (const g of golden.categorical) {
    it(`matches scipy ${golden.scipy} on categorical "${g.name}"`, () => {
      const result = categorical(featureDrift(g.name, g.baseline, g.current));
      assert.equal(result.status, 'ok');
      compare(categoricalShape(result), g.expected, g.name);
    });
  }

  it(`compared all ${GOLDEN_VALUES} golden values`, () => {
    assert.equal(compared, GOLDEN_VALUES);
  });
});

describe('drift of one feature', () => {
  it('marks an empty or all-missing sample insufficient, with a reason and no NaN', () => {
    const empty = numeric(featureDrift('speed', [], [1, 2, 3]));
    assert.equal(empty.status, 'insufficient');
    assert.match(empty.reason ?? '', /baseline sample has no values/);
    assert.deepEqual([empty.psi, empty.ks_p_value, empty.wasserstein, empty.severity, empty.drift_detected], [null, null, null, 'none', false]);
    assert.equal(empty.baseline_stats.missing_share, null);
    const missing = numeric(featureDrift('speed', [1, 2], [null, null, Number.NaN]));
    assert.equal(missing.status, 'insufficient');
    assert.match(missing.reason ?? '', /current sample has no values of it \(all 3 are missing\)/);
    assert.equal(missing.current_stats.missing_share, 1);
    for (const result of [empty, missing]) assertAllFinite(result);
    assert.equal(featureDrift('speed', [1, 2, 3], [4, 5], { minCount: 3 }).status, 'insufficient');
    assert.equal(featureDrift('speed', [1, 2, 3], [4, 5, 6], { minCount: 3 }).status, 'ok');
  });

  it('counts null, NaN and ±Infinity as missing, and numbers among text as categories', () => {
    const result = numeric(featureDrift('x', [1, null, Number.NaN, 2, Number.POSITIVE_INFINITY], [1, 2, Number.NEGATIVE_INFINITY]));
    assert.deepEqual([result.baseline_stats.count, result.baseline_stats.missing, result.current_stats.count, result.current_stats.missing], [2, 3, 2, 1]);
    assert.equal(result.ks_statistic, 0);
    const mixed = categorical(featureDrift('x', [1, '1', true, 'true', 2.5], [1, 'other']));
    assert.deepEqual(mixed.baseline_stats.categories, [
      { value: '1', count: 2 },
      { value: 'true', count: 2 },
      { value: '2.5', count: 1 },
    ]);
    assert.equal(featureDrift('x', [true, false], [true]).kind, 'categorical');
    assert.equal(featureDrift('x', [null], [null]).kind, 'numeric');
  });

  it('keeps a numeric feature numeric when a stray string appears, counting it as missing and showing the count', () => {
    const baseline = Array.from({ length: 20 }, (_, i) => 20 + i);
    const current = [...baseline.slice(0, 19), 'n/a'];
    const result = numeric(featureDrift('track_temp', baseline, current));
    assert.equal(result.status, 'ok');
    assert.deepEqual(result.non_numeric, { baseline: 0, current: 1 });
    assert.deepEqual([result.current_stats.count, result.current_stats.missing], [19, 1]);
    assert.ok(result.psi !== null && result.psi < 0.1, `psi ${result.psi}`);
    // The baseline decides by majority: a stray value there is missing too, not a reason to switch tests.
    const strayBaseline = numeric(featureDrift('track_temp', [...baseline, true, 'oops'], baseline));
    assert.deepEqual([strayBaseline.non_numeric.baseline, strayBaseline.baseline_stats.missing, strayBaseline.psi], [2, 2, 0]);
    // A text baseline stays categorical even when the current sample is all numbers.
    assert.equal(featureDrift('circuit', ['monza', 'spa', 'monza'], [1, 2, 3]).kind, 'categorical');
    // A baseline with no values leaves the kind to the current sample's majority.
    assert.deepEqual(numeric(featureDrift('x', [null, null], [1, 2, 'x'])).non_numeric, { baseline: 0, current: 1 });
    assert.equal(featureDrift('x', [null], ['a', 'b', 3]).kind, 'categorical');
    // The count reaches the recorded drift_results row.
    const row = toDriftResultRow(result, { timestamp: 0 });
    assert.deepEqual([(row.baseline_stats as Record<string, unknown>)['non_numeric'], (row.current_stats as Record<string, unknown>)['non_numeric']], [0, 1]);
  });

  it('gives a constant feature zero drift, and a constant baseline two bins', () => {
    const constant = numeric(featureDrift('c', [7, 7, 7], [7, 7]));
    assert.deepEqual([constant.psi, constant.ks_statistic, constant.ks_p_value, constant.wasserstein, constant.severity], [0, 0, 1, 0, 'none']);
    assert.equal(constant.baseline_stats.std, 0);
    const moved = numeric(featureDrift('c', [7, 7, 7, 7], [7, 8, 8, 6]));
    assert.deepEqual(
      moved.bins.map((bin) => [bin.lower, bin.upper, bin.baseline_count, bin.current_count]),
      [
        [null, 7, 4, 2],
        [7, null, 0, 2],
      ],
    );
    // The empty baseline bin counts as 1e-4: (0.5 − 1)·ln(0.5 / 1) + (0.5 − 1e-4)·ln(0.5 / 1e-4).
    assert.ok(Math.abs((moved.psi ?? NaN) - (-0.5 * Math.log(0.5) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4))) < 1e-12);
    assert.equal(moved.severity, 'drift');
  });

  it('puts current values beyond the baseline range in the end bins', () => {
    const result = numeric(featureDrift('x', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [-100, 0.5, 100, 1e300]));
    const first = result.bins[0];
    const last = result.bins[result.bins.length - 1];
    assert.equal(result.bins.length, 10);
    assert.deepEqual([first?.lower, first?.current_count, last?.upper, last?.current_count], [null, 2, null, 2]);
    assert.equal(result.bins.reduce((sum, bin) => sum + bin.current_count, 0), 4);
  });

  it('stays finite at the edges of the float range', () => {
    const big = Number.MAX_VALUE;
    const result = numeric(featureDrift('x', [big, big / 2, big / 4], [-big, -big / 2, big]));
    assertAllFinite(result);
    assert.ok(result.psi !== null && result.ks_p_value !== null);
    assert.ok(Math.abs((result.baseline_stats.mean ?? NaN) - (7 / 12) * big) <= 1e-15 * big);
    // Areas between the ECDFs: (1/3)(big/2) + (2/3)(3big/4) + (1/3)(big/4).
    assert.ok(Math.abs((result.wasserstein ?? NaN) - 0.75 * big) <= 1e-15 * big);
    assert.equal(wassersteinDistance([-big], [big]), null, 'a distance beyond the float range is null, not Infinity');
    const tiny = numeric(featureDrift('x', [5e-324, 1e-323, 2e-323], [5e-324]));
    assertAllFinite(tiny);
    assert.ok((tiny.baseline_stats.std ?? 0) > 0);
  });

  it('tells drift from warning from none by PSI and the KS p-value', () => {
    const base = Array.from({ length: 20_000 }, (_, i) => (i % 100) / 100);
    const far = numeric(featureDrift('x', base, base.map((v) => v + 0.3)));
    assert.ok((far.psi ?? 0) >= 0.2 && far.severity === 'drift' && far.drift_detected);
    // A shift of 0.02 moves a fifth of each 0.1-wide bin: PSI is small but KS rejects.
    const near = numeric(featureDrift('x', base, base.map((v) => v + 0.02)));
    assert.ok((near.psi ?? 1) < 0.1 && (near.ks_p_value ?? 1) < 0.05, `psi ${near.psi} p ${near.ks_p_value}`);
    assert.equal(near.severity, 'warning');
    assert.equal(near.drift_detected, false);
    assert.equal(numeric(featureDrift('x', base, base.map((v) => v + 0.02), { ksAlpha: 1e-12 })).severity, 'none');
    assert.equal(numeric(featureDrift('x', base, base.map((v) => v + 0.3), { psiDrift: 100, psiWarning: 50 })).severity, 'warning');
  });

  it('tells drift from warning from none by JS distance and the chi-square p-value', () => {
    const repeat = (counts: Record<string, number>) => Object.entries(counts).flatMap(([value, n]) => new Array<string>(n).fill(value));
    const base = repeat({ a: 500, b: 300, c: 200 });
    assert.equal(featureDrift('x', base, repeat({ a: 200, b: 300, c: 500 })).severity, 'drift');
    // scipy: p = 0.0173, JS = 0.0541.
    const slight = categorical(featureDrift('x', base, repeat({ a: 440, b: 320, c: 240 })));
    assert.ok((slight.js_distance ?? 1) < 0.1 && (slight.chi_square_p_value ?? 1) < 0.05);
    assert.equal(slight.severity, 'warning');
    assert.equal(featureDrift('x', base, repeat({ a: 49, b: 31, c: 20 })).severity, 'none');
  });

  it('reports a single category as no drift, and caps listed categories', () => {
    const single = categorical(featureDrift('x', ['a', 'a'], ['a']));
    assert.deepEqual([single.chi_square, single.chi_square_p_value, single.dof, single.js_distance, single.severity], [0, 1, 0, 0, 'none']);
    const many = categorical(featureDrift('x', ['a', 'b', 'b', 'c', 'c', 'c'], ['d', 'd', 'c'], { maxCategories: 2 }));
    assert.deepEqual(many.baseline_stats.categories, [
      { value: 'c', count: 3 },
      { value: 'b', count: 2 },
    ]);
    assert.deepEqual([many.baseline_stats.other_count, many.baseline_stats.distinct], [1, 3]);
    assert.deepEqual(
      many.bins.map((bin) => [bin.value, bin.baseline_count, bin.current_count]),
      [
        ['c', 3, 1],
        ['d', 0, 2],
        [null, 3, 0],
      ],
    );
  });

  it('uses the exact KS distribution for one value against one, where asymp has no effective size', () => {
    assert.deepEqual(ksPValue(1, 1, 1, 'asymp'), { statistic: 1, p_value: 1, method: 'exact' });
    assert.deepEqual(ksTwoSample([1], [2], 'asymp'), { statistic: 1, p_value: 1, method: 'exact' });
    assert.equal(ksTwoSample([], [2]), null);
    assert.throws(() => ksPValue(0, 3, 0.5), RangeError);
    assert.throws(() => ksPValue(3, 3, 1.5), RangeError);
  });

  it('refuses bad options with a PitwallError naming the option', () => {
    const bad: [DriftOptions, RegExp][] = [
      [{ bins: 1 }, /bins must be a whole number from 2 to 1000, not 1/],
      [{ bins: 2.5 }, /bins/],
      [{ psiEpsilon: 0 }, /psiEpsilon/],
      [{ psiWarning: 0.3 }, /psiDrift must be a finite number ≥ the warning threshold \(0\.3\)/],
      [{ ksAlpha: 1 }, /ksAlpha/],
      [{ ksMethod: 'fast' as KsMethod }, /ksMethod must be "auto", "exact" or "asymp", not "fast"/],
      [{ chiSquareAlpha: Number.NaN }, /chiSquareAlpha .* not NaN/],
      [{ jsDrift: 0 }, /jsDrift/],
      [{ maxCategories: 0 }, /maxCategories/],
      [{ minCount: 0 }, /minCount/],
    ];
    for (const [options, message] of bad) {
      assert.throws(
        () => featureDrift('x', [1], [2], options),
        (error: unknown) => error instanceof PitwallError && error.code === 'input' && message.test(error.message),
        JSON.stringify(options),
      );
    }
  });

  it('leaves out columns empty in both rows of a chi-square table and refuses an empty row', () => {
    assert.deepEqual(chiSquareHomogeneity([10, 0, 5], [4, 0, 9]), chiSquareHomogeneity([10, 5], [4, 9]));
    assert.throws(() => chiSquareHomogeneity([0, 0], [1, 2]), RangeError);
    assert.throws(() => jensenShannonDistance([0], [1]), RangeError);
    assert.equal(jensenShannonDistance([1, 0], [0, 1]), 1);
  });
});

describe('drift of every feature', () => {
  const rows = (values: Record<string, FeatureValue>[]): Features[] => values.map((v) => Object.assign(Object.create(null) as Record<string, FeatureValue>, v));

  it('compares each feature either sample has, in name order, counting an absent key as missing', () => {
    const results = driftByFeature(rows([{ b: 1, a: 'x' }, { b: 2, a: 'y' }]), rows([{ b: 3, c: true }, { b: 4, a: 'x', constructor: 1 }]));
    assert.deepEqual(
      results.map((r) => [r.feature_name, r.kind, r.status]),
      [
        ['a', 'categorical', 'ok'],
        ['b', 'numeric', 'ok'],
        ['c', 'categorical', 'insufficient'],
        ['constructor', 'numeric', 'insufficient'],
      ],
    );
    assert.equal(results[0]?.current_stats.missing, 1);
    assert.deepEqual(
      driftByFeature(rows([{ a: 1 }]), rows([{ a: 2 }]), { features: ['a', 'z'] }).map((r) => [r.feature_name, r.status]),
      [
        ['a', 'ok'],
        ['z', 'insufficient'],
      ],
    );
  });
});

describe('drift_results rows', () => {
  it('maps a numeric result to a row the schema accepts', () => {
    const result = numeric(featureDrift('track_temp', [20, 21, 22, 23, 24, 25], [24, 25, 26, 27, 28, 29]));
    const row = toDriftResultRow(result, { timestamp: 1_700_000_000.5, model_version: 'v1.1' });
    assert.deepEqual(DriftResultSchema.parse(row), row);
    assert.deepEqual(
      [row.drift_type, row.test_statistic, row.p_value, row.threshold, row.drift_detected, row.severity, row.model_version],
      ['psi', result.psi, result.ks_p_value, 0.2, result.drift_detected, result.severity, 'v1.1'],
    );
    const baseline = row.baseline_stats as Record<string, unknown>;
    assert.equal(baseline['mean'], 22.5);
    assert.deepEqual(baseline['bin_edges'], result.bins.slice(1).map((bin) => bin.lower));
    assert.deepEqual((row.current_stats as Record<string, Record<string, unknown>>)['tests']?.['wasserstein'], result.wasserstein);
  });

  it('maps a categorical result to JS distance and the chi-square p-value', () => {
    const result = categorical(featureDrift('weather', ['dry', 'dry', 'wet'], ['wet', 'wet', 'dry']));
    const row = toDriftResultRow(result, { timestamp: 0 });
    assert.deepEqual(DriftResultSchema.parse(row), row);
    assert.deepEqual([row.drift_type, row.test_statistic, row.p_value, row.threshold, row.model_version], ['jensen_shannon', result.js_distance, result.chi_square_p_value, 0.1, null]);
  });

  it('leaves an insufficient result unknown rather than "no drift"', () => {
    const row = toDriftResultRow(featureDrift('x', [], [1]), { timestamp: 0 });
    assert.deepEqual(DriftResultSchema.parse(row), row);
    assert.deepEqual([row.drift_detected, row.severity, row.test_statistic, row.p_value], [null, null, null, null]);
    assert.match(String((row.current_stats as Record<string, unknown>)['reason']), /baseline sample has no values/);
  });

  it('refuses a bad timestamp or an empty feature name with a PitwallError', () => {
    const result = featureDrift('x', [1], [2]);
    assert.throws(() => toDriftResultRow(result, { timestamp: Number.NaN }), (e: unknown) => e instanceof PitwallError && /timestamp must be a finite number/.test(e.message));
    assert.throws(() => toDriftResultRow(featureDrift('', [1], [2]), { timestamp: 0 }), (e: unknown) => e instanceof PitwallError && /feature_name must not be empty/.test(e.message));
  });
});

describe('drift properties', () => {
  const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -5, max: 5 }), fc.double({ min: -1e3, max: 1e3, noNaN: true }));
  const numbers = fc.array(fc.oneof({ weight: 9, arbitrary: number }, { weight: 1, arbitrary: fc.constant(null) }), { minLength: 1, maxLength: 120 });
  const category = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.boolean(), fc.constant(null), fc.string({ maxLength: 2 }));
  const categories = fc.array(category, { minLength: 1, maxLength: 120 });
  const options = fc.record({ bins: fc.integer({ min: 2, max: 20 }), ksMethod: fc.constantFrom<KsMethod>('auto', 'exact', 'asymp'), maxCategories: fc.integer({ min: 1, max: 5 }) });

  function probability(p: number | null): boolean {
    return p === null || (p >= 0 && p <= 1);
  }

  function assertWellFormed(result: FeatureDrift): void {
    assertAllFinite(result);
    assert.ok(DriftResultSchema.safeParse(toDriftResultRow(result, { timestamp: 1 })).success);
    if (result.status === 'insufficient') return;
    if (result.kind === 'numeric') {
      assert.ok((result.psi ?? -1) >= 0, `PSI ${result.psi}`);
      assert.ok(probability(result.ks_p_value) && probability(result.ks_statistic));
      assert.ok(result.wasserstein === null || result.wasserstein >= 0);
      for (const side of ['baseline_share', 'current_share'] as const) assert.ok(Math.abs(result.bins.reduce((sum, bin) => sum + bin[side], 0) - 1) < 1e-12);
    } else {
      assert.ok((result.chi_square ?? -1) >= 0 && probability(result.chi_square_p_value));
      assert.ok(probability(result.js_distance));
    }
  }

  it('keeps PSI ≥ 0, p-values and JS in [0, 1], and every value finite', () => {
    fc.assert(fc.property(numbers, numbers, options, (b, c, o) => assertWellFormed(featureDrift('x', b, c, o))));
    fc.assert(fc.property(categories, categories, options, (b, c, o) => assertWellFormed(featureDrift('x', b, c, o))));
  });

  it('does not depend on the order of the values', () => {
    const shuffled = <T>(values: fc.Arbitrary<T[]>) =>
      values.chain((v) => fc.tuple(fc.constant(v), fc.shuffledSubarray(v, { minLength: v.length, maxLength: v.length })));
    fc.assert(
      fc.property(shuffled(numbers), shuffled(numbers), options, ([b, b2], [c, c2], o) => {
        assert.deepEqual(featureDrift('x', b2, c2, o), featureDrift('x', b, c, o));
      }),
    );
    fc.assert(
      fc.property(shuffled(categories), shuffled(categories), options, ([b, b2], [c, c2], o) => {
        assert.deepEqual(featureDrift('x', b2, c2, o), featureDrift('x', b, c, o));
      }),
    );
  });

  it('finds no drift between a sample and itself', () => {
    fc.assert(
      fc.property(numbers, options, (values, o) => {
        const result = numeric(featureDrift('x', values, values, o));
        if (result.status === 'insufficient') return;
        assert.deepEqual([result.psi, result.ks_statistic, result.ks_p_value, result.wasserstein, result.severity], [0, 0, 1, 0, 'none']);
      }),
    );
    fc.assert(
      fc.property(categories, options, (values, o) => {
        const result = featureDrift('x', values, values, o);
        if (result.status === 'insufficient' || result.kind !== 'categorical') return;
        assert.deepEqual([result.chi_square, result.chi_square_p_value, result.js_distance, result.severity], [0, 1, 0, 'none']);
      }),
    );
  });

  it('tests 500 000 against 500 000 numeric values with the asymptotic KS distribution (speed is measured by npm run bench)', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const baseline = Array.from({ length: 500_000 }, () => random() + random());
    const current = Array.from({ length: 500_000 }, () => random() + random() + 0.01);
    const result = numeric(featureDrift('x', baseline, current));
    assert.equal(result.ks_method, 'asymp');
    assert.ok((result.ks_p_value ?? 1) < 1e-6);
  });
});
