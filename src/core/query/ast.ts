/**
 * The syntax tree of PQL. Every node has its span in the query text. The tree is plain data
 * (JSON as it is), so golden tests, the notebook kernel and an editor read the same thing.
 */
import type { QueryError, Span } from './lexer';

export type { QueryError, Span };

export interface Name {
  readonly kind: 'name';
  readonly name: string;
  readonly span: Span;
}

/** `model_version`, `track_temp`, `metadata.region`, `feature.circuit`: dotted names. */
export interface FieldRef {
  readonly kind: 'field';
  readonly path: readonly string[];
  readonly span: Span;
}

export type Literal =
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'number'; readonly value: number; readonly span: Span }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'null'; readonly span: Span }
  /** `15m`: seconds in `seconds`, the text as written in `text`. */
  | { readonly kind: 'duration'; readonly text: string; readonly seconds: number; readonly span: Span }
  /** `2026-10-01`, `2026-10-01T06:00:00Z`: unix seconds in `seconds`. */
  | { readonly kind: 'date'; readonly text: string; readonly seconds: number; readonly span: Span };

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Expr =
  | Literal
  | FieldRef
  | { readonly kind: 'call'; readonly name: Name; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'range'; readonly from: Expr; readonly to: Expr; readonly span: Span }
  | { readonly kind: 'list'; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'not'; readonly operand: Expr; readonly span: Span }
  | { readonly kind: 'logical'; readonly op: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: 'in'; readonly value: Expr; readonly set: Expr; readonly span: Span };

/** `bins=10`, `strategy=mass`: a named argument of a stage. */
export interface Param {
  readonly kind: 'param';
  readonly name: Name;
  readonly value: Expr;
  readonly span: Span;
}

export interface SortKey {
  readonly field: FieldRef;
  readonly descending: boolean;
  readonly span: Span;
}

export type Stage =
  | { readonly kind: 'where'; readonly condition: Expr; readonly span: Span }
  | { readonly kind: 'window'; readonly every: Literal; readonly slide: Literal | null; readonly fill: boolean; readonly span: Span }
  | { readonly kind: 'by'; readonly field: FieldRef; readonly span: Span }
  | { readonly kind: 'metrics'; readonly metrics: readonly Name[]; readonly params: readonly Param[]; readonly span: Span }
  | { readonly kind: 'calibration'; readonly params: readonly Param[]; readonly span: Span }
  | { readonly kind: 'reference'; readonly range: Expr; readonly span: Span }
  | { readonly kind: 'drift'; readonly tests: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'health'; readonly params: readonly Param[]; readonly span: Span }
  | { readonly kind: 'estimate'; readonly span: Span }
  | { readonly kind: 'compare'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: 'take'; readonly count: Expr; readonly span: Span }
  | { readonly kind: 'sort'; readonly keys: readonly SortKey[]; readonly span: Span }
  | { readonly kind: 'select'; readonly fields: readonly FieldRef[]; readonly span: Span }
  | {
      readonly kind: 'alert';
      readonly metric: Name;
      readonly op: CompareOp;
      readonly threshold: Expr;
      readonly for: Literal | null;
      readonly severity: Name;
      readonly span: Span;
    }
  | { readonly kind: 'chart'; readonly chart: Name; readonly span: Span };

export type StageKind = Stage['kind'];

export interface Pipeline {
  readonly kind: 'pipeline';
  readonly source: Name;
  readonly stages: readonly Stage[];
  readonly span: Span;
}

export type Statement =
  | { readonly kind: 'let'; readonly name: Name; readonly pipeline: Pipeline; readonly span: Span }
  | { readonly kind: 'query'; readonly pipeline: Pipeline; readonly span: Span };

export interface Program {
  readonly kind: 'program';
  readonly statements: readonly Statement[];
  readonly span: Span;
}

/** What parsing gives: the statements it could read, and every problem, each with its span. */
export interface ParseResult {
  readonly program: Program;
  readonly errors: readonly QueryError[];
}

export const STAGES: readonly StageKind[] = ['where', 'window', 'by', 'metrics', 'calibration', 'reference', 'drift', 'health', 'estimate', 'compare', 'take', 'sort', 'select', 'alert', 'chart'];
export const SOURCES = ['predictions', 'alerts', 'rules', 'health'] as const;
