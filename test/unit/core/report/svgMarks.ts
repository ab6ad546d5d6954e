/**
 * The data marks of an inline SVG as Vega writes it: each `<g class="mark-TYPE role-mark NAME">`
 * group and how many items (elements) it holds, so a test can count a chart's points and bars in
 * the HTML itself.
 */
export interface SvgMark {
  readonly type: string;
  readonly name: string;
  readonly items: number;
}

export function svgMarks(svg: string): SvgMark[] {
  const marks: SvgMark[] = [];
  const open = /<g class="mark-(\w+) role-mark ?([^"]*)"[^>]*>/g;
  let match: RegExpExecArray | null;
  while ((match = open.exec(svg)) !== null) {
    let depth = 1;
    let items = 0;
    const tag = /<(\/?)(g|path|line|text|rect|circle)\b[^>]*?(\/?)>/g;
    tag.lastIndex = open.lastIndex;
    let t: RegExpExecArray | null;
    while (depth > 0 && (t = tag.exec(svg)) !== null) {
      if (t[2] === 'g') depth += t[1] === '/' ? -1 : t[3] === '/' ? 0 : 1;
      // An item is an element directly in the mark's group (a text item is one <text>…</text>).
      else if (depth === 1 && t[1] !== '/') items++;
    }
    marks.push({ type: match[1] as string, name: (match[2] as string).trim(), items });
  }
  return marks;
}

/** The SVG elements of an HTML page, in order. */
export function svgsOf(html: string): string[] {
  return [...html.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}
