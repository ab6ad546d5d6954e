import { strict as assert } from 'node:assert';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, symlinkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { openJsonlStore, type JsonlStore } from '../../../../../src/core/store/jsonl/jsonlStore';
import { toPythonAlert, toPythonLine } from '../../../../../src/core/store/jsonl/pythonRecords';
import type { AlertKey } from '../../../../../src/core/store/store';
import { NEW_ALERT } from './support';

/** What the questions the index serves answer: every one must be the same as from a full parse. */
async function answers(store: JsonlStore): Promise<unknown> {
  const all = await store.readAlerts({});
  const keys = all.map((alert) => alert.key);
  return {
    all,
    open: await store.readAlerts({ acknowledged: false, limit: 7 }),
    oldestFirst: await store.readAlerts({ order: 'asc', offset: 2, limit: 5 }),
    severities: await store.readAlerts({ severity: ['critical', 'info'] }),
    model: await store.readAlerts({ modelVersion: 'v1.1' }),
    noModel: await store.readAlerts({ modelVersion: null }),
    byId: await store.readAlerts({ alertId: 'alert_7' }),
    text: await store.readAlerts({ text: 'ACC' }),
    scoped: await store.readAlerts({ scopes: [{ match: 'any', scopes: [{ metric_name: 'accuracy', severity: 'critical' }] }] }),
    range: await store.readAlerts({ from: 1790000020, to: 1790000060 }),
    count: await store.countAlerts({ component: 'performance', acknowledged: true }),
    groups: await store.countAlertGroups(['severity', 'model_version', 'threshold', 'metric_name', 'component']),
    signatures: await store.countAlertsBySignature(),
    counts: await store.counts(),
    versions: await store.readModelVersions(),
    entries: keys.map((key) => store.alertEntry(key)),
    byKey: await Promise.all(keys.slice(0, 5).map((key) => store.readAlert(key))),
    // Named by file name: the acknowledgment is compared between two folders.
    diagnostics: (await store.describe()).diagnostics.map((diagnostic) => ({ ...diagnostic, file: basename(diagnostic.file ?? '') })),
  };
}

const alertLineArb = fc
  .record({
    timestamp: fc.integer({ min: 1790000000, max: 1790000100 }).map((t) => t + 0.25),
    id: fc.integer({ min: 0, max: 12 }),
    severity: fc.constantFrom('info', 'warning', 'critical'),
    message: fc.oneof(fc.constant('accuracy is 0.6000 (< 0.7000)'), fc.string({ maxLength: 12 }), fc.constant('é ✓ "quoted"')),
    metric: fc.constantFrom('accuracy', 'ece', null),
    threshold: fc.constantFrom(0.7, 0.05, null),
    component: fc.constantFrom('performance', 'drift', null),
    model: fc.constantFrom('v1.0', 'v1.1', null),
    acknowledged: fc.boolean(),
    extra: fc.boolean(),
  })
  .map((a) => {
    const line = toPythonLine(
      toPythonAlert({
        ...NEW_ALERT,
        timestamp: a.timestamp,
        alert_id: `alert_${a.id}`,
        severity: a.severity as 'info',
        message: a.message,
        metric_name: a.metric,
        threshold: a.threshold,
        component: a.component,
        model_version: a.model,
        acknowledged: a.acknowledged,
        acknowledged_at: a.acknowledged ? 1790000200.5 : null,
        acknowledged_by: a.acknowledged ? 'ops' : null,
      }),
    ).slice(0, -1);
    return a.extra ? `${line.slice(0, -1)}, "pager": {"team": "ml"}}` : line;
  });

/** Lines as a folder may hold them: mostly alerts, some bad, blank, CRLF-ended or not UTF-8. */
const lineArb = fc.oneof(
  { weight: 12, arbitrary: alertLineArb.map((text) => Buffer.from(`${text}\n`)) },
  { weight: 1, arbitrary: alertLineArb.map((text) => Buffer.from(`${text}\r\n`)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('not json {', '{"timestamp": "soon", "alert_id": "alert_3"}', '', '   ', '[1, 2]', '{"timestamp": NaN}', '{"alert_id": "alert_1"}').map((text) => Buffer.from(`${text}\n`)),
  },
  { weight: 1, arbitrary: fc.constant(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])) },
);

