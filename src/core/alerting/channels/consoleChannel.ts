import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import type { AlertNotice, DeliveryChannel } from './notice';
import { describeFailure } from './http';
import { fit, formatTime, headlineOf, MESSAGE_LIMIT, messageOf, oneLine, titleOf } from './text';

/**
 * One line per notice, plain text without control characters:
 * `FIRING CRITICAL PERFORMANCE: accuracy Alert — accuracy is 0.0000 (< 0.7000) (model v1.1, 2026-10-01 12:00:00 UTC)`.
 */
export function formatConsoleLine(notice: AlertNotice): string {
  const { alert } = notice;
  const message = fit(oneLine(messageOf(alert)), MESSAGE_LIMIT);
  const context = [alert.model_version === null ? null : `model ${fit(oneLine(alert.model_version), 100)}`, formatTime(alert.timestamp)];
  return `${headlineOf(notice)} ${titleOf(alert)}${message === '' ? '' : ` — ${message}`} (${context.filter((part) => part !== null).join(', ')})`;
}

/**
 * Writes each notice as one line through `write`, which adds the line end: standard output in
 * the CLI, an output channel in VS Code.
 */
export function createConsoleChannel(write: (line: string) => void): DeliveryChannel {
  return {
    name: 'console',
    send(notice) {
      try {
        write(formatConsoleLine(notice));
      } catch (error) {
        return Promise.reject(new PitwallError('io', messages.deliveryConsoleFailed(describeFailure(error)), { cause: error }));
      }
      return Promise.resolve();
    },
  };
}
