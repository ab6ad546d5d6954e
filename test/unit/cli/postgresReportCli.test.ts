import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSameMarkup } from '../core/report/sameMarkup';
import { startPostgresFixture, type PostgresFixture } from '../core/store/postgres/support';
import { pitwall } from './runCli';
import { assertClose } from '../assertClose';

/** A notebook in the .pitnb format naming `source` in its metadata. */
function notebookText(source: string, cells: readonly [string, string][]): string {
  return `>>>pitwall ${JSON.stringify({ version: 1, source })}\n${cells.map(([kind, text]) => `>>>${kind}\n${text}\n`).join('')}`;
}

const CELLS: [string, string][] = [
  ['markdown', '# On the server'],
  ['pql', 'predictions | window 1d | by model_version | metrics accuracy, ece'],
  ['sql', 'select model_version, count(*) as n from predictions group by model_version order by model_version'],
];

/** A page's sections (what it says of the data), without its header and footer (which name the source and the time). */
function sections(html: string): string[] {
  return [...html.matchAll(/<section id="[^"]+">[\s\S]*?<\/section>/g)].map((match) => match[0]);
}

describe('pitwall report and pitwall notebook run on a PostgreSQL URL: the pages of the SQLite file, the server named without its password', function () {
  this.timeout(240_000);
  let fixture: PostgresFixture;
  let url: string;
  let dir: string;

  before(async () => {
    fixture = await startPostgresFixture(3000, 5);
    url = fixture.clone('report');
    dir = mkdtempSync(join(tmpdir(), 'pitwall-pg-report-'));
  });
  after(() => {
    fixture?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const address = () => url.replace(/\/\/postgres:[^@]*@/, '//postgres@');

  it('pitwall report writes the SQLite file\'s sections from the server\'s sums, the estimates left out with the reason, naming the server by its address', async () => {
    const onPostgres = join(dir, 'postgres.html');
    const onSqlite = join(dir, 'sqlite.html');
    const result = await pitwall('report', url, '--out', onPostgres);
    assert.equal(result.status, 0, result.stderr);
    assert.equal((await pitwall('report', fixture.sqlite, '--out', onSqlite)).status, 0);
    const html = readFileSync(onPostgres, 'utf8');
    const expected = readFileSync(onSqlite, 'utf8');
    assert.equal(sections(html).length, 6);
    // Summed on the server: the file's sections to 1e-12; the estimates, which need every confidence, left out with the reason.
    for (let i = 0; i < 5; i++) assertSameMarkup(sections(html)[i] ?? '', sections(expected)[i] ?? '', `section ${i}`);
    assert.match(sections(html)[5] ?? '', /^<section id="estimates">[\s\S]*need every prediction&#39;s confidence, which stays on the database server\./);
    assert.doesNotMatch(sections(html)[5] ?? '', /<svg|<table/);
    assert.ok(html.includes(address()), 'the page names the server');
    assert.ok(!html.includes(`:${fixture.cluster.password}@`), 'and never its password');
    // The summary's counts, as psql counts them.
    for (const line of fixture.cluster.psql('report', 'SELECT model_version, count(*), count(actual_outcome) FROM predictions GROUP BY 1 ORDER BY 1').split('\n')) {
      const [version, count, labelled] = line.split('|');
      assert.match(sections(html)[0] ?? '', new RegExp(`<td>${version}</td><td class="num">${count}</td><td class="num">${labelled}</td>`), line);
    }
  });

  it('pitwall notebook run runs the cells on the server named in its metadata or by --source, as on the SQLite file', async () => {
    const inMetadata = join(dir, 'server.pitnb');
    writeFileSync(inMetadata, notebookText(url, CELLS));
    const onSqlite = join(dir, 'file.pitnb');
    writeFileSync(onSqlite, notebookText(fixture.sqlite, CELLS));
    const expected = await pitwall('notebook', 'run', onSqlite, '--json');
    assert.equal(expected.status, 0, expected.stderr);
    for (const args of [[inMetadata], [onSqlite, '--source', url]]) {
      const result = await pitwall('notebook', 'run', ...args, '--json');
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      const cells = (text: string) => (JSON.parse(text) as { number: number; status: string; results: unknown }[]).map(({ number, status, results }) => ({ number, status, results }));
      assertClose(cells(result.stdout), cells(expected.stdout), args.join(' '), { keyOrder: true, ignoreKeys: ['path', 'sql'] });
    }
    const out = join(dir, 'server.html');
    const written = await pitwall('notebook', 'run', inMetadata, '--out', out);
    assert.equal(written.status, 0, written.stderr);
    const html = readFileSync(out, 'utf8');
    assert.ok(html.includes(address()) && !html.includes(`:${fixture.cluster.password}@`), 'the page names the server without its password');
    assert.ok(/<td>v1\.0<\/td><td class="num">\d+<\/td>/.test(html), 'the SQL cell\'s table');
  });

  it('a wrong password is exit 2 with the server\'s refusal, and the password is not printed', async () => {
    const wrong = url.replace(/\/\/postgres:[^@]*@/, '//postgres:not-the-password@');
    for (const args of [['report', wrong, '--out', join(dir, 'never.html')]]) {
      const result = await pitwall(...args);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /password/i);
      assert.ok(!result.stderr.includes('not-the-password'), result.stderr);
    }
  });
});
