/**
 * The renderer's stylesheet, added once to the notebook's document (a renderer ships one ES
 * module, no CSS file). VS Code's own colours and fonts; scoped to Pitwall's outputs, plus
 * vega-tooltip's 'custom' theme (vega-embed's injected styles are off).
 */
const CSS = `
.pitwall-output { color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); }
/* vega-embed gives the chart's element its class, whose display would otherwise show a hidden chart. */
.pitwall-output [hidden] { display: none !important; }
.pitwall-output .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; margin: 2px 0 6px; }
.pitwall-output .rows-label { color: var(--vscode-descriptionForeground); font-variant-numeric: tabular-nums; margin-right: auto; }
.pitwall-output button {
  font: inherit; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground);
  border: 1px solid var(--vscode-button-border, transparent); border-radius: 2px; padding: 1px 8px; cursor: pointer;
}
.pitwall-output button:hover:not(:disabled) { background: var(--vscode-button-secondaryHoverBackground); }
.pitwall-output button:disabled { opacity: 0.5; cursor: default; }
.pitwall-output button:focus-visible, .pitwall-output summary:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
.pitwall-output .toggle button[aria-pressed='true'] { color: var(--vscode-button-foreground); background: var(--vscode-button-background); }
.pitwall-output .scroll { max-height: 420px; overflow: auto; border: 1px solid var(--vscode-editorWidget-border, var(--vscode-panel-border, rgba(128, 128, 128, 0.35))); }
.pitwall-output .scroll[aria-busy='true'] { opacity: 0.6; }
.pitwall-output table { border-collapse: collapse; width: max-content; min-width: 100%; font-variant-numeric: tabular-nums; }
.pitwall-output th {
  position: sticky; top: 0; z-index: 1; padding: 0; text-align: left; font-weight: 600;
  background: var(--vscode-editorWidget-background, var(--vscode-editor-background));
  border-bottom: 1px solid var(--vscode-editorWidget-border, rgba(128, 128, 128, 0.35));
}
.pitwall-output th.numeric { text-align: right; }
.pitwall-output th button { all: unset; box-sizing: border-box; display: block; width: 100%; padding: 3px 8px; cursor: pointer; color: var(--vscode-foreground); white-space: nowrap; }
.pitwall-output th button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.pitwall-output th .sort { display: inline-block; width: 1em; color: var(--vscode-descriptionForeground); }
.pitwall-output td {
  padding: 2px 8px; white-space: nowrap; max-width: 40em; overflow: hidden; text-overflow: ellipsis;
  border-bottom: 1px solid var(--vscode-editorWidget-border, rgba(128, 128, 128, 0.2));
}
.pitwall-output td.numeric { text-align: right; }
.pitwall-output td.empty { color: var(--vscode-descriptionForeground); }
.pitwall-output tbody tr:hover { background: var(--vscode-list-hoverBackground); }
.pitwall-output .notice { color: var(--vscode-editorWarning-foreground); margin: 4px 0; }
.pitwall-output .notice.done { color: var(--vscode-descriptionForeground); }
.pitwall-output .error { color: var(--vscode-errorForeground); margin: 4px 0; white-space: pre-wrap; }
.pitwall-output .empty-result { color: var(--vscode-descriptionForeground); margin: 4px 0; }
.pitwall-output .chart { width: 100%; min-height: 120px; }
.pitwall-output .vega-embed { width: 100%; display: block; }
.pitwall-output .vega-embed svg { max-width: 100%; }
.pitwall-output details.sql { margin: 6px 0 2px; }
.pitwall-output details.sql summary { cursor: pointer; color: var(--vscode-textLink-foreground); width: max-content; }
.pitwall-output details.sql pre {
  margin: 4px 0; padding: 6px 8px; max-height: 240px; overflow: auto; white-space: pre;
  font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 12px);
  background: var(--vscode-textCodeBlock-background); border-radius: 2px;
}
.pitwall-output .footer { color: var(--vscode-descriptionForeground); font-size: 0.9em; margin-top: 4px; }
#vg-tooltip-element {
  visibility: hidden; padding: 6px 8px; position: fixed; z-index: 1000; font-family: var(--vscode-font-family); font-size: 12px;
  border-radius: 3px; pointer-events: none; color: var(--vscode-editorHoverWidget-foreground);
  background: var(--vscode-editorHoverWidget-background); border: 1px solid var(--vscode-editorHoverWidget-border);
}
#vg-tooltip-element.visible { visibility: visible; }
#vg-tooltip-element h2 { margin: 0 0 4px; font-size: 13px; }
#vg-tooltip-element table { border-spacing: 0; }
#vg-tooltip-element td.key { color: var(--vscode-descriptionForeground); text-align: right; padding-right: 4px; }
`;

const STYLE_ID = 'pitwall-renderer-style';

/** Adds the stylesheet to the document (or shadow root) holding `element`, once. */
export function ensureStyle(element: HTMLElement): void {
  const root = element.getRootNode();
  const host = root instanceof ShadowRoot ? root : document.head;
  if (host.querySelector(`#${STYLE_ID}`) !== null) return;
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = CSS;
  host.append(style);
}
