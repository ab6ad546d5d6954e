/**
 * The generic webhook: a signed JSON POST.
 *
 * Signature scheme (what a receiver checks):
 * - `X-Pitwall-Timestamp` holds the unix time in whole seconds when the request was signed;
 * - `X-Pitwall-Signature` is `sha256=` and the lowercase hex HMAC-SHA256, keyed with the shared
 *   secret, of the timestamp, a `.`, and the raw request body as sent (UTF-8 bytes):
 *   `hex(HMAC_SHA256(secret, "<timestamp>.<body>"))`.
 * A receiver recomputes the HMAC over the body bytes it received (before parsing them),
 * compares in constant time, and rejects a timestamp more than a few minutes from its clock:
 * since the timestamp is signed, a captured request cannot be replayed later with a new one.
 * Each attempt is signed afresh; retries of one notice carry the same body, whose
 * `fingerprint` and `kind` let a receiver drop duplicates.
 */
import { createHmac } from 'node:crypto';
import { endpointOf, postJson, requireSuccess } from './http';
import type { AlertNotice, DeliveryChannel } from './notice';
import type { WebhookSettings } from './settings';
import { fit, MESSAGE_LIMIT, TITLE_LIMIT } from './text';

export const SIGNATURE_HEADER = 'X-Pitwall-Signature';
export const TIMESTAMP_HEADER = 'X-Pitwall-Timestamp';
/** Version of the body's layout, for receivers to check. */
export const WEBHOOK_BODY_VERSION = 1;

/** The `X-Pitwall-Signature` value of a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

function cut(text: string | null, limit: number): string | null {
  return text === null ? null : fit(text, limit);
}

/**
 * The JSON body: the notice, the alert's fields (as alerts.jsonl names them), long texts cut, and
 * `why`: the alert's context (model/alertWhy.ts) when the notice has it, else null.
 */
export function webhookBody(notice: AlertNotice): string {
  const { alert } = notice;
  return JSON.stringify({
    version: WEBHOOK_BODY_VERSION,
    kind: notice.kind,
    fingerprint: notice.fingerprint,
    rule_id: notice.ruleId,
    alert: {
      key: alert.key,
      alert_id: alert.alert_id,
      timestamp: alert.timestamp,
      severity: alert.severity,
      title: cut(alert.title, TITLE_LIMIT),
      message: cut(alert.message, MESSAGE_LIMIT),
      metric_name: cut(alert.metric_name, TITLE_LIMIT),
      metric_value: alert.metric_value,
      threshold: alert.threshold,
      component: cut(alert.component, TITLE_LIMIT),
      model_version: cut(alert.model_version, TITLE_LIMIT),
      acknowledged: alert.acknowledged,
      acknowledged_at: alert.acknowledged_at,
      acknowledged_by: cut(alert.acknowledged_by, TITLE_LIMIT),
    },
    why: notice.why ?? null,
  });
}

/** Posts each notice to the settings' URL, signed; `now` gives unix seconds. */
export function createWebhookChannel(settings: WebhookSettings, now: () => number = () => Date.now() / 1000): DeliveryChannel {
  const endpoint = endpointOf(settings.url);
  return {
    name: 'webhook',
    async send(notice, signal) {
      const body = webhookBody(notice);
      const timestamp = Math.floor(now());
      const headers = {
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(settings.secret.reveal(), timestamp, body),
      };
      requireSuccess(await postJson(settings.url, body, headers, signal), endpoint);
    },
  };
}
