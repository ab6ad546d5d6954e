import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { noUrlLoader, themeConfig } from '../chartTheme';

type View = Awaited<ReturnType<typeof embed>>['view'];
/** The view drawn in each slot of the page: a panel with two charts keeps both alive. */
const current = new Map<string, View>();

/**
 * Renders a Vega-Lite spec into `element` under the panel's CSP: expressions through
 * vega-interpreter (no `eval`), vega-embed's injected styles off (panel.css has them), no
 * action menu, no loader. Drawing again in a slot finalizes the view drawn there before.
 */
export async function renderChart(element: HTMLElement, spec: Record<string, unknown>, slot = 'chart'): Promise<View> {
  current.get(slot)?.finalize();
  current.delete(slot);
  const result = await embed(element, spec as never, {
    actions: false,
    defaultStyle: false,
    ast: true,
    expr: expressionInterpreter,
    renderer: 'svg',
    loader: noUrlLoader,
    tooltip: { disableDefaultStyle: true, theme: 'custom' },
    config: themeConfig(),
  });
  current.set(slot, result.view);
  return result.view;
}

/** The panel's main chart (its 'chart' slot), for exports; null before the first and after a failed render. */
export function currentView(): View | null {
  return current.get('chart') ?? null;
}

interface SceneNode {
  readonly marktype?: string;
  readonly items?: readonly SceneNode[];
  readonly datum?: Record<string, unknown>;
}

/**
 * Points drawn for metric values (not coverage or alert markers): symbols whose datum is a value
 * of a metric; realized values, or with `source` 'estimated' the label-free estimates.
 */
export function countPoints(view: View, source: 'realized' | 'estimated' = 'realized'): number {
  let count = 0;
  // A mark holds items; a group item holds marks.
  const walk = (mark: SceneNode) => {
    for (const item of mark.items ?? []) {
      if (mark.marktype === 'symbol') {
        const datum = item.datum;
        if (datum !== undefined && 'metric_label' in datum && datum.value !== null && datum.value !== undefined && (datum.source === 'estimated') === (source === 'estimated')) count += 1;
      } else if (mark.marktype === 'group') {
        for (const child of item.items ?? []) walk(child);
      }
    }
  };
  walk((view.scenegraph() as unknown as { root: SceneNode }).root);
  return count;
}

/** Items drawn whose mark type and datum satisfy `accept` (a scenegraph walk, as countPoints does). */
export function countItems(view: View, accept: (marktype: string, datum: Record<string, unknown>) => boolean): number {
  let count = 0;
  const walk = (mark: SceneNode) => {
    for (const item of mark.items ?? []) {
      if (mark.marktype === 'group') {
        for (const child of item.items ?? []) walk(child);
      } else if (mark.marktype !== undefined && item.datum !== undefined && accept(mark.marktype, item.datum)) {
        count += 1;
      }
    }
  };
  walk((view.scenegraph() as unknown as { root: SceneNode }).root);
  return count;
}
