import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { acknowledgeAlertLine } from '../../../../../src/core/store/jsonl/alertLine';
import { arraySpans, objectSpans } from '../../../../../src/core/store/jsonl/jsonSpans';

describe('JSON spans', function () {
  it('finds each member of an object, whatever its values hold', function () {
    const text = '\ufeff { "a" : "x\\"}]," , "b\\u0062":[1,{"c":"]"}], "d":-1.5e3,"e":null}  ';
    const { items, close } = objectSpans(text);
    assert.deepEqual(
      items.map((member) => [member.key, text.slice(member.value.start, member.value.end)]),
      [
        ['a', '"x\\"}],"'],
        ['bb', '[1,{"c":"]"}]'],
        ['d', '-1.5e3'],
        ['e', 'null'],
      ],
    );
    assert.equal(text[close], '}');
  });

  it('finds each element of an array, and none of an empty one', function () {
    const text = '[\n  {"a": [1, 2]},\n  "s",\n  3\n]';
    assert.deepEqual(
      arraySpans(text).items.map((span) => text.slice(span.start, span.end)),
      ['{"a": [1, 2]}', '"s"', '3'],
    );
    assert.deepEqual(arraySpans(' [ ] ').items, []);
  });

  it('agrees with JSON.parse on the members of any object', function () {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (object, spaced) => {
        const text = JSON.stringify(object, null, spaced ? 1 : undefined);
        const { items } = objectSpans(text);
        assert.deepEqual(
          items.map((member) => [member.key, JSON.parse(text.slice(member.value.start, member.value.end)) as unknown]),
          Object.entries(JSON.parse(text) as Record<string, unknown>),
        );
      }),
    );
  });
});

describe('acknowledgeAlertLine', function () {
  it('replaces the three values where they stand and keeps every other character', function () {
    const line =
      '{"timestamp": 1.0, "alert_id": "a", "acknowledged": false, "x": {"acknowledged": false}, "acknowledged_at": null, "acknowledged_by": null, "note": 1.50}';
    assert.equal(
      acknowledgeAlertLine(line, 1792000000.5, 'Zoë'),
      '{"timestamp": 1.0, "alert_id": "a", "acknowledged": true, "x": {"acknowledged": false}, "acknowledged_at": 1792000000.5, "acknowledged_by": "Zo\\u00eb", "note": 1.50}',
    );
  });

  it('adds the fields a line lacks at its end, and replaces every copy of a repeated one', function () {
    assert.equal(
      acknowledgeAlertLine('{"alert_id":"a","acknowledged":false,"acknowledged":0}', 1792000000, null),
      '{"alert_id":"a","acknowledged":true,"acknowledged":true, "acknowledged_at": 1792000000.0, "acknowledged_by": null}',
    );
  });

  it('finds a key spelled with escapes, as JSON.parse does', function () {
    const edited = acknowledgeAlertLine('{"acknowledged\\u005fby": "old", "acknowledged": false, "acknowledged_at": null}', 1, 'new');
    assert.deepEqual(JSON.parse(edited), { acknowledged_by: 'new', acknowledged: true, acknowledged_at: 1 });
  });
});
