import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { INTERRUPTED } from '../../../src/cli/interrupt';
import { alertLine, makeTempDir, type TempDir } from '../core/store/jsonl/support';

describe('Ctrl-C while a command carries late appends into a rewritten alerts.jsonl', function () {
  this.timeout(30_000);
  let temp: TempDir;
  beforeEach(function () {
    temp = makeTempDir();
  });
  afterEach(function () {
    temp.remove();
  });

  it('finishes carrying them before the process exits', async function () {
    const path = temp.file('alerts.jsonl');
    writeFileSync(path, `${alertLine(1)}\n${alertLine(2)}\n`);
    // A writer that opened alerts.jsonl before Pitwall replaced it, as the service may have.
    const writer = openSync(path, 'a');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../core/store/jsonl/rewriteChild.ts'), 'interrupt', temp.path, 'base-1#1'], { stdio: 'pipe' });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const said = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      assert.deepEqual(await said.next(), { done: false, value: 'acknowledged' }, stderr);
      // Written to the replaced file after the rename, then Ctrl-C before the late step ran.
      writeSync(writer, `${alertLine(3)}\n`);
      child.kill('SIGINT');
      assert.equal(await exited, INTERRUPTED, stderr);
    } finally {
      closeSync(writer);
    }
    const [first, ...rest] = readFileSync(path, 'utf8').split('\n').slice(0, -1);
    assert.equal((JSON.parse(first as string) as { acknowledged_by: string }).acknowledged_by, 'child');
    assert.deepEqual(rest, [alertLine(2), alertLine(3)]);
  });
});
