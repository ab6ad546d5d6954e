/**
 * "Did you mean …?" for a name the user mistyped: a command, an option, a metric, a feature,
 * a model version or a rule id. One edit distance and one rule for when a name is close
 * enough to suggest, so every such error reads alike.
 */
import { PitwallError } from './errors';
import { messages } from './messages';

/**
 * The Damerau-Levenshtein distance (Lowrance-Wagner): insertions, deletions, substitutions and
 * transpositions of two characters each cost 1, and a transposed pair may also be edited
 * around ("ca" → "abc" is 2). Compared by UTF-16 code unit.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 2;
  const columns = b.length + 2;
  const infinity = a.length + b.length;
  const d = new Array<number>(rows * columns).fill(0);
  const at = (i: number, j: number) => i * columns + j;
  d[at(0, 0)] = infinity;
  for (let i = 0; i <= a.length; i++) {
    d[at(i + 1, 0)] = infinity;
    d[at(i + 1, 1)] = i;
  }
  for (let j = 0; j <= b.length; j++) {
    d[at(0, j + 1)] = infinity;
    d[at(1, j + 1)] = j;
  }
  // The last row in which each character of a was seen.
  const lastRow = new Map<string, number>();
  for (let i = 1; i <= a.length; i++) {
    let lastMatchColumn = 0;
    for (let j = 1; j <= b.length; j++) {
      const k = lastRow.get(b[j - 1] as string) ?? 0;
      const l = lastMatchColumn;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      if (cost === 0) lastMatchColumn = j;
      d[at(i + 1, j + 1)] = Math.min(
        (d[at(i, j)] as number) + cost,
        (d[at(i + 1, j)] as number) + 1,
        (d[at(i, j + 1)] as number) + 1,
        (d[at(k, l)] as number) + (i - k - 1) + 1 + (j - l - 1),
      );
    }
    lastRow.set(a[i - 1] as string, i);
  }
  return d[at(a.length + 1, b.length + 1)] as number;
}

/** The most edits a name of this length may be from a known one and still be suggested (none below three characters: "-x" is not a typo of "-h"). */
function closeEnough(length: number): number {
  return length < 3 ? 0 : Math.max(1, Math.floor(length / 3));
}

/**
 * The known name nearest to `given`, when it is close: within a third of its length in edits
 * (ignoring case), or the only known name that starts with it. Undefined when nothing is close,
 * so that a guess is never offered for a name that resembles nothing.
 */
export function nearestName(given: string, known: readonly string[]): string | undefined {
  if (given === '' || known.includes(given)) return undefined;
  const lower = given.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  if (best !== undefined && best.distance <= closeEnough(given.length)) return best.name;
  const extending = known.filter((name) => name.toLowerCase().startsWith(lower));
  return extending.length === 1 ? extending[0] : undefined;
}

/**
 * The input error for a name that is not among the known ones: what was given, the nearest
 * known name when one is close, and the known names, in one line. `what` is the kind of thing
 * ("command", "option", "metric", "model version"); `where`, if given, what it was given to.
 */
export function unknownNameError(what: string, given: string, known: readonly string[], where?: string): PitwallError {
  return new PitwallError('input', messages.unknownName(what, given, nearestName(given, known), known, where));
}
