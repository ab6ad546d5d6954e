import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import {
  formatTimestamp,
  MAX_TIMESTAMP,
  MIN_TIMESTAMP,
  parseTimestamp,
  toIsoText,
  toSqlAlchemyText,
} from '../../../../src/core/model/timestamps';

function seconds(value: unknown): number {
  const parsed = parseTimestamp(value);
  assert.ok(parsed.ok, `expected ${String(value)} to parse`);
  return parsed.seconds;
}

function encoding(value: unknown): string {
  const parsed = parseTimestamp(value);
  assert.ok(parsed.ok, `expected ${String(value)} to parse`);
  return parsed.encoding;
}

function refusal(value: unknown): string {
  const parsed = parseTimestamp(value);
  assert.ok(!parsed.ok, `expected ${String(value)} to be refused`);
  return parsed.reason;
}

/** Runs Python's own datetime on each input line; undefined when python3 is not installed. */
function python(script: string, lines: readonly string[]): string[] | undefined {
  const result = spawnSync('python3', ['-c', script], { input: lines.join('\n'), encoding: 'utf8' });
  if (result.error !== undefined) return undefined;
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim().split('\n');
}

describe('timestamps', function () {
  describe('parseTimestamp', function () {
    it('keeps a unix float bit for bit and says it was unix seconds', function () {
      assert.equal(seconds(1790814189.1212647), 1790814189.1212647);
      assert.equal(encoding(1790814189.1212647), 'unix-seconds');
      assert.equal(seconds(0), 0);
    });

    it('reads SQLAlchemy text, with and without microseconds, as UTC', function () {
      assert.equal(seconds('2026-10-01 00:23:09.121265'), 1790814189.121265);
      assert.equal(encoding('2026-10-01 00:23:09.121265'), 'sqlalchemy-text');
      assert.equal(seconds('2026-11-26 14:50:38'), 1795704638);
      assert.equal(encoding('2026-11-26 14:50:38'), 'sqlalchemy-text');
    });

    it('reads ISO 8601 with Z, with offsets in every spelling, and without an offset as UTC', function () {
      const noon = 1790856000;
      assert.equal(seconds('2026-10-01T12:00:00Z'), noon);
      assert.equal(seconds('2026-10-01T12:00:00z'), noon);
      assert.equal(seconds('2026-10-01T12:00:00'), noon);
      assert.equal(seconds('2026-10-01T14:00:00+02:00'), noon);
      assert.equal(seconds('2026-10-01T14:00:00+0200'), noon);
      assert.equal(seconds('2026-10-01T14:00:00+02'), noon);
      assert.equal(seconds('2026-10-01T06:30:00-05:30'), noon);
      assert.equal(seconds('2026-10-01 12:00:00+00:00'), noon);
      assert.equal(seconds('2026-10-01T12:00'), noon);
      assert.equal(seconds('2026-10-01'), noon - 12 * 3600);
      assert.equal(seconds('2026-10-01T12:00:00,5Z'), noon + 0.5);
      for (const text of ['2026-10-01T12:00:00Z', '2026-10-01 12:00:00+00:00', '2026-10-01', '2026-10-01 12:00:00.5']) {
        assert.equal(encoding(text), 'iso-8601', text);
      }
    });

    it('rounds digits past the microsecond to the microsecond', function () {
      assert.equal(seconds('2026-10-01T12:00:00.1234564Z'), 1790856000.123456);
      assert.equal(seconds('2026-10-01T12:00:00.9999996Z'), 1790856001);
    });

    it('handles leap days and the ends of the supported range', function () {
      assert.equal(seconds('2024-02-29 00:00:00'), 1709164800);
      assert.equal(seconds('0001-01-01 00:00:00'), MIN_TIMESTAMP);
      assert.equal(seconds('9999-12-31 23:59:59'), MAX_TIMESTAMP);
      assert.equal(seconds('1969-12-31 23:59:59.5'), -0.5);
    });

    it('refuses impossible dates and times, saying what it accepts', function () {
      for (const text of [
        '2026-02-30',
        '2025-02-29',
        '2026-13-01',
        '2026-10-01 24:00:00',
        '2026-10-01 12:60:00',
        '2026-10-01 12:00:60',
        '0000-01-01',
        '2026-10-01T12:00:00+24:00',
      ]) {
        assert.match(refusal(text), /must be a timestamp/, text);
      }
      for (const text of ['yesterday', '', '1790814189', '2026-10-01T12:00:00 Z', ' 2026-10-01']) {
        assert.match(refusal(text), /must be a timestamp \(unix seconds, ISO 8601/, text);
      }
    });

    it('refuses non-finite numbers, other types and times outside the years 1 to 9999', function () {
      assert.match(refusal(NaN), /finite number, not NaN/);
      assert.match(refusal(Infinity), /finite number, not Infinity/);
      assert.match(refusal(true), /not true/);
      assert.match(refusal(null), /not null/);
      assert.match(refusal({}), /not an object/);
      assert.match(refusal(1e300), /between the years 1 and 9999/);
      assert.match(refusal(MIN_TIMESTAMP - 1), /between the years 1 and 9999/);
      assert.match(refusal('0001-01-01T00:00:00+01:00'), /between the years 1 and 9999/);
    });
  });

  describe('formatting', function () {
    it('writes SQLAlchemy text and ISO text for the sample timestamps', function () {
      assert.equal(toSqlAlchemyText(1790814189.1212647), '2026-10-01 00:23:09.121265');
      assert.equal(toSqlAlchemyText(1790856000), '2026-10-01 12:00:00.000000');
      assert.equal(toIsoText(1790856000), '2026-10-01T12:00:00+00:00');
      assert.equal(toIsoText(1790814189.1212647), '2026-10-01T00:23:09.121265+00:00');
      assert.equal(toSqlAlchemyText(-0.5), '1969-12-31 23:59:59.500000');
    });

    it('writes each encoding with formatTimestamp', function () {
      assert.equal(formatTimestamp(1790814189.1212647, 'unix-seconds'), 1790814189.1212647);
      assert.equal(formatTimestamp(1790814189.1212647, 'sqlalchemy-text'), '2026-10-01 00:23:09.121265');
      assert.equal(formatTimestamp(1790814189.1212647, 'iso-8601'), '2026-10-01T00:23:09.121265+00:00');
    });

    it('refuses to format what no datetime can hold', function () {
      assert.throws(() => toSqlAlchemyText(NaN), /between the years 1 and 9999/);
      assert.throws(() => toIsoText(MAX_TIMESTAMP + 1), /between the years 1 and 9999/);
    });

    it('round-trips every microsecond text of this era exactly', function () {
      const era = fc.integer({ min: 0, max: 8_589_934_591 * 1_000_000 - 1 });
      fc.assert(
        fc.property(era, (micros) => {
          const text = toSqlAlchemyText(micros / 1e6);
          assert.equal(toSqlAlchemyText(seconds(text)), text);
          assert.equal(seconds(text), micros / 1e6);
        }),
        { numRuns: 2000 },
      );
    });

    it('formats and parses exactly as Python datetime does', function () {
      const floats = fc.sample(fc.double({ min: -2e9, max: 8e9, noNaN: true }), { numRuns: 300, seed: 7 });
      floats.push(1790814189.1212647, 1790856000, -0.0000005, 0.0000005, 1.0000015, 1e-7);
      const pyText = python(
        [
          'import sys',
          'from datetime import datetime, timezone',
          'for line in sys.stdin:',
          '    d = datetime.fromtimestamp(float(line), timezone.utc)',
          "    print(d.strftime('%Y-%m-%d %H:%M:%S.%f'), d.isoformat())",
        ].join('\n'),
        floats.map((value) => String(value)),
      );
      if (pyText === undefined) return this.skip();
      floats.forEach((value, i) => {
        assert.equal(`${toSqlAlchemyText(value)} ${toIsoText(value)}`, pyText[i], `for ${value}`);
      });
      const texts = floats.map(toSqlAlchemyText);
      const pySeconds = python(
        [
          'import sys',
          'from datetime import datetime, timezone',
          'for line in sys.stdin:',
          "    print(repr(datetime.strptime(line.strip(), '%Y-%m-%d %H:%M:%S.%f').replace(tzinfo=timezone.utc).timestamp()))",
        ].join('\n'),
        texts,
      );
      texts.forEach((text, i) => assert.equal(seconds(text), Number(pySeconds?.[i]), `for ${text}`));
    });
  });
});
