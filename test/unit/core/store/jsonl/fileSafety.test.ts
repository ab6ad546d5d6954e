import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, ftruncateSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileChannel } from '../../../../../src/core/alerting/channels/fileChannel';
import { PitwallError } from '../../../../../src/core/errors';
import type { AlertRule } from '../../../../../src/core/model/alertRule';
import { FileFollower, type LineSink } from '../../../../../src/core/store/jsonl/fileFollower';
import { appendLines } from '../../../../../src/core/store/jsonl/fileWrites';
import { rewriteLines, type ReadState } from '../../../../../src/core/store/jsonl/lineRewrite';
import { openJsonlStore, type JsonlStore } from '../../../../../src/core/store/jsonl/jsonlStore';
import { writersOf } from '../../../../../src/core/platform/writers';
import type { StoredAlert } from '../../../../../src/core/store/store';
import { NEW_ALERT, alertLine, makeTempDir, type TempDir } from './support';

const RULE: AlertRule = {
  rule_id: 'acc_low',
  metric_name: 'accuracy',
  metric_type: 'threshold',
  threshold: 0.7,
  comparison: '<',
  severity: 'critical',
  component: 'performance',
  enabled: true,
  cooldown_minutes: 30,
  channels: ['file'],
  conditions: {},
  for_minutes: 0,
  min_samples: 0,
  last_triggered: null,
};

const SCRIPT = '#!/bin/sh\necho hello\n';

function refusedSymlink(path: string) {
  return (error: unknown): boolean =>
    error instanceof PitwallError && error.message.includes(path) && /symbolic link/.test(error.message);
}

