import * as assert from 'node:assert/strict';
import { ALL_METRIC_NAMES, canonicalMetricName, METRIC_NAMES, namesOfMetric, resolveMetricName } from '../../../../src/core/analytics/metricNames';
import { WINDOW_METRICS } from '../../../../src/core/analytics/windows';
import { PitwallError } from '../../../../src/core/errors';

describe('metric names: one vocabulary', () => {
  it('maps the rules\' names onto the analytics\' names', () => {
    assert.equal(canonicalMetricName('f1_score'), 'f1');
    assert.equal(canonicalMetricName('expected_calibration_error'), 'ece');
    assert.equal(canonicalMetricName('num_predictions'), 'count');
    assert.equal(canonicalMetricName('ece'), 'ece');
    assert.equal(canonicalMetricName('acuracy'), undefined);
  });

  it('names every window metric once, and no alias twice', () => {
    assert.deepEqual(METRIC_NAMES.map((m) => m.name).filter((n) => n !== 'count').sort(), [...WINDOW_METRICS].sort());
    assert.equal(new Set(ALL_METRIC_NAMES).size, ALL_METRIC_NAMES.length);
  });

  it('refuses an unknown name with the nearest one, and a known one outside the accepted set', () => {
    assert.throws(() => resolveMetricName('acuracy'), (error: unknown) => error instanceof PitwallError && error.code === 'input' && /did you mean `accuracy`/.test(error.message));
    assert.throws(() => resolveMetricName('count', ['accuracy', 'f1']), /unknown metric "count"/);
    assert.equal(resolveMetricName('f1_score', ['accuracy', 'f1']), 'f1');
  });

  it('lists every name of a metric, from any of them, and a name it does not know as itself', () => {
    assert.deepEqual(namesOfMetric('ece'), ['ece', 'expected_calibration_error']);
    assert.deepEqual(namesOfMetric('expected_calibration_error'), ['ece', 'expected_calibration_error']);
    assert.deepEqual(namesOfMetric('accuracy'), ['accuracy']);
    assert.deepEqual(namesOfMetric('track_temp_psi'), ['track_temp_psi']);
    for (const name of ALL_METRIC_NAMES) assert.ok(namesOfMetric(name).every((other) => canonicalMetricName(other) === canonicalMetricName(name)));
  });
});
