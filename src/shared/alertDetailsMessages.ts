/** Messages between the Alert Details panel's webview and the extension host. Types only. */

export const ALERT_ACTIONS = ['acknowledge', 'unacknowledge', 'snooze', 'openRule', 'openTrend', 'openSource', 'openNotebook'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

export interface AlertDetailsView {
  readonly key: string;
  readonly alertId: string;
  readonly title: string;
  readonly message: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly state: 'open' | 'silenced' | 'acknowledged';
  /** UTC text. */
  readonly firedAt: string;
  readonly metric: string | null;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly component: string | null;
  readonly modelVersion: string | null;
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: string | null;
  readonly comment: string | null;
  readonly rule: { readonly id: string; readonly condition: string; readonly from: string } | null;
  readonly deliveries: readonly { readonly channel: string; readonly kind: string; readonly status: string; readonly at: string; readonly error: string | null }[];
}

export interface AlertWhyView {
  /** Recorded when the alert fired (UTC text), or null: computed now. */
  readonly recordedAt: string | null;
  readonly lines: readonly string[];
}

/**
 * What the panel keeps across a window reload (its webview's `setState`): the source it was opened
 * on (its path), the alert's key and id and whether it was the preview, never the alert itself (it is read again).
 */
export interface AlertDetailsKeys {
  readonly source: string | null;
  readonly alert: string;
  readonly alertId: string;
  /** The one preview panel that a click on an alert's row reuses. */
  readonly preview: boolean;
}

export type AlertDetailsHostMessage =
  | { readonly type: 'busy' }
  | { readonly type: 'empty'; readonly reason: 'no-source' | 'not-found'; readonly message: string; readonly keys: AlertDetailsKeys | null }
  | {
      readonly type: 'details';
      readonly source: string;
      readonly readOnly: string | null;
      readonly alert: AlertDetailsView;
      readonly why: AlertWhyView | null;
      readonly whyProblem: string | null;
      /** The metric around the alert's time against its threshold; null when the metric is not one the kernel windows. */
      readonly spec: Record<string, unknown> | null;
      readonly chartNote: string | null;
      /** The window length of the chart, in seconds. */
      readonly every: number | null;
      readonly keys: AlertDetailsKeys;
    };

export type AlertDetailsViewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'action'; readonly action: AlertAction }
  | { readonly type: 'rendered'; readonly points: number }
  | { readonly type: 'failed'; readonly message: string };
