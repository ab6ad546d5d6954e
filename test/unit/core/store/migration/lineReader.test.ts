import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FileFollower } from '../../../../../src/core/store/jsonl/fileFollower';
import { LineReader, type LineItem } from '../../../../../src/core/store/migration/lineReader';

describe('LineReader', function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-lines-'));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  async function readAll(reader: LineReader): Promise<{ items: LineItem[]; batches: number }> {
    const items: LineItem[] = [];
    let batches = 0;
    for await (const batch of reader.batches()) {
      items.push(...batch);
      batches++;
    }
    return { items, batches };
  }

  async function followAll(path: string, options: { chunkBytes: number; maxLineBytes: number }): Promise<{ items: LineItem[]; pending: number }> {
    const items: LineItem[] = [];
    const follower = new FileFollower(path, options);
    await follower.follow({
      reset: () => assert.fail('a first read never resets'),
      line: (text, line) => items.push({ line, text }),
      badLine: (line, problem) => items.push({ line, problem }),
    });
    return { items, pending: follower.pendingBytes };
  }

  const fragment = fc.oneof(
    fc.string({ maxLength: 30 }).map((text) => Buffer.from(text.replace(/\n/g, ' '))),
    fc.constantFrom(
      Buffer.from('\n'),
      Buffer.from('\r\n'),
      Buffer.from('é✓😀'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0xe2, 0x9c]),
      Buffer.from('x'.repeat(150)),
      Buffer.from('{"a": 1.0}\n'),
    ),
  );

  it('gives the lines, bad lines and pending bytes FileFollower gives, chunk size and line limit whatever they are', async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fragment, { maxLength: 40 }),
        fc.integer({ min: 4, max: 64 }),
        fc.integer({ min: 16, max: 200 }),
        async (bom, fragments, chunkBytes, maxLineBytes) => {
          const path = join(dir, 'file.jsonl');
          writeFileSync(path, Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), ...fragments]));
          const reader = new LineReader(path, { chunkBytes, maxLineBytes });
          const read = await readAll(reader);
          const followed = await followAll(path, { chunkBytes, maxLineBytes });
          assert.deepEqual(read.items, followed.items);
          assert.equal(reader.pendingBytes, followed.pending);
          assert.equal(reader.nextLine, (read.items.at(-1)?.line ?? 0) + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a chunk per batch, the next only when asked, and nothing of a missing file', async function () {
    const path = join(dir, 'many.jsonl');
    writeFileSync(path, Array.from({ length: 100 }, (_, i) => `{"n": ${i}}\n`).join(''));
    const { items, batches } = await readAll(new LineReader(path, { chunkBytes: 64 }));
    assert.equal(items.length, 100);
    assert.ok(batches > 10, `${batches} batches`);
    assert.deepEqual(await readAll(new LineReader(join(dir, 'none.jsonl'))), { items: [], batches: 0 });
  });
});
