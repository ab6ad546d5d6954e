import { strict as assert } from 'node:assert';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deliver } from '../../../../../src/core/alerting/channels/delivery';
import { formatAlertLogEntry } from '../../../../../src/core/alerting/channels/fileChannel';
import type { AlertNotice } from '../../../../../src/core/alerting/channels/notice';
import { EMPTY_CHANNEL_SETTINGS, type ChannelSettings } from '../../../../../src/core/alerting/channels/settings';
import { alertRecord } from '../../../../../src/core/model/alert';
import { parseRecord } from '../../../../../src/core/model/record';
import { HOSTILE_MESSAGE, HOSTILE_TITLE, noticeOf, removeTempDirs, tempDir } from './support';

const SAMPLES = join(__dirname, '../../../../fixtures/formats/jsonl');

function settingsFor(path: string): ChannelSettings {
  return { ...EMPTY_CHANNEL_SETTINGS, alertLog: path };
}

/** The notices of the sample alerts.jsonl, in file order. */
function sampleNotices(): AlertNotice[] {
  return readFileSync(join(SAMPLES, 'alerts.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => {
      const parsed = parseRecord(alertRecord, JSON.parse(line));
      assert.ok(parsed.ok, `alerts.jsonl line ${index + 1}`);
      return { kind: 'firing', alert: { ...parsed.value, key: `alerts.jsonl:${index + 1}` }, ruleId: null, fingerprint: `fp-${index}` };
    });
}

describe('file channel (alert_log.txt)', () => {
  after(removeTempDirs);
  it('writes the sample alerts exactly as the sample alert_log.txt holds them', async () => {
    const path = join(tempDir(), 'alert_log.txt');
    const notices = sampleNotices();
    assert.equal(notices.length, 63);
    for (const notice of notices) {
      const [report] = await deliver(notice, ['file'], { settings: settingsFor(path) });
      assert.equal(report?.status, 'delivered', report?.error ?? '');
    }
    assert.equal(readFileSync(path, 'utf8'), readFileSync(join(SAMPLES, 'alert_log.txt'), 'utf8'));
  });

  it('appends a second notice after the first and after existing entries, never rewriting the file', async () => {
    const path = join(tempDir(), 'alert_log.txt');
    const existing = '[1790000000.5] [info] Written by the Python service\n  kept as it is\n\n';
    writeFileSync(path, existing);
    const inode = statSync(path).ino;
    const first = noticeOf();
    const second = noticeOf({ timestamp: 1790877600.25, severity: 'warning', title: 'Second', message: 'second message' });
    await deliver(first, ['file'], { settings: settingsFor(path) });
    const afterFirst = readFileSync(path, 'utf8');
    await deliver(second, ['file'], { settings: settingsFor(path) });
    assert.equal(statSync(path).ino, inode, 'the same file, not a replacement');
    assert.equal(
      readFileSync(path, 'utf8'),
      `${existing}[1790856000.0] [critical] PERFORMANCE: accuracy Alert\n  accuracy is 0.0000 (< 0.7000)\n\n` +
        '[1790877600.25] [warning] Second\n  second message\n\n',
    );
    assert.ok(readFileSync(path, 'utf8').startsWith(afterFirst));
  });

  it('starts its entry on a new line after a torn last line', async () => {
    const path = join(tempDir(), 'alert_log.txt');
    writeFileSync(path, '[1790000000.0] [info] torn');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    await deliver(noticeOf({ title: 'After', message: 'm' }), ['file'], { settings: settingsFor(path) });
    assert.equal(readFileSync(path, 'utf8'), '[1790000000.0] [info] torn\n[1790856000.0] [critical] After\n  m\n\n');
  });

  it('keeps hostile text inside its entry: one title line, every message line indented, no control characters, cut', () => {
    const entry = formatAlertLogEntry(noticeOf({ title: HOSTILE_TITLE, message: HOSTILE_MESSAGE }), 0);
    const lines = entry.split('\n');
    assert.match(lines[0] ?? '', /^\[1790856000\.0\] \[critical\] <script>.* forged$/);
    assert.deepEqual(lines.slice(-2), ['', '']);
    for (const line of lines.slice(1, -2)) assert.match(line, /^ {2}/, 'message lines are indented');
    assert.ok(!entry.includes('\u001b') && !entry.includes('\r'), 'no escape character or carriage return');
    assert.ok(entry.length < 4300, `${entry.length} characters`);
    assert.match(entry, /…\n\n$/);
  });

  it('logs a resolution at the time it is delivered', async () => {
    const path = join(tempDir(), 'alert_log.txt');
    await deliver(noticeOf({}, { kind: 'resolved' }), ['file'], { settings: settingsFor(path), now: () => 1790900000.5 });
    assert.equal(readFileSync(path, 'utf8'), '[1790900000.5] [critical] RESOLVED: PERFORMANCE: accuracy Alert\n  accuracy is 0.0000 (< 0.7000)\n\n');
  });

  it('reports a folder that does not exist as a failure, without retrying', async () => {
    const path = join(tempDir(), 'missing', 'alert_log.txt');
    const [report] = await deliver(noticeOf(), ['file'], { settings: settingsFor(path), baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 1);
    assert.match(report.error ?? '', /alert_log\.txt.*ENOENT/);
  });
});
