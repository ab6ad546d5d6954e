/** Messages between a chart webview and the extension host. Types only. */
export type ChartHostMessage =
  | { type: 'render'; title: string; spec: Record<string, unknown> }
  | { type: 'error'; message: string };

export type ChartViewMessage = { type: 'ready' } | { type: 'rendered'; marks: number } | { type: 'failed'; message: string };

/** MIME type of Pitwall chart outputs in notebooks. */
export const CHART_MIME = 'application/vnd.pitwall.chart+json';
