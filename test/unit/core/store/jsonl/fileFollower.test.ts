import { strict as assert } from 'node:assert';
import { renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { FileFollower, type LineSink } from '../../../../../src/core/store/jsonl/fileFollower';
import { makeTempDir, type TempDir } from './support';

/** A sink that records what it was given. */
class Recorder implements LineSink {
  lines: [number, string][] = [];
  bad: [number, string][] = [];
  resets = 0;

  reset(): void {
    this.resets++;
    this.lines = [];
    this.bad = [];
  }

  line(text: string, line: number): void {
    this.lines.push([line, text]);
  }

  badLine(line: number, problem: string): void {
    this.bad.push([line, problem]);
  }

  get texts(): string[] {
    return this.lines.map(([, text]) => text);
  }
}

describe('FileFollower', function () {
  let temp: TempDir;
  beforeEach(function () {
    temp = makeTempDir();
  });
  afterEach(function () {
    temp.remove();
  });

  it('delivers every complete line with its number, and nothing for a missing file', async function () {
    const follower = new FileFollower(temp.file('a.jsonl'));
    const sink = new Recorder();
    assert.deepEqual(await follower.follow(sink), { reset: false, bytesRead: 0, lines: 0 });
    assert.equal(follower.present, false);
    temp.append('a.jsonl', 'one\n\ntwo\r\n');
    assert.deepEqual(await follower.follow(sink), { reset: false, bytesRead: 10, lines: 3 });
    assert.deepEqual(sink.lines, [
      [1, 'one'],
      [2, ''],
      [3, 'two\r'],
    ]);
  });

  it('holds a torn last line as pending until its writer completes it', async function () {
    const follower = new FileFollower(temp.file('a.jsonl'));
    const sink = new Recorder();
    temp.append('a.jsonl', 'one\n{"half": ');
    await follower.follow(sink);
    assert.deepEqual(sink.texts, ['one']);
    assert.equal(follower.pendingBytes, 9);
    assert.deepEqual(
      await follower.follow(sink),
      { reset: false, bytesRead: 0, lines: 0 },
      'nothing changed, nothing read',
    );
    temp.append('a.jsonl', '1}\nthree\n');
    const result = await follower.follow(sink);
    assert.deepEqual(sink.lines, [
      [1, 'one'],
      [2, '{"half": 1}'],
      [3, 'three'],
    ]);
    assert.equal(result.bytesRead, 9 + 9, 'the pending line once more, then the appended bytes');
    assert.equal(follower.pendingBytes, 0);
  });

  it('reads only the bytes appended since the last read', async function () {
    const follower = new FileFollower(temp.file('a.jsonl'));
    const sink = new Recorder();
    temp.append('a.jsonl', `${'x'.repeat(100_000)}\n`);
    assert.equal((await follower.follow(sink)).bytesRead, 100_001);
    for (const chunk of ['a\n', 'bb\ncc\n', 'ddd\n']) {
      temp.append('a.jsonl', chunk);
      const result = await follower.follow(sink);
      assert.equal(result.bytesRead, Buffer.byteLength(chunk));
      assert.equal(result.reset, false);
    }
    assert.deepEqual(sink.texts.slice(1), ['a', 'bb', 'cc', 'ddd']);
    assert.deepEqual(sink.lines.at(-1), [5, 'ddd']);
  });

  it('decodes characters split across chunk boundaries, whatever the chunk size', async function () {
    const unit = fc.oneof(
      fc.constantFrom('é', '€', '𝄞', '中', 'a', '"'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    );
    const line = fc.string({ unit, maxLength: 30 }).map((text) => text.replace(/[\n\r]/g, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 20 }),
        fc.integer({ min: 1, max: 17 }),
        async (lines, chunkBytes) => {
          const path = temp.file(`c${chunkBytes}.jsonl`);
          writeFileSync(path, lines.map((text) => `${text}\n`).join(''));
          const sink = new Recorder();
          await new FileFollower(path, { chunkBytes }).follow(sink);
          assert.deepEqual(sink.texts, lines);
          unlinkSync(path);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reports a line that is not UTF-8 and delivers the others', async function () {
    const follower = new FileFollower(temp.file('a.jsonl'));
    const sink = new Recorder();
    temp.append(
      'a.jsonl',
      Buffer.concat([Buffer.from('good\n'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), Buffer.from('café\n')]),
    );
    await follower.follow(sink);
    assert.deepEqual(sink.lines, [
      [1, 'good'],
      [3, 'café'],
    ]);
    assert.deepEqual(sink.bad, [[2, 'not-utf8']]);
  });

  it('drops a byte-order mark at the start of the file only', async function () {
    const sink = new Recorder();
    temp.append('a.jsonl', '\uFEFFone\n\uFEFFtwo\n');
    await new FileFollower(temp.file('a.jsonl')).follow(sink);
    assert.deepEqual(sink.texts, ['one', '\uFEFFtwo']);
  });

  it('skips a line longer than the limit without holding it, and keeps reading after it', async function () {
    const follower = new FileFollower(temp.file('a.jsonl'), { maxLineBytes: 1024, chunkBytes: 256 });
    const sink = new Recorder();
    temp.append('a.jsonl', `short\n${'y'.repeat(5000)}`);
    await follower.follow(sink);
    assert.deepEqual(sink.texts, ['short']);
    assert.equal(follower.pendingBytes, 5000, 'an over-long line without its newline is still pending');
    temp.append('a.jsonl', `${'y'.repeat(5000)}\nafter\n`);
    await follower.follow(sink);
    assert.deepEqual(sink.lines, [
      [1, 'short'],
      [3, 'after'],
    ]);
    assert.deepEqual(sink.bad, [[2, 'too-long']]);
    temp.append('a.jsonl', 'later\n');
    assert.equal(
      (await follower.follow(sink)).reset,
      false,
      'the skipped line counts as read, so appends after it are not a rewrite',
    );
    assert.deepEqual(sink.lines.at(-1), [4, 'later']);
  });

  it('reads a truncated file again from its start', async function () {
    const follower = new FileFollower(temp.file('a.jsonl'));
    const sink = new Recorder();
    temp.append('a.jsonl', 'one\ntwo\nthree\n');
    await follower.follow(sink);
    truncateSync(temp.file('a.jsonl'), 4);
    const result = await follower.follow(sink);
    assert.equal(result.reset, true);
    assert.equal(sink.resets, 1);
    assert.deepEqual(sink.lines, [[1, 'one']]);
  });

  it('reads a replaced file again from its start, even when it is longer', async function () {
    const follower = new FileFollower(temp.file('a.jsonl'));
    const sink = new Recorder();
    temp.append('a.jsonl', 'one\ntwo\n');
    await follower.follow(sink);
    writeFileSync(temp.file('new.jsonl'), 'uno\ndos\ntres\n');
    renameSync(temp.file('new.jsonl'), temp.file('a.jsonl'));
    assert.equal((await follower.follow(sink)).reset, true);
    assert.deepEqual(sink.texts, ['uno', 'dos', 'tres']);
  });

  it("reads a file rewritten in place again, as Python's acknowledge_alert rewrites alerts.jsonl", async function () {
    const follower = new FileFollower(temp.file('a.jsonl'));
    const sink = new Recorder();
    const alerts = Array.from(
      { length: 200 },
      (_, i) => `{"alert_id": "a${i}", "acknowledged": false, "acknowledged_by": null}`,
    );
    writeFileSync(temp.file('a.jsonl'), `${alerts.join('\n')}\n`);
    await follower.follow(sink);
    alerts[100] = '{"alert_id": "a100", "acknowledged": true, "acknowledged_by": "oncall@example.com"}';
    writeFileSync(temp.file('a.jsonl'), `${alerts.join('\n')}\n`);
    assert.equal((await follower.follow(sink)).reset, true);
    assert.equal(sink.texts[100], alerts[100]);
    assert.equal(sink.lines.length, 200);
  });

  it('forgets the lines of a removed file', async function () {
    const follower = new FileFollower(temp.file('a.jsonl'));
    const sink = new Recorder();
    temp.append('a.jsonl', 'one\n');
    await follower.follow(sink);
    unlinkSync(temp.file('a.jsonl'));
    assert.equal((await follower.follow(sink)).reset, true);
    assert.deepEqual(sink.lines, []);
    assert.equal(follower.present, false);
  });

  it('delivers every line exactly once however the file grows between reads', async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ maxLength: 12 }).map((text) => text.replace(/[\n\r]/g, '')),
          { maxLength: 30 },
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (lines, cuts) => {
          const bytes = Buffer.from(lines.map((text) => `${text}\n`).join(''));
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const path = temp.file('grow.jsonl');
          writeFileSync(path, '');
          const follower = new FileFollower(path, { chunkBytes: 5 });
          const sink = new Recorder();
          let written = 0;
          for (const point of [...points, bytes.length]) {
            temp.append('grow.jsonl', bytes.subarray(written, point));
            written = point;
            await follower.follow(sink);
          }
          assert.deepEqual(sink.texts, lines);
          assert.deepEqual(
            sink.lines.map(([line]) => line),
            lines.map((_, i) => i + 1),
          );
          assert.equal(sink.resets, 0);
          unlinkSync(path);
        },
      ),
      { numRuns: 100 },
    );
  });
});
