/**
 * Compiles a chart spec with Vega-Lite and renders it headless with Vega, the way the
 * webview does (expressions through vega-interpreter, since its CSP forbids eval) and the
 * plain way, and fails on any warning or error from either. vega's Node build has a
 * top-level await, so both libraries are loaded with import() rather than require().
 */
import * as assert from 'node:assert/strict';
import type { LoggerInterface } from 'vega';
import type { TopLevelSpec } from 'vega-lite';

export interface RenderedChart {
  /** The compiled Vega spec. */
  readonly vega: Record<string, unknown>;
  readonly svg: string;
  /** Every mark of the scenegraph, depth first. */
  readonly marks: readonly SceneMark[];
}

export interface SceneMark {
  readonly marktype: string;
  readonly role: string;
  readonly name: string | undefined;
  readonly items: readonly SceneItem[];
}

export interface SceneItem {
  readonly datum?: Record<string, unknown>;
  readonly text?: unknown;
  readonly strokeDash?: unknown;
  readonly fill?: unknown;
  readonly stroke?: unknown;
  readonly opacity?: unknown;
  readonly shape?: unknown;
  readonly tooltip?: unknown;
  readonly defined?: boolean;
  readonly x?: number;
  readonly y?: number;
  readonly x2?: number;
  readonly y2?: number;
  readonly width?: number;
  readonly height?: number;
  readonly items?: readonly unknown[];
}

/** A vega-util logger that keeps warnings and errors; Vega calls its methods unbound. */
function collectingLogger(messages: string[]) {
  let current = 2;
  const logger = {
    level(value?: number) {
      if (value === undefined) return current;
      current = value;
      return logger;
    },
    error: (...args: readonly unknown[]) => {
      messages.push(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn: (...args: readonly unknown[]) => {
      messages.push(`warn: ${args.map(String).join(' ')}`);
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger as LoggerInterface;
}

function collectMarks(node: unknown, out: SceneMark[]): void {
  if (node === null || typeof node !== 'object') return;
  const scene = node as { marktype?: string; role?: string; name?: string; items?: unknown[] };
  if (typeof scene.marktype === 'string') {
    out.push({ marktype: scene.marktype, role: scene.role ?? '', name: scene.name, items: (scene.items ?? []) as SceneItem[] });
  }
  for (const item of scene.items ?? []) collectMarks(item, out);
}

export async function renderSpec(spec: TopLevelSpec): Promise<RenderedChart> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const { expressionInterpreter } = await import('vega-interpreter');
  // What the webview receives went through postMessage or JSON; the spec must survive both.
  const sent = JSON.parse(JSON.stringify(spec)) as TopLevelSpec;
  assert.deepEqual(sent, spec, 'the spec is plain JSON data');

  const messages: string[] = [];
  const logger = collectingLogger(messages);
  const compiled = vl.compile(sent, { logger });
  assert.deepEqual(messages, [], 'Vega-Lite compiles the spec without warnings');

  const interpreted = new vega.View(vega.parse(compiled.spec, undefined, { ast: true }), { renderer: 'none', expr: expressionInterpreter, logger });
  const svg = await interpreted.toSVG();
  const plain = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logger });
  assert.equal(await plain.toSVG(), svg, 'vega-interpreter renders what compiled expressions render');
  // A container-width chart listens to window resizes; headless there is no window to listen to.
  const unexpected = messages.filter((message) => message !== 'warn: Can not resolve event source: window');
  assert.deepEqual(unexpected, [], 'Vega renders the spec without warnings');

  const marks: SceneMark[] = [];
  // The typings describe the root group, but scenegraph() returns the Scenegraph holding it.
  collectMarks((interpreted.scenegraph() as unknown as { root: unknown }).root, marks);
  interpreted.finalize();
  plain.finalize();
  return { vega: compiled.spec as Record<string, unknown>, svg, marks };
}

/** The marks of a type in a role: data marks by default, or an axis or legend part. */
export function marksOf(chart: RenderedChart, marktype: string, role = 'mark'): SceneMark[] {
  return chart.marks.filter((mark) => mark.marktype === marktype && mark.role === role);
}

/** Items of every mark of a type: points, bars, rules, text. Lines count one item per vertex. */
export function itemsOf(chart: RenderedChart, marktype: string): SceneItem[] {
  return marksOf(chart, marktype).flatMap((mark) => [...mark.items]);
}

/** Text of every title, subtitle, axis title and label, legend label and text mark. */
export function textsOf(chart: RenderedChart): string[] {
  return chart.marks
    .filter((mark) => mark.marktype === 'text')
    .flatMap((mark) => mark.items.map((item) => item.text))
    .flatMap((text) => (Array.isArray(text) ? text.map(String) : [String(text)]));
}