const fileArb = fc.record({
  bom: fc.boolean(),
  lines: fc.array(lineArb, { minLength: 0, maxLength: 40 }),
  appended: fc.array(lineArb, { minLength: 0, maxLength: 8 }),
  torn: fc.boolean(),
});

describe('the alert index of alerts.jsonl, against a full parse', function () {
  this.timeout(120_000);
  let root: string;
  let cache: string;
  beforeEach(function () {
    root = mkdtempSync(join(tmpdir(), 'pitwall-alert-index-'));
    cache = join(root, 'cache');
  });
  afterEach(function () {
    rmSync(root, { recursive: true, force: true });
  });

  const grace = { tornTailGraceMs: 50, lateAppendGraceMs: 5 };
  const index = (build = 'test') => ({ alertIndex: { folder: cache, build, minBytes: 0 } });
  const open = (folder: string, withIndex: boolean) => openJsonlStore(folder, withIndex ? { ...grace, ...index() } : grace);
  async function answersOf(folder: string, withIndex: boolean): Promise<{ answers: unknown; fromIndex: number }> {
    const store = await open(folder, withIndex);
    try {
      return { answers: await answers(store), fromIndex: store.alertsFromIndex };
    } finally {
      await store.close();
    }
  }

  it('answers every question as a full parse does: from the index, after appends, and through an acknowledgment', async function () {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fileArb, async ({ bom, lines, appended, torn }) => {
        const folder = join(root, `f${run}`);
        const copy = join(root, `c${run}`);
        run++;
        rmSync(cache, { recursive: true, force: true });
        mkdirSync(folder);
        mkdirSync(copy);
        const alerts = join(folder, 'alerts.jsonl');
        writeFileSync(alerts, Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), ...lines]));

        const full = await answersOf(folder, false);
        // The first open parses and leaves the index; the second takes the alerts from it.
        const first = await answersOf(folder, true);
        assert.deepEqual(first.answers, full.answers);
        assert.equal(first.fromIndex, 0);
        const second = await answersOf(folder, true);
        assert.deepEqual(second.answers, full.answers);
        assert.equal(second.fromIndex, (full.answers as { counts: { alerts: number } }).counts.alerts);

        // Lines appended since the index was made are read as appended lines are.
        appendFileSync(alerts, Buffer.concat([...appended, torn ? Buffer.from('{"timestamp": 1790000001') : Buffer.alloc(0)]));
        const grownFull = await answersOf(folder, false);
        const grown = await answersOf(folder, true);
        assert.deepEqual(grown.answers, grownFull.answers);

        // An acknowledgment through the index writes what one through a full parse writes.
        copyFileSync(alerts, join(copy, 'alerts.jsonl'));
        // Both as old: a torn last line is one a dead writer left, in both folders alike.
        for (const path of [alerts, join(copy, 'alerts.jsonl')]) utimesSync(path, 1e9, 1e9);
        const viaIndex = await open(folder, true);
        const viaParse = await open(copy, false);
        try {
          const open1 = (await viaParse.readAlerts({ acknowledged: false, limit: 2 })).map((alert) => alert.key);
          const keys: AlertKey[] = [...open1, 'alert_99#1'];
          assert.deepEqual(await viaIndex.acknowledgeAlerts(keys, 'me', 1795000000, 'looked'), await viaParse.acknowledgeAlerts(keys, 'me', 1795000000, 'looked'));
          assert.deepEqual(await answers(viaIndex), await answers(viaParse));
        } finally {
          await viaIndex.close();
          await viaParse.close();
        }
        assert.deepEqual(readFileSync(alerts), readFileSync(join(copy, 'alerts.jsonl')));
        // And the index the acknowledging process left answers as a parse of the rewritten file.
        assert.deepEqual((await answersOf(folder, true)).answers, (await answersOf(folder, false)).answers);
      }),
      { numRuns: 30 },
    );
  });

  /** A folder of `n` alerts; returns the path of its alerts.jsonl. */
  function folderOf(n: number): string {
    const folder = join(root, 'folder');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    const path = join(folder, 'alerts.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(toPythonLine(toPythonAlert({ ...NEW_ALERT, timestamp: 1790000000 + i, alert_id: `alert_${i}` })));
    writeFileSync(path, lines.join(''));
    return path;
  }

  it('is used when the file still starts with the bytes it was made of', async function () {
    const path = folderOf(50);
    await answersOf(join(path, '..'), true);
    assert.equal((await answersOf(join(path, '..'), true)).fromIndex, 50);
  });

  it('is not used for a file rewritten in place to the same size and modification time', async function () {
    const path = folderOf(50);
    const folder = join(path, '..');
    await answersOf(folder, true);
    const before = statSync(path);
    const text = readFileSync(path, 'utf8');
    // The same length: one alert acknowledged by flipping a letter's worth of text, as no careful writer would.
    const changed = text.replace('"severity": "warning"', '"severity": "wArning"');
    assert.equal(changed.length, text.length);
    writeFileSync(path, changed);
    utimesSync(path, before.atime, before.mtime);
    const after = await answersOf(folder, true);
    assert.equal(after.fromIndex, 0);
    assert.deepEqual(after.answers, (await answersOf(folder, false)).answers);
    assert.ok(((after.answers as { diagnostics: unknown[] }).diagnostics.length) > 0, 'the changed line is reported as the parse reports it');
  });

  it('ignores a damaged index, and one made with other settings', async function () {
    const path = folderOf(50);
    const folder = join(path, '..');
    await answersOf(folder, true);
    const [name] = readdirSync(cache);
    const stored = join(cache, name as string);
    const good = readFileSync(stored);
    for (const damaged of [Buffer.alloc(0), good.subarray(0, good.length - 1), Buffer.concat([good.subarray(0, 100), Buffer.from([(good[100] as number) ^ 1]), good.subarray(101)]), Buffer.from('garbage')]) {
      writeFileSync(stored, damaged);
      const result = await answersOf(folder, true);
      assert.equal(result.fromIndex, 0);
      assert.deepEqual(result.answers, (await answersOf(folder, false)).answers);
    }
    // One anybody could have written, or a link to one, is not used either.
    writeFileSync(stored, good);
    chmodSync(stored, 0o666);
    assert.equal((await answersOf(folder, true)).fromIndex, 0);
    rmSync(stored);
    writeFileSync(join(root, 'elsewhere.v8'), good, { mode: 0o600 });
    symlinkSync(join(root, 'elsewhere.v8'), stored);
    assert.equal((await answersOf(folder, true)).fromIndex, 0);
    rmSync(stored);
    writeFileSync(stored, good, { mode: 0o600 });
    assert.equal((await answersOf(folder, true)).fromIndex, 50);
    // Made again by that open; an open keeping fewer problems per file does not use it.
    for (const options of [{ ...grace, ...index(), diagnosticsPerFile: 3 }, { ...grace, ...index('another build') }]) {
      // The index this test's settings made, differing from the open's in one setting.
      writeFileSync(stored, good, { mode: 0o600 });
      const store = await openJsonlStore(folder, options);
      try {
        assert.equal(store.alertsFromIndex, 0);
      } finally {
        await store.close();
      }
    }
  });

  it('is not written for a small file unless asked, nor without a folder for it', async function () {
    const path = folderOf(5);
    const folder = join(path, '..');
    const store = await openJsonlStore(folder, { alertIndex: { folder: cache, build: 'test' } });
    await store.close();
    assert.deepEqual(readdirSync(root).includes('cache') ? readdirSync(cache) : [], []);
  });
});
