import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Database, SqlValue } from 'sql.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, toSqlAlchemyText } from '../../../../../src/core/model/timestamps';
import type { TableShape } from '../../../../../src/core/store/sqlite/queries';
import { parseRow } from '../../../../../src/core/store/sqlite/rowAudit';
import {
  allTables,
  columnPath,
  encodeValue,
  quoteIdentifier,
  RULE_FIELDS_IN_CONDITIONS,
  rulesTable,
  suspectRowSql,
  predictionsTable,
  type FieldKind,
  type TableSpec,
} from '../../../../../src/core/store/sqlite/rows';
import { sqliteTables } from '../../../../../src/core/store/sqlite/schema';
import { loadSqlJs } from '../../../../../src/core/store/sqlite/sqlJs';

function wholeShape(spec: TableSpec): TableShape {
  return { spec, present: true, columns: new Set(['id', ...spec.fields.map((f) => f.column)]), fields: spec.fields, nullFields: [] };
}

const hostile: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', 'null', 'true', '{}', '[]', '1e400', 'NaN', '{"a": 1e400}', 'not json', 2 ** 53 + 2, -1, 2.5, Infinity, -Infinity),
  fc.uint8Array({ maxLength: 3 }),
);

const canonicalTime = fc.integer({ min: Math.ceil(MIN_TIMESTAMP / 1000), max: Math.floor(MAX_TIMESTAMP / 1000) }).chain((ms) =>
  fc.integer({ min: 0, max: 999 }).map((micros) => toSqlAlchemyText(ms + micros / 1e6)),
);

const timeText: fc.Arbitrary<SqlValue> = fc.oneof(
  canonicalTime,
  // One character changed anywhere.
  fc.tuple(canonicalTime, fc.nat(25), fc.constantFrom('0', '9', '3', '-', ' ', ':', '.', 'T', 'Z', 'x', '\u00e9')).map(
    ([text, at, char]) => text.slice(0, at) + char + text.slice(at + 1),
  ),
  fc.constantFrom(
    '2026-02-30 00:00:00.000000',
    '2026-02-29 00:00:00.000000',
    '2024-02-29 00:00:00.000000',
    '2026-10-01 24:00:00.000000',
    '2026-10-01 23:60:00.000000',
    '2026-10-01 23:59:60.000000',
    '2026-13-01 00:00:00.000000',
    '0000-01-01 00:00:00.000000',
    '9999-12-31 23:59:59.500000',
    '9999-12-31 23:59:59.000000',
    '2026-10-01 00:00:00.1234Z ',
    '2026-10-01 00:00:00.12345 ',
    '2026-10-01 00:00:00',
    '2026-10-01T00:00:00.000000',
    '2026-10-01 00:00:00.000000+01:00',
    '2026-10-01',
  ),
  fc.double({ min: -1e12, max: 1e12 }),
  hostile,
);

