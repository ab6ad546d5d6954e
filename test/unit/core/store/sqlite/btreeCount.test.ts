import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTableRows } from '../../../../../src/core/store/sqlite/btreeCount';
import { PageSource } from '../../../../../src/core/store/sqlite/pageSource';
import { ScanRefused } from '../../../../../src/core/store/sqlite/tableScan';

describe('counting a table from its b-tree pages', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-btree-count-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('gives the counts SQL gives however many pages each read takes, its read buffer shared by the reads', async () => {
    const db = join(root, 'count.db');
    // Rows long enough to fill a few hundred leaves; every third without an outcome, three versions.
    execFileSync('sqlite3', [
      db,
      `CREATE TABLE predictions (id INTEGER PRIMARY KEY, model_version TEXT, payload TEXT, actual_outcome INTEGER);
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
       INSERT INTO predictions (model_version, payload, actual_outcome)
       SELECT 'v1.' || (i % 3), printf('%.200c', 'x'), CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 END FROM n;`,
    ]);
    const sql = (query: string) => execFileSync('sqlite3', [db, query]).toString().trim();
    const tableRoot = Number(sql("SELECT rootpage FROM sqlite_master WHERE name = 'predictions'"));
    const expected = sql('SELECT model_version, count(*), count(actual_outcome) FROM predictions GROUP BY 1 ORDER BY 1');
    const source = PageSource.open(db);
    try {
      for (const pagesPerSlice of [1, 7, 2048]) {
        const counted = await countTableRows(source, tableRoot, 3, 1, { pagesPerSlice });
        assert.equal(counted.rows, 6000);
        assert.equal(counted.notNull, 4000);
        const groups = [...counted.byGroup].sort(([a], [b]) => a.localeCompare(b)).map(([version, count]) => `${version}|${count.rows}|${count.notNull}`);
        assert.equal(groups.join('\n'), expected, `${pagesPerSlice} pages a slice`);
      }
    } finally {
      source.close();
    }
  });

  it('refuses a b-tree whose interior page points outside the file or back at itself', async () => {
    const db = join(root, 'count.db');
    const tableRoot = Number(execFileSync('sqlite3', [db, "SELECT rootpage FROM sqlite_master WHERE name = 'predictions'"]).toString().trim());
    const pageSize = Number(execFileSync('sqlite3', [db, 'PRAGMA page_size']).toString().trim());
    const pageCount = Number(execFileSync('sqlite3', [db, 'PRAGMA page_count']).toString().trim());
    for (const [damage, child, refusal] of [['outside the file', pageCount + 5, /outside the file/], ['back at the root', tableRoot, /reached twice/]] as const) {
      const damaged = join(root, `damaged-${child}.db`);
      copyFileSync(db, damaged);
      // The root's right-most child pointer (bytes 8–11 of an interior page's header).
      const pointer = Buffer.alloc(4);
      pointer.writeUInt32BE(child);
      const fd = openSync(damaged, 'r+');
      writeSync(fd, pointer, 0, 4, (tableRoot - 1) * pageSize + (tableRoot === 1 ? 100 : 0) + 8);
      closeSync(fd);
      const source = PageSource.open(damaged);
      try {
        await assert.rejects(countTableRows(source, tableRoot, 3, 1), (error: unknown) => error instanceof ScanRefused && refusal.test(error.message), damage);
      } finally {
        source.close();
      }
    }
  });

  it('hands each page its own bytes while a read made from inside a visit uses the shared buffer too', () => {
    const source = PageSource.open(join(root, 'count.db'));
    try {
      const pages = Array.from({ length: Math.min(40, source.pageCount) }, (_, i) => i + 1);
      // A first read leaves the buffer kept for the next.
      source.forEachPage([1], () => undefined);
      let visited = 0;
      source.forEachPage(pages, (page, bytes) => {
        const expected = source.page(page);
        // A read of other pages in the middle of this visit must not overwrite the bytes it was handed.
        source.forEachPage([pages[pages.length - 1 - (page % pages.length)] as number], () => undefined);
        assert.deepEqual(bytes, expected, `page ${page}`);
        visited++;
      });
      assert.equal(visited, pages.length);
      // And the buffer kept after it still reads right.
      source.forEachPage([2, 3], (page, bytes) => assert.deepEqual(bytes, source.page(page)));
    } finally {
      source.close();
    }
  });
});
