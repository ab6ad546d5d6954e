import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { PyFloat, toPythonJson, type PyJson } from '../../../../../src/core/model/pythonJson';
import { parseJsonAsPython, pythonJsonText, pythonReadingOf } from '../../../../../src/core/store/migration/pythonJsonText';
import { pythonPath } from '../sqlite/writerSupport';

/** Values as Python's json module holds them: floats marked, ints of any size, dicts in insertion order. */
const pythonValue: fc.Arbitrary<PyJson> = fc.letrec<{ value: PyJson }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => new PyFloat(n)),
    fc.integer({ min: -100, max: 100 }).map((n) => new PyFloat(n)),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.nat({ max: 50 }).map(String)), tie('value')), { maxLength: 4 })
      .map((entries) => new Map(entries)),
  ),
})).value;

describe('pythonJsonText', function () {
  it('reads a line again only when JSON.parse could lose what Python keeps, and then reads it as Python does', function () {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 6 }), pythonValue), { maxLength: 5 }), (entries) => {
        // A line as the Python system writes it: json.dumps of a dict.
        const line = toPythonJson(new Map(entries));
        const reading = pythonReadingOf(line);
        if (reading === undefined) assert.equal(toPythonJson(JSON.parse(line) as PyJson), line);
        else assert.equal(toPythonJson(reading), line);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses any JSON JSON.parse takes, to the value json.loads gives', function () {
    const texts = [
      '{"a": 1.0, "b": [1, 2.5, -0.0, 1e400, 12345678901234567890], "c": {"2": 0, "1": 1, "2": 3}}',
      '  [ true , false , null , "\\u00e9\\ud83d\\ude00\\"" , {} , [] ]  ',
      '-12',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
    ];
    const python = spawnSync(pythonPath, ['-c', 'import json,sys\nfor line in sys.stdin: print(json.dumps(json.loads(line)))'], {
      // Python itself cannot read the deepest one (RecursionError); JSON.parse can, and so must this.
      input: texts.slice(0, 3).join('\n'),
      encoding: 'utf8',
    });
    assert.equal(python.status, 0, python.stderr);
    const expected = python.stdout.trim().split('\n');
    texts.slice(0, 3).forEach((text, index) => assert.equal(toPythonJson(parseJsonAsPython(text)), expected[index]));
    let deepest = parseJsonAsPython(texts[3] as string);
    for (let depth = 1; depth < 5000; depth++) deepest = (deepest as PyJson[])[0] as PyJson;
    assert.deepEqual(deepest, []);
  });

  it('takes a free-form field from Python\'s reading when there is one, and reads JSON text as JSON', function () {
    const exact = parseJsonAsPython('{"features": {"t": 31.0}, "stats": "{\\"mean\\": 2.0}"}');
    assert.equal(pythonJsonText({ t: 31 }, exact, 'features'), '{"t": 31.0}');
    assert.equal(pythonJsonText({ mean: 2 }, exact, 'stats'), '{"mean": 2.0}');
    assert.equal(pythonJsonText({ t: 31 }, undefined, 'features'), '{"t": 31}');
  });
});
