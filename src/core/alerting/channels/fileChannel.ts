import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { formatPythonFloat } from '../../model/pythonJson';
import { appendLines } from '../../store/jsonl/fileWrites';
import { describeFailure } from './http';
import type { AlertNotice, DeliveryChannel } from './notice';
import { fit, MESSAGE_LIMIT, messageOf, titleOf } from './text';

/** How long a last line without a newline may be a writer's append in progress, not a torn one. */
const TORN_TAIL_GRACE_MS = 500;
/** Failures that appending again will meet again. */
const PERMANENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS']);

/**
 * One entry of alert_log.txt, as the Python system's file channel writes it:
 * `[<timestamp as a Python float>] [<severity>] <title>`, then the message indented by two
 * spaces, then a blank line. The title is kept on one line and every further line of the
 * message indented, so text from the data cannot forge an entry. A resolution is logged at
 * `now` (unix seconds) with the title prefixed `RESOLVED: `.
 */
export function formatAlertLogEntry(notice: AlertNotice, now: number): string {
  const { alert } = notice;
  const firing = notice.kind === 'firing';
  const title = firing ? titleOf(alert) : `RESOLVED: ${titleOf(alert)}`;
  const message = fit(messageOf(alert), MESSAGE_LIMIT).split('\n').join('\n  ');
  return `[${formatPythonFloat(firing ? alert.timestamp : now)}] [${alert.severity}] ${title}\n  ${message}\n\n`;
}

/**
 * Appends each notice to `path` (created if missing, never rewritten) in one `write()`, as
 * the JSONL files are appended: a concurrent appender's entry is never split.
 */
export function createFileChannel(path: string, now: () => number = () => Date.now() / 1000): DeliveryChannel {
  return {
    name: 'file',
    async send(notice) {
      try {
        await appendLines(path, Buffer.from(formatAlertLogEntry(notice, now()), 'utf8'), TORN_TAIL_GRACE_MS);
      } catch (error) {
        // A refusal of Pitwall's own (a link or a pipe in the log's place) comes back on every attempt.
        const permanent = error instanceof PitwallError || (error instanceof Error && 'code' in error && PERMANENT_CODES.has(String(error.code)));
        throw new PitwallError(permanent ? 'input' : 'io', messages.deliveryFileFailed(path, describeFailure(error)), { cause: error });
      }
    },
  };
}
