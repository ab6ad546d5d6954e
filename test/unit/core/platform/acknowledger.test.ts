import * as assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { acknowledgerName } from '../../../../src/core/platform/acknowledger';

describe('acknowledged_by from the editor', () => {
  it('is pitwall.user.name when it is set, trimmed', () => {
    assert.equal(acknowledgerName('  ana  ', () => 'root'), 'ana');
  });

  it('is the operating-system user when the setting is empty, blank or missing', () => {
    for (const configured of ['', '   ', undefined]) assert.equal(acknowledgerName(configured, () => 'oncall'), 'oncall');
    assert.equal(acknowledgerName(''), userInfo().username);
  });

  it('is "vscode" when the system cannot name its user', () => {
    assert.equal(
      acknowledgerName('', () => {
        throw new Error('no passwd entry');
      }),
      'vscode',
    );
    assert.equal(acknowledgerName(undefined, () => ''), 'vscode');
  });
});
