import type { Alert } from '../../model/alert';
import type { AlertChannel } from '../../model/alertRule';
import type { AlertWhy } from '../../model/alertWhy';

/** An alert as a store holds it: the record plus the key the store gives it (alert ids are not unique). */
export type StoredAlert = Alert & { readonly key: string };

/** One change of an alert that the channels announce. */
export interface AlertNotice {
  readonly kind: 'firing' | 'resolved';
  readonly alert: StoredAlert;
  /** The rule that fired it; null for an alert created directly. */
  readonly ruleId: string | null;
  /** Identifies the alerting condition across notices (a firing and its resolution share it). */
  readonly fingerprint: string;
  /** A matching silence holds: the notice is recorded but not delivered. */
  readonly silenced?: boolean;
  /** Why it fired (a firing notice of Pitwall's engine); absent when not known. */
  readonly why?: AlertWhy;
}

/** A way of announcing a notice, ready to send (its configuration checked). */
export interface DeliveryChannel {
  readonly name: AlertChannel;
  /**
   * Sends one notice. Rejects with a `PitwallError` whose message names the endpoint; code `input`
   * (or `unsupported`) means that sending again cannot help, any other code that it may.
   * Stops its work when `signal` aborts.
   */
  send(notice: AlertNotice, signal: AbortSignal): Promise<void>;
}
