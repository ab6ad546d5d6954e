import { strict as assert } from 'node:assert';
import { appendFileSync, chmodSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { PitwallError } from '../../../../../src/core/errors';
import { FileFollower, type LineSink } from '../../../../../src/core/store/jsonl/fileFollower';
import { appendLines, replaceFile } from '../../../../../src/core/store/jsonl/fileWrites';
import { rewriteLines, type LineEdit, type LineRewriteOptions, type ReadState, type RewrittenFile } from '../../../../../src/core/store/jsonl/lineRewrite';
import { makeTempDir, type TempDir } from './support';

const IGNORE: LineSink = { reset: () => undefined, line: () => undefined, badLine: () => undefined };

/** What a reader has taken in of the file, as the store's follower holds it. */
async function readState(path: string): Promise<ReadState> {
  const follower = new FileFollower(path);
  await follower.follow(IGNORE);
  return follower.readState as ReadState;
}

const OPTIONS = { attempts: 4, settleMs: 30 };
const GRACE = { tornTailGraceMs: 200, lateAppendGraceMs: 5 };

/** A rewrite with its late appends carried over, as the store runs it. */
async function rewrite(
  options: Omit<LineRewriteOptions, keyof typeof GRACE>,
): Promise<{ status: 'changed' } | { status: 'done'; file: RewrittenFile; carriedBytes: number }> {
  const result = await rewriteLines({ ...options, ...GRACE });
  if (result.status === 'changed') return result;
  return { status: 'done', file: result.file, carriedBytes: await result.carryLateAppends() };
}

describe('safe file writes', function () {
  let temp: TempDir;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.remove());

  describe('appendLines', function () {
    it('creates the file, and appends after what is there', async function () {
      await appendLines(temp.file('a.jsonl'), Buffer.from('{"a": 1}\n'), 100);
      await appendLines(temp.file('a.jsonl'), Buffer.from('{"a": 2}\n{"a": 3}\n'), 100);
      assert.equal(readFileSync(temp.file('a.jsonl'), 'utf8'), '{"a": 1}\n{"a": 2}\n{"a": 3}\n');
    });

    it('ends a stale torn line first, and waits for a fresh one to be finished', async function () {
      writeFileSync(temp.file('a.jsonl'), '{"a": 1}\n{"a"');
      const past = new Date(Date.now() - 10_000);
      utimesSync(temp.file('a.jsonl'), past, past);
      await appendLines(temp.file('a.jsonl'), Buffer.from('{"b": 1}\n'), 1000);
      assert.equal(readFileSync(temp.file('a.jsonl'), 'utf8'), '{"a": 1}\n{"a"\n{"b": 1}\n');

      writeFileSync(temp.file('b.jsonl'), '{"a"');
      setTimeout(() => appendFileSync(temp.file('b.jsonl'), ': 2}\n'), 100);
      const started = Date.now();
      await appendLines(temp.file('b.jsonl'), Buffer.from('{"b": 2}\n'), 2000);
      assert.ok(Date.now() - started < 1500, 'no longer than the writer took');
      assert.equal(readFileSync(temp.file('b.jsonl'), 'utf8'), '{"a": 2}\n{"b": 2}\n');
    });
  });

  describe('replaceFile', function () {
    it('starts over from the new content when the file changed while the replacement was made', async function () {
      const path = temp.file('rules.json');
      writeFileSync(path, 'one');
      const seen: string[] = [];
      const written = await replaceFile(
        path,
        (current) => {
          seen.push(String(current));
          // Another writer changes the file after it was read, before the rename.
          if (seen.length === 1) writeFileSync(path, 'two');
          return Buffer.from(`${String(current)}+pitwall`);
        },
        OPTIONS,
      );
      assert.equal(written, true);
      assert.deepEqual(seen, ['one', 'two']);
      assert.equal(readFileSync(path, 'utf8'), 'two+pitwall');
      assert.deepEqual(temp.entries(), ['rules.json']);
    });

    it('gives up with a conflict when the file never stops changing, and leaves it as the other writer made it', async function () {
      const path = temp.file('rules.json');
      writeFileSync(path, '0');
      let n = 0;
      await assert.rejects(
        replaceFile(
          path,
          (current) => {
            writeFileSync(path, String(++n));
            return Buffer.from(`${String(current)}+pitwall`);
          },
          OPTIONS,
        ),
        (error: unknown) => error instanceof PitwallError && error.code === 'conflict' && /kept changing.*4 attempts/.test(error.message),
      );
      assert.equal(readFileSync(path, 'utf8'), '4');
      assert.deepEqual(temp.entries(), ['rules.json']);
    });

    it('never replaces a file created while it made a new one', async function () {
      const path = temp.file('rules.json');
      const written = await replaceFile(
        path,
        (current) => {
          if (current === null) writeFileSync(path, 'theirs');
          return Buffer.from(`${current === null ? '' : String(current)}+pitwall`);
        },
        OPTIONS,
      );
      assert.equal(written, true);
      assert.equal(readFileSync(path, 'utf8'), 'theirs+pitwall');
    });

    it('waits out a rewrite caught halfway, and refuses a file that stays unreadable', async function () {
      const path = temp.file('rules.json');
      writeFileSync(path, '');
      const parse = (current: Buffer | null) => {
        const value = JSON.parse(String(current)) as number[];
        return Buffer.from(JSON.stringify([...value, 3]));
      };
      setTimeout(() => writeFileSync(path, '[1, 2]'), 10);
      await replaceFile(path, parse, { attempts: 4, settleMs: 100 });
      assert.equal(readFileSync(path, 'utf8'), '[1,2,3]');
      writeFileSync(path, '[1,');
      await assert.rejects(replaceFile(path, parse, OPTIONS), SyntaxError);
      assert.equal(readFileSync(path, 'utf8'), '[1,');
    });

    it('keeps the mode of the file it replaces, and writes nothing when there is nothing to change', async function () {
      const path = temp.file('rules.json');
      writeFileSync(path, 'x');
      chmodSync(path, 0o640);
      await replaceFile(path, () => Buffer.from('y'), OPTIONS);
      assert.equal(statSync(path).mode & 0o777, 0o640);
      const inode = statSync(path).ino;
      assert.equal(await replaceFile(path, () => null, OPTIONS), false);
      assert.equal(statSync(path).ino, inode);
    });
  });

  describe('rewriteLines', function () {
    const path = () => temp.file('alerts.jsonl');
    const upper: LineEdit = (text) => text.toUpperCase();

    it('replaces the edited lines only, and keeps the mode', async function () {
      writeFileSync(path(), 'a\nb\n\nnot json\nc\r\n');
      chmodSync(path(), 0o640);
      const result = await rewrite({
        path: path(),
        read: await readState(path()),
        edits: new Map([
          [2, upper],
          [5, upper],
        ]),
      });
      assert.equal(result.status, 'done');
      assert.equal(readFileSync(path(), 'utf8'), 'a\nB\n\nnot json\nC\r\n');
      assert.equal(statSync(path()).mode & 0o777, 0o640);
      assert.deepEqual(temp.entries(), ['alerts.jsonl']);
    });

    it('edits lines that span its read chunks, in a file of several megabytes', async function () {
      const long = 'x'.repeat(3 * 1024 * 1024);
      writeFileSync(path(), `first\n${long}\nmiddle\n${long}\nlast\n`);
      const result = await rewrite({
        path: path(),
        read: await readState(path()),
        edits: new Map([
          [2, (text: string) => `<${text.length}>`],
          [5, upper],
        ]),
      });
      assert.equal(result.status, 'done');
      assert.equal(readFileSync(path(), 'utf8'), `first\n<${long.length}>\nmiddle\n${long}\nLAST\n`);
    });

    it('fails as changed, replacing nothing, when the file was rewritten in place meanwhile', async function () {
      writeFileSync(path(), 'a\nb\nc\n');
      const read = await readState(path());
      const result = await rewrite({
        path: path(),
        read,
        edits: new Map([
          [
            2,
            (text: string) => {
              // What Python's acknowledge does: truncate and write it all again, differently.
              writeFileSync(path(), 'a\nB by python\nc\n');
              return text.toUpperCase();
            },
          ],
        ]),
      });
      assert.equal(result.status, 'changed');
      assert.equal(readFileSync(path(), 'utf8'), 'a\nB by python\nc\n');
      assert.deepEqual(temp.entries(), ['alerts.jsonl']);
    });

    it('fails as changed when the file was replaced, or an edit does not find its line', async function () {
      writeFileSync(path(), 'a\nb\n');
      const read = await readState(path());
      writeFileSync(temp.file('other'), 'a\nb\n');
      renameSync(temp.file('other'), path());
      assert.equal((await rewrite({ path: path(), read, edits: new Map([[1, upper]])})).status, 'changed');
      const fresh = await readState(path());
      assert.equal((await rewrite({ path: path(), read: fresh, edits: new Map([[1, () => null]])})).status, 'changed');
      assert.equal(readFileSync(path(), 'utf8'), 'a\nb\n');
    });

    it('carries over lines appended while it worked, after the rewritten ones', async function () {
      writeFileSync(path(), 'a\nb\n');
      const read = await readState(path());
      appendFileSync(path(), 'c\n');
      const result = await rewrite({
        path: path(),
        read,
        edits: new Map([
          [
            1,
            (text: string) => {
              appendFileSync(path(), 'd\ne\n');
              return text.toUpperCase();
            },
          ],
        ]),
      });
      // Caught up at the rename already: nothing is left for the late step.
      assert.deepEqual(result.status === 'done' && [result.carriedBytes, result.file.consumed], [0, 4]);
      assert.equal(readFileSync(path(), 'utf8'), 'A\nb\nc\nd\ne\n');
    });
  });
});