const scalarJson = fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null));
const jsonText: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 5 }), scalarJson, { maxKeys: 4 }).map((o) => JSON.stringify(o)),
  fc
    .dictionary(fc.string({ maxLength: 5 }), fc.oneof(scalarJson, fc.array(scalarJson, { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), scalarJson, { maxKeys: 2 })), {
      maxKeys: 3,
    })
    .map((o) => JSON.stringify(o)),
  fc.json({ maxDepth: 3 }),
  fc.nat(80).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.nat(80).map((depth) => `${'{"a": '.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constantFrom(' {"a": 1}', '{"a": [1]}', '{"a": "[x]"}', '{"a": "{"}', '{"a": 1,}', "{'a': 1}", '{"a": NaN}'),
  hostile,
);

function valuesOf(kind: FieldKind): fc.Arbitrary<SqlValue> {
  if (typeof kind === 'object') return fc.oneof(fc.constantFrom(...kind.oneOf, 'INFO', 'Warning', ` ${kind.oneOf[0] ?? ''}`), hostile);
  switch (kind) {
    case 'timestamp':
      return timeText;
    case 'number':
    case 'fraction':
    case 'count':
      return fc.oneof(fc.double(), fc.integer(), fc.double({ min: 0, max: 1 }), hostile);
    case 'binary':
    case 'flag':
      return fc.oneof(fc.constantFrom(0, 1, 2, -1, 0.5, 1.0, '1', '0', 'true'), hostile);
    case 'text':
    case 'name':
      return fc.oneof(fc.string({ maxLength: 6 }), hostile);
    case 'features':
    case 'object':
    case 'json':
    case 'channels':
    case 'conditions':
      return jsonText;
  }
}

/** A value the schema accepts, so that a row's other values decide. */
function validValue(kind: FieldKind): SqlValue {
  if (typeof kind === 'object') return kind.oneOf[0] ?? null;
  switch (kind) {
    case 'timestamp':
      return '2026-10-01 00:00:00.000000';
    case 'number':
    case 'fraction':
      return 0.5;
    case 'count':
      return 3;
    case 'binary':
    case 'flag':
      return 1;
    case 'text':
    case 'name':
      return 'x';
    case 'features':
    case 'object':
    case 'conditions':
      return '{"a": 1}';
    case 'json':
      return '{"a": [1]}';
    case 'channels':
      return '["console"]';
  }
}

/** Mostly valid values, so that one bad value is usually all that is wrong with a row. */
function rowOf(spec: TableSpec): fc.Arbitrary<SqlValue[]> {
  return fc.tuple(
    ...spec.fields.map((f) =>
      fc.oneof({ arbitrary: fc.constant(validValue(f.kind)), weight: 4 }, { arbitrary: valuesOf(f.kind), weight: 1 }),
    ),
  );
}

describe('SQLite rows', function () {
  let db: Database;

  before(async function () {
    const sql = await loadSqlJs();
    db = new sql.Database();
    // The schema's column types (their affinities convert what is stored) without NOT NULL, as an older schema may be.
    for (const table of sqliteTables) {
      const columns = table.columns.filter((c) => c.name !== 'id').map((c) => `${c.name} ${c.definition.replace(/ NOT NULL| DEFAULT .*/g, '')}`);
      db.exec(`CREATE TABLE ${table.name} (id INTEGER PRIMARY KEY, ${columns.join(', ')})`);
    }
  });
  after(function () {
    db.close();
  });

  it('map every field of every record to a column of the schema', function () {
    for (const spec of allTables) {
      const extra = spec === rulesTable ? [...RULE_FIELDS_IN_CONDITIONS] : [];
      assert.deepEqual([...spec.fields.map((f) => f.field), ...extra].sort(), [...spec.record.keys].sort(), spec.table);
      const columns = sqliteTables.find((table) => table.name === spec.table)?.columns.map((c) => c.name) ?? [];
      for (const f of spec.fields) assert.ok(columns.includes(f.column), `${spec.table}.${f.column}`);
    }
    assert.equal(columnPath(predictionsTable, 'metadata.source'), 'extra_metadata.source');
    assert.equal(columnPath(rulesTable, 'for_minutes'), 'conditions.for_minutes');
  });

  // The audit's promise: a row the schema refuses (or whose times it reads from other text than
  // SQLAlchemy's) is always among the rows SQL calls suspect, so only suspects need the schema.
  for (const spec of allTables) {
    it(`mark every ${spec.table} row the schema refuses as suspect, whatever the stored values`, function () {
      const table = quoteIdentifier(spec.table);
      const columns = spec.fields.map((f) => f.column);
      const insert = `INSERT INTO ${table} (${columns.map(quoteIdentifier).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
      const suspectSql = `SELECT id FROM ${table} WHERE ${suspectRowSql(spec, () => true)}`;
      const selectSql = `SELECT id, ${columns.map(quoteIdentifier).join(', ')} FROM ${table}`;
      const shape = wholeShape(spec);
      const row = rowOf(spec);
      fc.assert(
        fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), (rows) => {
          db.exec(`DELETE FROM ${table}`);
          for (const values of rows) db.run(insert, values);
          const suspects = new Set(db.exec(suspectSql)[0]?.values.map((r) => Number(r[0])) ?? []);
          for (const stored of db.exec(selectSql)[0]?.values ?? []) {
            const parsed = parseRow(shape, stored);
            const oddTime = parsed.ok && Object.values(parsed.layout.timestamps).some((encoding) => encoding !== 'sqlalchemy-text');
            // Numbers beyond a double's range (1e400) are JSON to SQLite and Infinity to JavaScript: the read reports those.
            const overflow = stored.some((value) => typeof value === 'string' && /\d[eE]\+?\d{3}/.test(value));
            if ((!parsed.ok || oddTime) && !overflow) {
              assert.ok(suspects.has(Number(stored[0])), `not suspect: ${JSON.stringify(stored)} (${parsed.ok ? 'odd time' : JSON.stringify(parsed.issues)})`);
            }
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('encode values as the database holds them', function () {
    assert.equal(encodeValue('timestamp', 1790814189.121265), '2026-10-01 00:23:09.121265');
    assert.equal(encodeValue('flag', true), 1);
    assert.equal(encodeValue('flag', false), 0);
    const features = { grid_position: 11, track_temp: 28.652, circuit: 'interlagos' };
    assert.equal(encodeValue('features', features), '{"grid_position": 11, "track_temp": 28.652, "circuit": "interlagos"}');
    assert.equal(encodeValue('channels', ['console', 'file']), '["console", "file"]');
    assert.equal(encodeValue('conditions', { min_value: 0, max_value: 1.5, note: 2 }), '{"min_value": 0.0, "max_value": 1.5, "note": 2}');
    assert.equal(encodeValue('json', null), null);
    assert.equal(encodeValue({ oneOf: ['a'] }, 'a'), 'a');
  });
});
