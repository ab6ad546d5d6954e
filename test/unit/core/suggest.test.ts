import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { PitwallError } from '../../../src/core/errors';
import { editDistance, nearestName, unknownNameError } from '../../../src/core/suggest';

/** The plain Levenshtein distance (Wagner-Fischer, no transpositions): an upper bound of the Damerau-Levenshtein one. */
function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      row[j] = Math.min((d[i - 1] as number[])[j]! + 1, row[j - 1]! + 1, (d[i - 1] as number[])[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return (d[a.length] as number[])[b.length]!;
}

describe('nearest-name suggestions', () => {
  it('counts insertions, deletions, substitutions and transpositions as one edit each', () => {
    assert.equal(editDistance('sumary', 'summary'), 1);
    assert.equal(editDistance('acuracy', 'accuracy'), 1);
    assert.equal(editDistance('alrets', 'alerts'), 1, 'a swapped pair is one edit');
    assert.equal(editDistance('ca', 'abc'), 2, 'unrestricted: a transposed pair may be edited between');
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });

  it('is a metric, never above the plain Levenshtein distance nor below the difference in length', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 8 });
    fc.assert(
      fc.property(word, word, word, (a, b, c) => {
        const ab = editDistance(a, b);
        assert.equal(ab, editDistance(b, a));
        assert.equal(ab === 0, a === b);
        assert.ok(ab <= levenshtein(a, b));
        assert.ok(ab >= Math.abs(a.length - b.length));
        assert.ok(editDistance(a, c) <= ab + editDistance(b, c), 'triangle inequality');
      }),
    );
  });

  it('suggests a close name, a unique extension, and nothing for a name that resembles none', () => {
    const commands = ['summary', 'alerts', 'ack', 'unack', 'rules', 'rule', 'metrics', 'trend'];
    assert.equal(nearestName('sumary', commands), 'summary');
    assert.equal(nearestName('Alerts', commands), 'alerts');
    assert.equal(nearestName('metrcis', commands), 'metrics');
    assert.equal(nearestName('--un', ['--severity', '--unacknowledged', '--limit']), '--unacknowledged');
    assert.equal(nearestName('--unack', ['--severity', '--unacknowledged', '--limit']), '--unacknowledged');
    assert.equal(nearestName('frobnicate', commands), undefined);
    assert.equal(nearestName('-x', ['-h']), undefined, 'two characters are too few to guess from');
    assert.equal(nearestName('summary', commands), undefined, 'a known name needs no suggestion');
  });

  it('makes a one-line input error naming the suggestion and the valid names', () => {
    const error = unknownNameError('metric', 'acuracy', ['accuracy', 'f1', 'ece'], '`pitwall trend`');
    assert.ok(error instanceof PitwallError);
    assert.equal(error.code, 'input');
    assert.equal(error.message, 'unknown metric "acuracy" for `pitwall trend`; did you mean `accuracy`? Valid: accuracy, f1, ece.');
    assert.equal(unknownNameError('model version', 'v9', ['v1.0', 'v1.1']).message, 'unknown model version "v9"; valid: v1.0, v1.1.');
    const many = unknownNameError('feature', 'zzz', Array.from({ length: 40 }, (_, i) => `f${i}`)).message;
    assert.match(many, /f29 … \(10 more\)\.$/);
    assert.ok(!many.includes('\n'));
  });
});
