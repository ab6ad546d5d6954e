import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PitwallApi } from '../../src/extension/extension';
import { eventually, requireWorkbench, screenshot, workbenchText } from './harness';

/** How long activation may take here before it counts as waiting on something else. */
const ACTIVATION_DEADLINE_MS = 20_000;

describe('A workspace whose configured source cannot be opened', () => {
  it('finishes activating while the error is still on screen: activate() does not wait for the notification', async function () {
    requireWorkbench(this);
    const extension = vscode.extensions.getExtension<PitwallApi>('pitwall.pitwall');
    assert.ok(extension);
    let deadline: NodeJS.Timeout | undefined;
    const api = await Promise.race([
      extension.activate(),
      new Promise<undefined>((resolve) => (deadline = setTimeout(() => resolve(undefined), ACTIVATION_DEADLINE_MS))),
    ]);
    clearTimeout(deadline);
    assert.ok(api, `activate() is still pending after ${ACTIVATION_DEADLINE_MS / 1000} s`);
    assert.equal(api.sources.source, null, 'nothing was opened');
    // Nobody dismissed the error: it is still there after activation finished.
    const toast = await eventually(async () => {
      const text = await workbenchText('.notifications-toasts');
      return /notes\.txt is neither a JSONL monitoring folder nor a SQLite database/.test(text) ? text : undefined;
    });
    assert.match(toast, /Choose Another Source/);
    await screenshot('auto-open-failed');
  });
});
