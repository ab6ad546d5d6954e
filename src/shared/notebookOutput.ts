/**
 * What a notebook cell's Pitwall output carries, and the messages between the notebook renderer and
 * the extension host (renderer messaging). Types only, shared by src/extension/notebook and
 * webview/renderer. The output holds aggregates and the first page of rows; further pages, other
 * sort orders and "copy all as CSV" are asked of the host, which keeps the full result.
 */

/** The renderer's id in package.json (`contributes.notebookRenderer`). */
export const RENDERER_ID = 'pitwall.notebookRenderer';
/** Pitwall's own output type, drawn by the renderer. */
export const RESULT_MIME = 'application/vnd.pitwall.result+json';
/** Rows in the first page of a result, and the most a page request returns. */
export const PAGE_SIZE = 200;

export type OutputColumnType = 'time' | 'number' | 'string' | 'boolean' | 'json';

export interface NotebookResultOutput {
  readonly version: 1;
  /** The host's handle on the full result, for page, sort and copy requests; null when all rows are here. */
  readonly resultId: string | null;
  /** What the result is: `windows`, `calibration`, `drift`, `alerts`, `sql`… (QueryResult.kind). */
  readonly kind: string;
  readonly columns: readonly { readonly name: string; readonly type: OutputColumnType }[];
  /** Rows `offset .. offset + rows.length` of `totalRows`. */
  readonly rows: readonly Record<string, unknown>[];
  readonly offset: number;
  readonly totalRows: number;
  /** A Vega-Lite spec when the result draws as a chart (built by the host from core/charts). */
  readonly chart: { readonly kind: string; readonly spec: Record<string, unknown> } | null;
  /** The SQL that ran (a SQL cell's, or the statements a PQL trend was pushed down to). */
  readonly sql?: string;
  /** How windows were computed: `scan`, `pushdown`, `records`… */
  readonly path?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
  /** The source the cell ran on, as shown to the user. */
  readonly source: string;
  readonly durationMs: number;
}

export type RendererToHost =
  | { readonly type: 'page'; readonly resultId: string; readonly offset: number; readonly limit: number; readonly sort?: { readonly column: string; readonly descending: boolean } }
  | { readonly type: 'copyCsv'; readonly resultId: string; readonly sort?: { readonly column: string; readonly descending: boolean } };

export type HostToRenderer =
  | { readonly type: 'page'; readonly resultId: string; readonly offset: number; readonly rows: readonly Record<string, unknown>[]; readonly totalRows: number }
  | { readonly type: 'copied'; readonly resultId: string; readonly rows: number }
  /** The host no longer holds the result (the cell ran again, the notebook closed, the window reloaded). */
  | { readonly type: 'expired'; readonly resultId: string };
