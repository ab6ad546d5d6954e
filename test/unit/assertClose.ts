import * as assert from 'node:assert/strict';

export interface CloseOptions {
  /** Keys left out on both sides (how a query ran, say). */
  readonly ignoreKeys?: readonly string[];
  /** Keys in the same order, as printed JSON has them; else the same set. */
  readonly keyOrder?: boolean;
}

/**
 * Equal, numbers that are not whole to 1e-12 relative (whole and non-finite numbers exactly),
 * through objects, arrays and typed arrays: what two paths that sum in another order (a database
 * server's sums rounded once, SQLite's compensated) must agree to.
 */
export function assertClose(actual: unknown, expected: unknown, path = '$', options: CloseOptions = {}): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isInteger(expected) || !Number.isFinite(expected)) assert.equal(actual, expected, path);
    else assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.abs(expected), `${path}: ${actual} vs ${expected}`);
    return;
  }
  if (ArrayBuffer.isView(expected) && ArrayBuffer.isView(actual)) {
    assertClose(Array.from(actual as unknown as ArrayLike<number>), Array.from(expected as unknown as ArrayLike<number>), path, options);
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    assert.deepEqual(actual, expected, path);
    return;
  }
  assert.ok(actual !== null && typeof actual === 'object', `${path}: not an object`);
  if (Array.isArray(expected)) assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: length`);
  const keys = (value: object) => {
    const kept = Object.keys(value).filter((key) => !(options.ignoreKeys ?? []).includes(key));
    return options.keyOrder === true ? kept : kept.sort();
  };
  assert.deepEqual(keys(actual), keys(expected), `${path}: keys`);
  for (const key of keys(expected)) assertClose((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`, options);
}

/** The double next to x towards +∞ (up) or −∞. */
export function nextDouble(x: number, up: boolean): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x === 0 ? (up ? 1n : 0n) : up ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}
