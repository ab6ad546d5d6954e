import * as assert from 'node:assert/strict';
import { BRIEF_BUNDLE_COMMANDS } from '../../../src/cli/briefMain';
import { BRIEF_BUNDLE_NAMES } from '../../../src/cli/briefNames';
import { COMMANDS } from '../../../src/cli/main';

describe('the brief bundle of the CLI', () => {
  it('holds exactly the commands the launcher sends it, each the very command of the whole CLI', () => {
    assert.deepEqual(BRIEF_BUNDLE_COMMANDS.map((command) => command.name), BRIEF_BUNDLE_NAMES);
    for (const command of BRIEF_BUNDLE_COMMANDS) assert.equal(COMMANDS.find((c) => c.name === command.name), command, command.name);
  });
});
