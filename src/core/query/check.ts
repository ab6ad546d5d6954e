/**
 * What an editor or a notebook asks before running a query: its problems, each located, checked
 * against the open source's names when the source is known. One parse and one plan, no data read
 * beyond the schema (which a caller reads once per source and keeps).
 */
import { readSegmentNames } from '../analytics/segmentNames';
import type { StoreReader } from '../store/store';
import type { Pipeline } from './ast';
import type { QueryError } from './lexer';
import { parseQuery } from './parser';
import { planProgram, type SourceSchema } from './plan';

/** The names a source's queries may use: features and metadata keys (from a sample of predictions), model versions, rule ids. */
export async function readSourceSchema(store: StoreReader): Promise<SourceSchema> {
  const [features, metadata, versions, rules] = await Promise.all([readSegmentNames(store, 'feature'), readSegmentNames(store, 'metadata'), store.readModelVersions(), store.readRules()]);
  return { features, metadata, versions: [...versions], rules: rules.map((rule) => rule.rule_id) };
}

/** Every problem of a query text: parse errors, or else those of its plans; none means it would run. */
export function checkQuery(text: string, options: { readonly now: number; readonly schema?: SourceSchema; readonly lets?: ReadonlyMap<string, Pipeline> }): readonly QueryError[] {
  const parsed = parseQuery(text);
  if (parsed.errors.length > 0) return parsed.errors;
  // A copy: checking must not define names for the cells that run after it.
  return planProgram(parsed.program, options.now, options.schema, new Map(options.lets ?? [])).errors;
}
