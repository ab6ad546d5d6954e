import * as assert from 'node:assert/strict';
import { AlertDetailsKeysSchema } from '../../../src/extension/panels/alertDetailsSchema';
import { CalibrationKeysSchema } from '../../../src/extension/panels/calibrationSchema';
import { DriftKeysSchema } from '../../../src/extension/panels/driftSchema';
import { readSavedKeys } from '../../../src/extension/panels/savedState';
import { PANEL_STATE_VERSION } from '../../../src/shared/panelMessages';

const saved = (keys: unknown, version = PANEL_STATE_VERSION) => ({ version, keys });

describe('the keys the calibration, drift and alert details panels save across a window reload', () => {
  describe('calibration: the source, the version opened for, and the options', () => {
    const keys = { source: '/data/monitoring', model: 'v1.1', options: { range: '30d', versions: ['v1.1', 'v1.0'], bins: 20, strategy: 'mass', layout: 'side-by-side' } };

    it('reads the keys of the current state version, and keys without options (a panel that had no source yet)', () => {
      assert.deepEqual(readSavedKeys(saved(keys), CalibrationKeysSchema), keys);
      assert.deepEqual(readSavedKeys(saved({ source: null, model: null, options: null }), CalibrationKeysSchema), { source: null, model: null, options: null });
    });

    it('opens with the defaults (null) for another version, no state, or keys that do not read', () => {
      assert.equal(readSavedKeys(saved(keys, PANEL_STATE_VERSION + 1), CalibrationKeysSchema), null);
      assert.equal(readSavedKeys(keys, CalibrationKeysSchema), null);
      assert.equal(readSavedKeys(undefined, CalibrationKeysSchema), null);
      const bad = (options: Record<string, unknown>) => readSavedKeys(saved({ ...keys, options: { ...keys.options, ...options } }), CalibrationKeysSchema);
      assert.equal(bad({ bins: 7 }), null, 'a bin count the panel does not offer');
      assert.equal(bad({ bins: '20' }), null);
      assert.equal(bad({ strategy: 'isotonic' }), null);
      assert.equal(bad({ layout: 'grid' }), null);
      assert.equal(bad({ range: 'custom' }), null);
      assert.equal(bad({ versions: 'v1.1' }), null);
      assert.equal(readSavedKeys(saved({ ...keys, model: 7 }), CalibrationKeysSchema), null);
      assert.equal(readSavedKeys(saved({ options: keys.options }), CalibrationKeysSchema), null, 'the source and model are required');
    });
  });

  describe('drift: the source, the version opened for, and the options with the selected feature', () => {
    const keys = { source: '/data/monitoring.db', model: null, options: { version: 'v1.0', baseline: 'previous', current: '7d', feature: 'feature_2' } };

    it('reads the keys of the current state version, the selected feature with them', () => {
      assert.deepEqual(readSavedKeys(saved(keys), DriftKeysSchema), keys);
      assert.equal(readSavedKeys(saved(keys), DriftKeysSchema)?.options?.feature, 'feature_2');
      const unselected = { ...keys, options: { ...keys.options, version: null, feature: null } };
      assert.deepEqual(readSavedKeys(saved(unselected), DriftKeysSchema), unselected);
    });

    it('opens with the defaults (null) for another version, no state, or keys that do not read', () => {
      assert.equal(readSavedKeys(saved(keys, 0), DriftKeysSchema), null);
      assert.equal(readSavedKeys(null, DriftKeysSchema), null);
      assert.equal(readSavedKeys('garbage', DriftKeysSchema), null);
      const bad = (options: Record<string, unknown>) => readSavedKeys(saved({ ...keys, options: { ...keys.options, ...options } }), DriftKeysSchema);
      assert.equal(bad({ baseline: 'yesterday' }), null);
      assert.equal(bad({ current: '30d' }), null);
      assert.equal(bad({ feature: 'x'.repeat(1001) }), null);
      const { feature: _feature, ...older } = keys.options;
      assert.equal(readSavedKeys(saved({ ...keys, options: older }), DriftKeysSchema), null, 'options saved without a feature');
    });
  });

  describe('alert details: the source, the alert key and id, and whether it was the preview', () => {
    const keys = { source: '/data/monitoring', alert: 'alert_1746057600123#1', alertId: 'alert_1746057600123', preview: false };

    it('reads the keys of the current state version; the source may be unknown', () => {
      assert.deepEqual(readSavedKeys(saved(keys), AlertDetailsKeysSchema), keys);
      assert.deepEqual(readSavedKeys(saved({ ...keys, source: null }), AlertDetailsKeysSchema), { ...keys, source: null });
      assert.deepEqual(readSavedKeys(saved({ ...keys, preview: true }), AlertDetailsKeysSchema), { ...keys, preview: true });
    });

    it('opens without an alert (null) for another version, no state, or keys that do not read', () => {
      assert.equal(readSavedKeys(saved(keys, PANEL_STATE_VERSION + 1), AlertDetailsKeysSchema), null);
      assert.equal(readSavedKeys(keys, AlertDetailsKeysSchema), null);
      assert.equal(readSavedKeys({}, AlertDetailsKeysSchema), null);
      assert.equal(readSavedKeys(saved({ ...keys, alert: '' }), AlertDetailsKeysSchema), null, 'an empty key names no alert');
      assert.equal(readSavedKeys(saved({ ...keys, alert: 42 }), AlertDetailsKeysSchema), null);
      const { alertId: _id, ...withoutId } = keys;
      assert.equal(readSavedKeys(saved(withoutId), AlertDetailsKeysSchema), null);
      const { preview: _preview, ...withoutPreview } = keys;
      assert.equal(readSavedKeys(saved(withoutPreview), AlertDetailsKeysSchema), null);
      assert.equal(readSavedKeys(saved({ ...keys, preview: 'yes' }), AlertDetailsKeysSchema), null);
    });
  });
});
