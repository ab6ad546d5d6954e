import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  PyFloat,
  type PyJson,
  formatPythonFloat,
  formatPythonInt,
  pyFloat,
  quotePythonString,
  toPythonJson,
} from '../../../../src/core/model/pythonJson';

const SAMPLES = join(__dirname, '../../../fixtures/formats/jsonl');

/**
 * Re-types a `JSON.parse` result the way Python read it: every number whose source token has a
 * fraction or an exponent becomes a PyFloat. Number tokens are matched to values in document order.
 */
function markFloatsFromSource(text: string): PyJson {
  const tokens = [...text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)]
    .map((match) => match[0])
    .filter((token) => !token.startsWith('"'));
  let next = 0;
  const mark = (value: unknown): PyJson => {
    if (typeof value === 'number') {
      const token = tokens[next++];
      assert.ok(token !== undefined, 'more numbers than number tokens');
      return /[.eE]/.test(token) ? pyFloat(value) : value;
    }
    if (Array.isArray(value)) return value.map(mark);
    if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      assert.ok(!keys.some((key) => /^\d+$/.test(key)), 'integer-like keys would be reordered');
      return Object.fromEntries(keys.map((key) => [key, mark((value as Record<string, unknown>)[key])]));
    }
    return value as PyJson;
  };
  const marked = mark(JSON.parse(text));
  assert.equal(next, tokens.length, 'every number token was consumed');
  return marked;
}

