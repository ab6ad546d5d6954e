interface SceneNode {
  readonly marktype?: string;
  readonly items?: readonly SceneNode[];
  readonly datum?: Record<string, unknown>;
}

/** Items of one mark type in a rendered view whose datum passes `keep`: what the chart drew. */
export function countMarks(view: { scenegraph(): unknown }, marktype: string, keep: (datum: Record<string, unknown>) => boolean): number {
  let count = 0;
  // A mark holds items; a group item holds marks.
  const walk = (mark: SceneNode) => {
    for (const item of mark.items ?? []) {
      if (mark.marktype === marktype) {
        if (item.datum !== undefined && keep(item.datum)) count += 1;
      } else if (mark.marktype === 'group') {
        for (const child of item.items ?? []) walk(child);
      }
    }
  };
  walk((view.scenegraph() as { root: SceneNode }).root);
  return count;
}
