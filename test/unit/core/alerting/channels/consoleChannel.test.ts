import { strict as assert } from 'node:assert';
import { formatConsoleLine } from '../../../../../src/core/alerting/channels/consoleChannel';
import { deliver } from '../../../../../src/core/alerting/channels/delivery';
import { EMPTY_CHANNEL_SETTINGS } from '../../../../../src/core/alerting/channels/settings';
import { HOSTILE_MESSAGE, HOSTILE_TITLE, noticeOf } from './support';

describe('console channel', () => {
  it('writes one line per notice through the injected write function', async () => {
    const lines: string[] = [];
    const [report] = await deliver(noticeOf(), ['console'], { settings: EMPTY_CHANNEL_SETTINGS, write: (line) => lines.push(line) });
    assert.equal(report?.status, 'delivered');
    assert.equal(report.attempts, 1);
    assert.deepEqual(lines, ['FIRING CRITICAL PERFORMANCE: accuracy Alert — accuracy is 0.0000 (< 0.7000) (model v1.1, 2026-10-01 12:00:00 UTC)']);
  });

  it('announces a resolution', () => {
    assert.match(formatConsoleLine(noticeOf({}, { kind: 'resolved' })), /^RESOLVED CRITICAL PERFORMANCE: accuracy Alert — /);
  });

  it('keeps hostile text plain and on one line: no line breaks, no terminal escapes, cut short', () => {
    const line = formatConsoleLine(noticeOf({ title: HOSTILE_TITLE, message: HOSTILE_MESSAGE }));
    assert.ok(!/[\n\r]/.test(line) && !line.includes('\u001b'), 'one line, no escape character');
    assert.ok(line.includes('<script>alert("x")</script>'), 'plain text is shown as it is');
    assert.ok(line.length < 4400, `${line.length} characters`);
    assert.ok(line.includes('…'));
  });

  it('reports a write function that throws as a failure, without a crash', async () => {
    const [report] = await deliver(noticeOf(), ['console'], {
      settings: EMPTY_CHANNEL_SETTINGS,
      baseDelayMs: 1,
      write: () => {
        throw new Error('EPIPE: broken pipe');
      },
    });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 3);
    assert.match(report.error ?? '', /EPIPE/);
  });
});