describe('Files Pitwall writes in a JSONL folder: symlinks and other non-regular files', function () {
  let temp: TempDir;
  let outside: string;
  let target: string;
  const stores: JsonlStore[] = [];

  async function open(): Promise<JsonlStore> {
    const store = await openJsonlStore(temp.path, { tornTailGraceMs: 50, lateAppendGraceMs: 5 });
    stores.push(store);
    return store;
  }

  /** Makes `name` in the folder a symlink to a shell script outside it. */
  function linkOut(name: string): string {
    symlinkSync(target, temp.file(name));
    return temp.file(name);
  }

  function assertTargetUntouched(): void {
    assert.equal(readFileSync(target, 'utf8'), SCRIPT);
  }

  beforeEach(function () {
    temp = makeTempDir();
    outside = mkdtempSync(join(tmpdir(), 'pitwall-outside-'));
    target = join(outside, 'deploy.sh');
    writeFileSync(target, SCRIPT, { mode: 0o755 });
    temp.append('alerts.jsonl', `${alertLine(1)}\n`);
  });
  afterEach(async function () {
    for (const store of stores.splice(0)) await store.close();
    temp.remove();
    rmSync(outside, { recursive: true, force: true });
  });

  it('refuses to append an alert through a symlink to a file outside the folder, naming the file', async function () {
    rmSync(temp.file('alerts.jsonl'));
    const link = linkOut('alerts.jsonl');
    const store = await open();
    await assert.rejects(store.appendAlert({ ...NEW_ALERT, alert_id: 'alert_$(touch x)' }), refusedSymlink(link));
    assertTargetUntouched();
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  it('refuses to append outcomes, deliveries and the alert log through a symlink', async function () {
    temp.append('predictions.jsonl', `${JSON.stringify({ timestamp: 1790000000, model_version: 'v1', prediction_id: 'p1', predicted_outcome: 1, confidence: 0.9, features: {}, metadata: {} })}\n`);
    const outcomes = linkOut('outcomes.jsonl');
    const deliveries = linkOut('deliveries.pitwall.jsonl');
    const log = linkOut('alert_log.txt');
    const store = await open();
    await assert.rejects(store.recordOutcome({ prediction_id: 'p1', actual_outcome: 1, timestamp: 1790000100 }), refusedSymlink(outcomes));
    await assert.rejects(
      store.recordDeliveries([{ alert: 'alert_$(touch x)#1', rule_id: 'r', kind: 'firing', channel: 'file', status: 'delivered', attempts: 1, error: null, evaluated_at: 1, finished_at: 2, elapsed_ms: 3 }]),
      refusedSymlink(deliveries),
    );
    const alert: StoredAlert = { ...NEW_ALERT, alert_id: 'alert_$(touch x)', key: 'alert_$(touch x)#1' };
    await assert.rejects(createFileChannel(log).send({ kind: 'firing', alert, ruleId: 'r', fingerprint: 'f' }, new AbortController().signal), refusedSymlink(log));
    assertTargetUntouched();
  });

  it('refuses to create the target of a dangling symlink', async function () {
    const missing = join(outside, 'cron.sh');
    symlinkSync(missing, temp.file('acknowledgments.jsonl'));
    symlinkSync(missing, temp.file('alert_rules.pitwall.json'));
    const store = await open();
    await assert.rejects(appendLines(temp.file('acknowledgments.jsonl'), Buffer.from('{"alert_id": "alert_$(touch x)"}\n'), 10), refusedSymlink(temp.file('acknowledgments.jsonl')));
    await assert.rejects(store.saveRule(RULE), refusedSymlink(temp.file('alert_rules.pitwall.json')));
    assert.equal(existsSync(missing), false);
  });

  it('refuses to rewrite alerts.jsonl, the rules, the alert states and the silences through a symlink, and keeps the symlink', async function () {
    writeFileSync(target, `${alertLine(2)}\n`);
    const contents = readFileSync(target, 'utf8');
    rmSync(temp.file('alerts.jsonl'));
    const alerts = linkOut('alerts.jsonl');
    const rules = join(outside, 'rules.json');
    writeFileSync(rules, '[]\n');
    symlinkSync(rules, temp.file('alert_rules.json'));
    const states = linkOut('alert_state.pitwall.json');
    const silences = linkOut('silences.pitwall.json');
    writeFileSync(target, contents);
    const store = await open();
    await assert.rejects(store.acknowledgeAlerts(['base-2#1'], 'me', 1795000000), refusedSymlink(alerts));
    await assert.rejects(store.saveRule(RULE), refusedSymlink(temp.file('alert_rules.json')));
    await assert.rejects(store.updateAlertStates({ 'alert_$(touch x)': 1 }, []), refusedSymlink(states));
    await assert.rejects(store.saveSilence({ id: 's1', starts_at: 1, ends_at: 2, matchers: {}, comment: '', created_by: null, created_at: 1 }), refusedSymlink(silences));
    for (const link of [alerts, temp.file('alert_rules.json'), states, silences]) assert.ok(lstatSync(link).isSymbolicLink(), `${link} is still a symlink`);
    assert.equal(readFileSync(target, 'utf8'), contents);
    assert.equal(readFileSync(rules, 'utf8'), '[]\n');
  });

  it('refuses to append to a pipe without waiting for a reader', async function () {
    const fifo = temp.file('alert_log.txt');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(
      appendLines(fifo, Buffer.from('line\n'), 10),
      (error: unknown) => error instanceof PitwallError && error.message.includes(fifo) && /not a regular file/.test(error.message),
    );
    assert.ok(existsSync(fifo));
  });
});

const IGNORE: LineSink = { reset: () => undefined, line: () => undefined, badLine: () => undefined };

async function readState(path: string): Promise<ReadState> {
  const follower = new FileFollower(path);
  await follower.follow(IGNORE);
  return follower.readState as ReadState;
}

const acknowledge = (text: string): string => text.replace('"acknowledged": false', '"acknowledged": true');

describe('Appends to alerts.jsonl while Pitwall replaces it', function () {
  this.timeout(30_000);
  let temp: TempDir;
  beforeEach(function () {
    temp = makeTempDir();
  });
  afterEach(function () {
    temp.remove();
  });

  it('carries nothing, and says so, when another process rewrote the replaced file (the Python acknowledgment)', async function () {
    const path = temp.file('alerts.jsonl');
    const original = [alertLine(1), alertLine(2), alertLine(3)];
    writeFileSync(path, `${original.join('\n')}\n`);
    // The Python service opens alerts.jsonl to rewrite it just before Pitwall's rename.
    const python = openSync(path, 'r+');
    try {
      const result = await rewriteLines({ path, read: await readState(path), edits: new Map([[2, acknowledge]]), tornTailGraceMs: 50, lateAppendGraceMs: 1 });
      assert.equal(result.status, 'done');
      if (result.status !== 'done') return;
      const rewritten = readFileSync(path, 'utf8');
      // Its truncate-and-rewrite lands in the replaced file: line 3 acknowledged, and a new alert.
      ftruncateSync(python, 0);
      writeSync(python, `${original[0]}\n${original[1]}\n${acknowledge(original[2] as string)}\n${alertLine(4)}\n`, 0);
      await assert.rejects(result.carryLateAppends(), (error: unknown) => error instanceof PitwallError && /alerts\.jsonl was rewritten by another process during the acknowledgment/.test(error.message));
      assert.equal(readFileSync(path, 'utf8'), rewritten, 'no fragment of the other rewrite is appended');
    } finally {
      closeSync(python);
    }
  });

  it('warns in the description of the folder when the replaced alerts.jsonl was rewritten by another process', async function () {
    const path = temp.file('alerts.jsonl');
    const original = [alertLine(1), alertLine(2)];
    writeFileSync(path, `${original.join('\n')}\n`);
    let python = -1;
    const store = await openJsonlStore(temp.path, {
      tornTailGraceMs: 50,
      // The other process acts as soon as the acknowledgment returns, well within this.
      lateAppendGraceMs: 1000,
      beforeReplace: async () => {
        python = openSync(path, 'r+');
      },
    });
    try {
      assert.deepEqual((await store.acknowledgeAlerts(['base-1#1'], 'me', 1795000000)).acknowledged, ['base-1#1']);
      ftruncateSync(python, 0);
      writeSync(python, `${original[0]}\n${acknowledge(original[1] as string)}\n`, 0);
      const { warnings } = await store.describe();
      assert.ok(warnings.some((warning) => /alerts\.jsonl was rewritten by another process during the acknowledgment/.test(warning)), warnings.join('\n'));
    } finally {
      closeSync(python);
      await store.close();
    }
  });

  it('still carries lines that are only appended to the replaced file', async function () {
    const path = temp.file('alerts.jsonl');
    writeFileSync(path, `${alertLine(1)}\n${alertLine(2)}\n`);
    const writer = openSync(path, 'a');
    try {
      const result = await rewriteLines({ path, read: await readState(path), edits: new Map([[1, acknowledge]]), tornTailGraceMs: 50, lateAppendGraceMs: 1 });
      assert.equal(result.status, 'done');
      if (result.status !== 'done') return;
      writeSync(writer, `${alertLine(3)}\n`);
      await result.carryLateAppends();
      assert.equal(readFileSync(path, 'utf8'), `${acknowledge(alertLine(1))}\n${alertLine(2)}\n${alertLine(3)}\n`);
    } finally {
      closeSync(writer);
    }
  });

  it('carries at once, without the grace, what was appended to the replaced file when no process holds it open for writing', async function () {
    const path = temp.file('alerts.jsonl');
    writeFileSync(path, `${alertLine(1)}\n${alertLine(2)}\n`);
    // Only where the kernel can tell (Linux, a local disk file system, perl): elsewhere the grace is waited, as the next test shows.
    const probe = openSync(path, 'r');
    const answer = await writersOf(probe, temp.path).finally(() => closeSync(probe));
    if (answer !== 'none') this.skip();
    const writer = openSync(path, 'a');
    // A grace the test would time out waiting for: only the kernel's answer lets the carry end sooner.
    const result = await rewriteLines({ path, read: await readState(path), edits: new Map([[1, acknowledge]]), tornTailGraceMs: 50, lateAppendGraceMs: 600_000 });
    assert.equal(result.status, 'done');
    if (result.status !== 'done') return;
    // The writer that opened the file before the rename writes one more line, then closes it.
    writeSync(writer, `${alertLine(3)}\n`);
    closeSync(writer);
    assert.equal(await result.carryLateAppends(), Buffer.byteLength(`${alertLine(3)}\n`));
    assert.equal(readFileSync(path, 'utf8'), `${acknowledge(alertLine(1))}\n${alertLine(2)}\n${alertLine(3)}\n`);
  });

  it('still waits the grace while another process holds the replaced file open for writing, and carries what it writes then', async function () {
    const path = temp.file('alerts.jsonl');
    writeFileSync(path, `${alertLine(1)}\n${alertLine(2)}\n`);
    // A second process with alerts.jsonl open for appending, as the service between its open and its write.
    const holder = spawn(process.execPath, ['-e', `const fs = require('node:fs'); const fd = fs.openSync(${JSON.stringify(path)}, 'a'); process.stdout.write('open\\n'); process.stdin.once('data', () => { fs.writeSync(fd, ${JSON.stringify(`${alertLine(3)}\n`)}); fs.closeSync(fd); process.stdout.write('written\\n'); });`], { stdio: 'pipe' });
    const said = createInterface({ input: holder.stdout })[Symbol.asyncIterator]();
    try {
      assert.deepEqual(await said.next(), { done: false, value: 'open' });
      const result = await rewriteLines({ path, read: await readState(path), edits: new Map([[1, acknowledge]]), tornTailGraceMs: 50, lateAppendGraceMs: 1500 });
      assert.equal(result.status, 'done');
      if (result.status !== 'done') return;
      const carried = result.carryLateAppends();
      // Written after the rename, into the replaced file, while the carry waits.
      holder.stdin.write('go\n');
      assert.deepEqual(await said.next(), { done: false, value: 'written' });
      assert.equal(await carried, Buffer.byteLength(`${alertLine(3)}\n`));
      assert.equal(readFileSync(path, 'utf8'), `${acknowledge(alertLine(1))}\n${alertLine(2)}\n${alertLine(3)}\n`);
    } finally {
      holder.kill();
    }
  });

  /** Starts rewriteChild.ts; `next()` gives each line it says. */
  function child(mode: 'kill' | 'interrupt', key: string): { process: ChildProcessWithoutNullStreams; next: () => Promise<string>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'rewriteChild.ts'), mode, temp.path, key], { stdio: 'pipe' });
    const said = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    return {
      process: proc,
      next: async () => {
        const line = await said.next();
        if (line.done === true) throw new Error(`the child ended early: ${stderr}`);
        return line.value;
      },
      exited,
    };
  }

  it('keeps every line appended just before the rename when the process is killed just after it', async function () {
    const path = temp.file('alerts.jsonl');
    writeFileSync(path, `${alertLine(1)}\n${alertLine(2)}\n`);
    const run = child('kill', 'base-1#1');
    assert.equal(await run.next(), 'replacing');
    const appended = Array.from({ length: 20 }, (_, i) => alertLine(100 + i));
    for (const line of appended) appendFileSync(path, `${line}\n`);
    run.process.stdin.write('go\n');
    assert.equal(await run.next(), 'acknowledged');
    run.process.kill('SIGKILL');
    assert.equal((await run.exited).signal, 'SIGKILL');
    const [first, ...rest] = readFileSync(path, 'utf8').split('\n').slice(0, -1);
    assert.equal((JSON.parse(first as string) as { acknowledged_by: string }).acknowledged_by, 'child');
    assert.deepEqual(rest, [alertLine(2), ...appended]);
  });
});

