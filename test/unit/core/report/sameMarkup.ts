import * as assert from 'node:assert/strict';

const NUMBER = /-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/g;

/**
 * The same markup, its numbers (table cells, SVG coordinates) equal to 1e-12 relative: a server's
 * sums are correctly rounded where SQLite's are compensated, so a chart's coordinate may differ in
 * its last digit. Everything else (text, tags, attributes) must be equal character for character.
 */
export function assertSameMarkup(actual: string, expected: string, what: string): void {
  assert.deepEqual(actual.split(NUMBER), expected.split(NUMBER), `${what}: the text around the numbers`);
  const a = actual.match(NUMBER) ?? [];
  const e = expected.match(NUMBER) ?? [];
  assert.equal(a.length, e.length, `${what}: how many numbers`);
  for (let i = 0; i < e.length; i++) {
    const x = Number(a[i]);
    const y = Number(e[i]);
    assert.ok(a[i] === e[i] || Math.abs(x - y) <= 1e-12 * Math.abs(y), `${what}: ${a[i]} where ${e[i]} (number ${i})`);
  }
}
