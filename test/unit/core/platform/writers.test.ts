import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { writersOf } from '../../../../src/core/platform/writers';

describe('writersOf: whether a process holds a file open for writing, asked of the kernel', function () {
  this.timeout(20_000);
  let folder: string;
  let path: string;
  beforeEach(function () {
    if (process.platform !== 'linux') this.skip();
    folder = mkdtempSync(join(tmpdir(), 'pitwall-writers-'));
    path = join(folder, 'alerts.jsonl');
    writeFileSync(path, '{}\n');
  });
  afterEach(function () {
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('says none when the file is open only for reading', async function () {
    const fd = openSync(path, 'r');
    try {
      assert.equal(await writersOf(fd, folder), 'none');
    } finally {
      closeSync(fd);
    }
  });

  it('says some while this process has it open for appending, and none once that is closed', async function () {
    const fd = openSync(path, 'r');
    const writer = openSync(path, 'a');
    try {
      assert.equal(await writersOf(fd, folder), 'some');
      closeSync(writer);
      assert.equal(await writersOf(fd, folder), 'none');
    } finally {
      closeSync(fd);
    }
  });

  it('says some while another process has it open for writing', async function () {
    const holder = spawn(process.execPath, ['-e', `require('node:fs').openSync(${JSON.stringify(path)}, 'r+'); process.stdout.write('open\\n'); setInterval(() => undefined, 1000);`], { stdio: 'pipe' });
    const said = createInterface({ input: holder.stdout })[Symbol.asyncIterator]();
    const fd = openSync(path, 'r');
    try {
      assert.deepEqual(await said.next(), { done: false, value: 'open' });
      assert.equal(await writersOf(fd, folder), 'some');
      holder.kill();
      await new Promise((resolve) => holder.once('exit', resolve));
      assert.equal(await writersOf(fd, folder), 'none');
    } finally {
      holder.kill();
      closeSync(fd);
    }
  });

  it('says unknown, never none, for a file system whose writers this kernel may not all see (the process file system here)', async function () {
    const fd = openSync(path, 'r');
    try {
      assert.equal(await writersOf(fd, '/proc/self'), 'unknown');
    } finally {
      closeSync(fd);
    }
  });

  it('says unknown, never none, when it cannot ask (a descriptor that is not open)', async function () {
    assert.equal(await writersOf(987654, folder), 'unknown');
  });
});