describe('An acknowledgment whose comment cannot be logged', function () {
  let temp: TempDir;
  beforeEach(function () {
    temp = makeTempDir();
    temp.append('alerts.jsonl', `${alertLine(1)}\n${alertLine(2)}\n`);
  });
  afterEach(function () {
    temp.remove();
  });

  it('is reported as acknowledged, with the comment that was not kept named as a problem', async function () {
    const store = await openJsonlStore(temp.path, {
      tornTailGraceMs: 50,
      lateAppendGraceMs: 5,
      // The log becomes unwritable after the alert line is rewritten and before the comment goes in.
      beforeReplace: async () => {
        mkdirSync(temp.file('acknowledgments.jsonl'));
      },
    });
    try {
      const result = await store.acknowledgeAlerts(['base-1#1'], 'me', 1795000000, 'retraining');
      assert.deepEqual(result.acknowledged, ['base-1#1']);
      assert.equal(result.problems?.length, 1);
      assert.match(result.problems?.[0] ?? '', /acknowledgments\.jsonl/);
      assert.match(result.problems?.[0] ?? '', /acknowledged/);
      assert.equal((await store.readAlert('base-1#1'))?.acknowledged, true);
      assert.equal((JSON.parse(readFileSync(temp.file('alerts.jsonl'), 'utf8').split('\n')[0] as string) as { acknowledged: boolean }).acknowledged, true);
    } finally {
      await store.close();
    }
  });
});