function doubleToHex(n: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  return [...new Uint8Array(view.buffer)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

describe('pythonJson', () => {
  describe('formatPythonFloat', () => {
    // Expected strings are Python 3.11's json.dumps(x) for each value.
    const known: Array<[number, string]> = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1, '1.0'],
      [1790856000, '1790856000.0'],
      [1790814189.1212647, '1790814189.1212647'],
      [0.1, '0.1'],
      [1e-5, '1e-05'],
      [-1e-5, '-1e-05'],
      [0.0001, '0.0001'],
      [0.00012345, '0.00012345'],
      [2.5e-7, '2.5e-07'],
      [1.23e-18, '1.23e-18'],
      [1.5e16, '1.5e+16'],
      [1e16, '1e+16'],
      [9999999999999998, '9999999999999998.0'],
      [2 ** 53, '9007199254740992.0'],
      [1e15, '1000000000000000.0'],
      [1e22, '1e+22'],
      [1e100, '1e+100'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
      [123456789012345.67, '123456789012345.67'],
      [0.44271699999999997, '0.44271699999999997'],
      [1 / 3, '0.3333333333333333'],
      [0.1 + 0.2, '0.30000000000000004'],
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
    ];
    for (const [value, expected] of known) {
      it(`writes ${expected} as Python does`, () => {
        assert.equal(formatPythonFloat(value), expected);
      });
    }

    it('agrees with the real python3 repr on thousands of random doubles', function () {
      const values = fc.sample(fc.double({ noNaN: true }), { numRuns: 3000, seed: 7 });
      values.push(...fc.sample(fc.double({ min: 1e-6, max: 1e18, noNaN: true }), { numRuns: 2000, seed: 11 }));
      const script =
        'import sys, struct, json\n' +
        'for line in sys.stdin:\n' +
        '    print(json.dumps(struct.unpack(">d", bytes.fromhex(line.strip()))[0]))\n';
      const python = spawnSync('python3', ['-c', script], { input: values.map(doubleToHex).join('\n') + '\n', encoding: 'utf8' });
      if (python.error) this.skip();
      assert.equal(python.status, 0, python.stderr);
      const expected = python.stdout.trimEnd().split('\n');
      assert.equal(expected.length, values.length);
      values.forEach((value, index) => assert.equal(formatPythonFloat(value), expected[index], `for ${value}`));
    });
  });

  describe('ints', () => {
    it('prints integral plain numbers as Python ints, never in exponent form', () => {
      assert.equal(formatPythonInt(0), '0');
      assert.equal(formatPythonInt(-0), '0');
      assert.equal(formatPythonInt(-7), '-7');
      assert.equal(formatPythonInt(1e21), '1000000000000000000000');
      assert.equal(formatPythonInt(12345678901234567890n), '12345678901234567890');
      assert.equal(toPythonJson(1e21), '1000000000000000000000');
      assert.equal(toPythonJson(0.5), '0.5');
      assert.equal(toPythonJson(NaN), 'NaN');
    });
  });

  describe('strings', () => {
    it('escapes like ensure_ascii=True', () => {
      // json.dumps("é😀\n\t\"\\\x00\x1f\x7f/<>&\u2028")
      assert.equal(
        quotePythonString('é😀\n\t"\\\x00\x1f\x7f/<>&\u2028'),
        '"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\u0000\\u001f\\u007f/<>&\\u2028"',
      );
      assert.equal(quotePythonString('\b\f\r'), '"\\b\\f\\r"');
      assert.equal(quotePythonString('plain text'), '"plain text"');
    });
  });

  describe('toPythonJson', () => {
    it('matches json.dumps with default separators', () => {
      const value: PyJson = {
        nested: { list: [1, [2, [pyFloat(3.5), {}]], { k: null }], s: 'a\u00ffb\u{1F3CE}\ufeff' },
        x: pyFloat(-0),
      };
      assert.equal(
        toPythonJson(value),
        '{"nested": {"list": [1, [2, [3.5, {}]], {"k": null}], "s": "a\\u00ffb\\ud83c\\udfce\\ufeff"}, "x": -0.0}',
      );
      assert.equal(
        toPythonJson({ a: [1, pyFloat(2), 'é'], b: {}, c: [], d: null, e: true, f: false }),
        '{"a": [1, 2.0, "\\u00e9"], "b": {}, "c": [], "d": null, "e": true, "f": false}',
      );
    });

    it('matches json.dumps(indent=2), including empty containers', () => {
      const expected = [
        '{',
        '  "a": [',
        '    1,',
        '    2.0,',
        '    "\\u00e9"',
        '  ],',
        '  "b": {},',
        '  "c": [],',
        '  "d": null,',
        '  "e": {',
        '    "x": [',
        '      {},',
        '      [],',
        '      [',
        '        1',
        '      ]',
        '    ]',
        '  }',
        '}',
      ].join('\n');
      const value: PyJson = { a: [1, pyFloat(2), 'é'], b: {}, c: [], d: null, e: { x: [{}, [], [1]] } };
      assert.equal(toPythonJson(value, { indent: 2 }), expected);
      assert.equal(toPythonJson([], { indent: 2 }), '[]');
      assert.equal(toPythonJson({}, { indent: 2 }), '{}');
    });

    it('matches json.dumps(indent=4) on exponent-form floats', () => {
      const value = { alert: [1e-5, 1.5e16, 1e16, 0.1 + 0.2, 100, 2 ** 53, 1e15].map(pyFloat) };
      assert.equal(
        toPythonJson(value, { indent: 4 }),
        '{\n    "alert": [\n        1e-05,\n        1.5e+16,\n        1e+16,\n        0.30000000000000004,\n' +
          '        100.0,\n        9007199254740992.0,\n        1000000000000000.0\n    ]\n}',
      );
    });

    it('keeps insertion order of Map keys, even integer-like ones', () => {
      assert.equal(toPythonJson(new Map<string, PyJson>([['b', 1], ['2', 2]])), '{"b": 1, "2": 2}');
    });

    it('refuses values Python could not have written', () => {
      assert.throws(() => toPythonJson(undefined as unknown as PyJson), /not JSON serializable/);
      assert.throws(() => toPythonJson({ when: new Date(0) } as unknown as PyJson), /Date is not JSON serializable/);
      const loop: PyJson[] = [];
      loop.push(loop);
      assert.throws(() => toPythonJson(loop), /Circular reference/);
    });

    it('treats a PyFloat as a float wherever it appears', () => {
      assert.ok(pyFloat(1) instanceof PyFloat);
      assert.equal(toPythonJson([pyFloat(1), 1]), '[1.0, 1]');
    });
  });

  describe('byte equality with the Python system samples', () => {
    for (const file of ['predictions.jsonl', 'health_snapshots.jsonl', 'alerts.jsonl']) {
      it(`re-serializes every line of ${file} to the identical bytes`, () => {
        const lines = readFileSync(join(SAMPLES, file), 'utf8').split('\n');
        assert.equal(lines.pop(), '', 'file ends with a newline');
        assert.ok(lines.length > 0);
        for (const [index, line] of lines.entries()) {
          assert.equal(toPythonJson(markFloatsFromSource(line)), line, `${file} line ${index + 1}`);
        }
      });
    }

    it('re-serializes alert_rules.json (indent=2, no trailing newline) to the identical bytes', () => {
      const text = readFileSync(join(SAMPLES, 'alert_rules.json'), 'utf8');
      assert.equal(toPythonJson(markFloatsFromSource(text), { indent: 2 }), text);
    });
  });
});
