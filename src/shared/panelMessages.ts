/** Messages every chart panel's webview may send besides its own, and the state it keeps across reloads. Types only. */

/** The version of a panel's saved state: a state of another version is not read, and the panel opens with its defaults. */
export const PANEL_STATE_VERSION = 1;

/** What a panel's webview keeps through `setState`: only the keys that say what it shows, never the data. */
export interface PanelSavedState<Keys> {
  readonly version: number;
  readonly keys: Keys;
}

export const EXPORT_FORMATS = ['png', 'svg', 'csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The largest export the host accepts from a webview, in characters (a PNG data URL or an SVG text). */
export const MAX_EXPORT_CHARS = 16 * 1024 * 1024;

/**
 * An export asked for in the panel. The webview renders PNG (a `data:image/png;base64,` URL) and
 * SVG (the text); the CSV of the charted rows and the Vega-Lite spec come from the host, which holds them.
 */
export type PanelExportMessage =
  | { readonly type: 'export'; readonly format: 'png'; readonly data: string }
  | { readonly type: 'export'; readonly format: 'svg'; readonly data: string }
  | { readonly type: 'export'; readonly format: 'csv' | 'json' };
