import * as assert from 'node:assert/strict';
import { readSavedKeys } from '../../../src/extension/panels/savedState';
import { TrendKeysSchema } from '../../../src/extension/panels/trendSchema';
import { PANEL_STATE_VERSION } from '../../../src/shared/panelMessages';

describe('the keys a chart panel saves across a window reload', () => {
  const keys = { source: '/data/monitoring', model: 'v1.1', options: { window: '1d', slide: 'half', range: 'custom', from: '2026-10-05', to: '2026-10-06', metric: 'avg_confidence', versions: ['v1.1'] } };

  it('reads the keys of the current state version', () => {
    assert.deepEqual(readSavedKeys({ version: PANEL_STATE_VERSION, keys }, TrendKeysSchema), keys);
    assert.deepEqual(readSavedKeys({ version: PANEL_STATE_VERSION, keys: { source: null, model: null, options: null } }, TrendKeysSchema), { source: null, model: null, options: null });
  });

  it('opens with the defaults (null) for a state of another version, an old unversioned state, or none', () => {
    assert.equal(readSavedKeys({ version: PANEL_STATE_VERSION + 1, keys }, TrendKeysSchema), null);
    assert.equal(readSavedKeys({ version: 0, keys }, TrendKeysSchema), null);
    assert.equal(readSavedKeys(keys, TrendKeysSchema), null);
    assert.equal(readSavedKeys(undefined, TrendKeysSchema), null);
    assert.equal(readSavedKeys('{"version":1}', TrendKeysSchema), null);
  });

  it('refuses keys that do not read rather than opening with half of them', () => {
    const bad = (options: Record<string, unknown>) => readSavedKeys({ version: PANEL_STATE_VERSION, keys: { ...keys, options: { ...keys.options, ...options } } }, TrendKeysSchema);
    assert.equal(bad({ window: '2h' }), null);
    assert.equal(bad({ metric: 'happiness' }), null);
    assert.equal(bad({ versions: 'v1.1' }), null);
    assert.equal(bad({ from: '5 October' }), null);
    // Options saved before the panel had a slide and a custom range.
    const { slide: _slide, from: _from, to: _to, ...older } = keys.options;
    assert.equal(readSavedKeys({ version: PANEL_STATE_VERSION, keys: { ...keys, options: older } }, TrendKeysSchema), null);
    assert.equal(readSavedKeys({ version: PANEL_STATE_VERSION, keys: { ...keys, model: 'x'.repeat(501) } }, TrendKeysSchema), null);
  });
});
