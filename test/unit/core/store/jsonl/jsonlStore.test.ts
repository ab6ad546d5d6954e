import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { PitwallError } from '../../../../../src/core/errors';
import { openJsonlStore, type JsonlStore } from '../../../../../src/core/store/jsonl/jsonlStore';
import { OUTCOME_UNKNOWN } from '../../../../../src/core/store/store';
import { makeTempDir, predictionLine, SAMPLES, type TempDir } from './support';

interface SampleAlert {
  timestamp: number;
  alert_id: string;
  severity: string;
  acknowledged: boolean;
  model_version: string;
}

function sample<T>(file: string): T[] {
  return readFileSync(join(SAMPLES, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

function isPitwallError(code: string, mentioning: string) {
  return (error: unknown): boolean =>
    error instanceof PitwallError && error.code === code && error.message.includes(mentioning);
}

describe('JsonlStore', function () {
  let temp: TempDir;
  const stores: JsonlStore[] = [];

  async function open(folder = temp.path, options?: Parameters<typeof openJsonlStore>[1]): Promise<JsonlStore> {
    const store = await openJsonlStore(folder, options);
    stores.push(store);
    return store;
  }

  function copySamples(): void {
    for (const name of [
      'predictions.jsonl',
      'alerts.jsonl',
      'health_snapshots.jsonl',
      'alert_rules.json',
      'alert_log.txt',
    ])
      temp.copySample(name);
  }

  beforeEach(function () {
    temp = makeTempDir();
  });
  afterEach(async function () {
    for (const store of stores.splice(0)) await store.close();
    temp.remove();
  });

  describe('the sample folder', function () {
    beforeEach(copySamples);

    it('loads every record, with no problems to report', async function () {
      const store = await open();
      assert.deepEqual(await store.counts(), {
        predictions: 400,
        outcomes: 0,
        healthSnapshots: 98,
        metricSnapshots: 0,
        alerts: 63,
        unacknowledgedAlerts: sample<SampleAlert>('alerts.jsonl').filter((alert) => !alert.acknowledged).length,
        rules: 3,
        driftResults: 0,
        degradationAnalyses: 0,
        featureImportance: 0,
      });
      const description = await store.describe();
      assert.equal(description.kind, 'jsonl');
      assert.equal(description.path, temp.path);
      assert.equal(description.writable, true);
      assert.equal(description.readOnlyReason, null);
      assert.deepEqual(description.warnings, []);
      assert.deepEqual(description.diagnostics, []);
      assert.deepEqual(await store.readModelVersions(), ['v1.0', 'v1.1']);
      assert.deepEqual(
        (await store.readRules()).map((rule) => rule.rule_id),
        ['acc_low', 'ece_high', 'conf_low'],
      );
    });

    it('gives each alert its own key, even the ones Python gave the same alert_id', async function () {
      const store = await open();
      const alerts = await store.readAlerts();
      assert.equal(new Set(alerts.map((alert) => alert.key)).size, 63);
      const twins = alerts.filter((alert) => alert.alert_id === 'alert_1790856000000');
      assert.deepEqual(
        twins.map((alert) => [alert.key, alert.severity]),
        [
          ['alert_1790856000000#1', 'critical'],
          ['alert_1790856000000#2', 'warning'],
        ],
      );
      assert.equal((await store.readAlert('alert_1790856000000#2'))?.metric_name, 'expected_calibration_error');
      assert.equal(await store.readAlert('alert_1790856000000'), undefined);
      // Only the keys the store gives out find an alert: no other spelling of the occurrence, none past the last.
      for (const other of ['alert_1790856000000#02', 'alert_1790856000000#0', 'alert_1790856000000#3', 'alert_1790856000000#1.0', 'alert_1790856000000#']) {
        assert.equal(await store.readAlert(other), undefined, other);
      }
      assert.equal(store.alertEntry('alert_1790856000000#2')?.line, 2, 'the writer can find the line to rewrite');
    });

    it('serves alerts newest first as Python does, equal times in file order, and filters them', async function () {
      const store = await open();
      const python = sample<SampleAlert>('alerts.jsonl')
        .map((alert, line) => ({ ...alert, line }))
        .sort((a, b) => b.timestamp - a.timestamp || a.line - b.line);
      assert.deepEqual(
        (await store.readAlerts()).map((alert) => [alert.alert_id, alert.severity]),
        python.map((alert) => [alert.alert_id, alert.severity]),
      );
      assert.deepEqual(
        (await store.readAlerts({ order: 'asc', limit: 2 })).map((alert) => alert.key),
        ['alert_1790856000000#1', 'alert_1790856000000#2'],
      );

      const critical = python.filter(
        (alert) => alert.severity === 'critical' && !alert.acknowledged && alert.model_version === 'v1.1',
      );
      const query = { severity: 'critical', acknowledged: false, modelVersion: 'v1.1' } as const;
      assert.equal(await store.countAlerts(query), critical.length);
      assert.deepEqual(
        (await store.readAlerts({ ...query, offset: 1, limit: 2 })).map((alert) => alert.timestamp),
        critical.slice(1, 3).map((alert) => alert.timestamp),
      );
      assert.equal(
        await store.countAlerts({ severity: ['info', 'warning'] }),
        python.filter((alert) => alert.severity !== 'critical').length,
      );
      const from = 1791000000;
      const to = 1791500000;
      assert.equal(
        await store.countAlerts({ from, to }),
        python.filter((alert) => alert.timestamp >= from && alert.timestamp < to).length,
      );
      assert.equal(await store.countAlerts({ alertId: 'alert_1790856000000' }), 2);
    });

    it('serves predictions by model version, time range and page, oldest first unless asked', async function () {
      const store = await open();
      const lines = sample<{ prediction_id: string; model_version: string; timestamp: number }>('predictions.jsonl');
      const v11 = lines.filter((line) => line.model_version === 'v1.1');
      assert.equal(await store.countPredictions({ modelVersion: 'v1.1' }), v11.length);
      assert.equal(await store.countPredictions({ modelVersion: 'v9' }), 0);
      assert.deepEqual(
        (await store.readPredictions({ modelVersion: 'v1.1', offset: 5, limit: 3 })).map((p) => p.prediction_id),
        v11.slice(5, 8).map((line) => line.prediction_id),
      );
      assert.deepEqual(
        (await store.readPredictions({ order: 'desc', limit: 2 })).map((p) => p.prediction_id),
        lines
          .slice(-2)
          .reverse()
          .map((line) => line.prediction_id),
      );
      const from = lines[100]?.timestamp as number;
      const to = lines[150]?.timestamp as number;
      assert.equal(await store.countPredictions({ from, to }), 50);
      const prediction = await store.readPrediction('pred-0000005');
      assert.deepEqual(
        { ...prediction, features: { ...prediction?.features }, metadata: { ...prediction?.metadata } },
        { ...lines[5], actual_outcome: null, actual_outcome_timestamp: null },
      );
      assert.equal(Object.getPrototypeOf(prediction?.features), null);
      assert.equal(await store.readPrediction('pred-9999999'), undefined);
    });

    it('serves predictions as columns, with the features asked for', async function () {
      const store = await open();
      const columns = await store.readPredictionColumns({ limit: 3, features: ['circuit', 'track_temp', 'absent'] });
      assert.equal(columns.length, 3);
      assert.deepEqual(columns.prediction_id, ['pred-0000000', 'pred-0000001', 'pred-0000002']);
      assert.deepEqual([...columns.confidence], [0.591872, 0.644637, 0.93761]);
      assert.deepEqual([...columns.actual_outcome], [OUTCOME_UNKNOWN, OUTCOME_UNKNOWN, OUTCOME_UNKNOWN]);
      assert.deepEqual(columns.features.get('circuit'), ['interlagos', 'monza', 'spa']);
      assert.deepEqual(columns.features.get('track_temp'), [28.652, 33.448, 33.771]);
      assert.deepEqual(columns.features.get('absent'), [null, null, null]);
    });

    it('serves health snapshots in time order, by model version', async function () {
      const store = await open();
      const snapshots = sample<{ model_version: string; timestamp: number }>('health_snapshots.jsonl');
      const v10 = await store.readHealthSnapshots({ modelVersion: 'v1.0' });
      assert.equal(v10.length, snapshots.filter((s) => s.model_version === 'v1.0').length);
      assert.ok(v10.every((s, i) => i === 0 || (v10[i - 1]?.timestamp as number) <= s.timestamp));
      assert.equal(
        (await store.readHealthSnapshots({ order: 'desc', limit: 1 }))[0]?.timestamp,
        Math.max(...snapshots.map((s) => s.timestamp)),
      );
    });
  });

  describe('opening', function () {
    it('treats missing files as empty: a folder with only alerts.jsonl is a store', async function () {
      temp.copySample('alerts.jsonl');
      const store = await open();
      const counts = await store.counts();
      assert.equal(counts.alerts, 63);
      assert.equal(counts.predictions, 0);
      assert.equal(counts.rules, 0);
      assert.deepEqual((await store.describe()).warnings, []);
    });

    it('says so when a folder holds no monitoring files', async function () {
      const store = await open();
      assert.match((await store.describe()).warnings.join('\n'), /holds none of the monitoring files/);
    });

    it('loads the other files when one cannot be read, and says why', async function () {
      temp.copySample('alerts.jsonl');
      mkdirSync(temp.file('predictions.jsonl'));
      const store = await open();
      assert.equal((await store.counts()).alerts, 63);
      assert.match((await store.describe()).warnings.join('\n'), /^Cannot read .*predictions\.jsonl: .*not a regular file/);
    });

    it('refuses a path that does not exist or is not a folder', async function () {
      await assert.rejects(openJsonlStore(temp.file('nowhere')), isPitwallError('not-found', 'nowhere'));
      temp.copySample('alerts.jsonl');
      await assert.rejects(openJsonlStore(temp.file('alerts.jsonl')), isPitwallError('input', 'is not a folder'));
    });

    it('refuses calls after close, and closes twice without complaint', async function () {
      temp.copySample('alerts.jsonl');
      const store = await openJsonlStore(temp.path);
      await store.close();
      await store.close();
      await assert.rejects(store.readAlerts(), isPitwallError('input', 'was closed'));
    });
  });

  describe('bad lines', function () {
    it('skips each one, naming file, line and field, and loads every good line', async function () {
      const lines = [
        predictionLine('p1'),
        predictionLine('p2', { confidence: 'high' }),
        predictionLine('p3').replace('0.75', 'NaN'),
        predictionLine('p4').replace('0.75', '1e999'),
        predictionLine('p5', { timestamp: 1e308, predicted_outcome: 1e20 }),
        predictionLine('p6', { features: { a: 0 } }).replace(
          '{"a":0}',
          `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
        ),
        '',
        '   ',
        '[1, 2, 3]',
        '"just text"',
        '{"__proto__": {"polluted": true}}',
        '{"timestamp": 1,',
        predictionLine('p1', { model_version: 'v2' }),
        predictionLine('p14').replace('{', '{"__proto__": {"polluted": true}, '),
        predictionLine('p15', { timestamp: '2026-10-01T00:23:09Z' }),
      ];
      writeFileSync(
        temp.file('predictions.jsonl'),
        Buffer.concat([
          Buffer.from(`${lines.join('\n')}\n`),
          Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x0a]),
          Buffer.from(`${predictionLine('p17')}\n`),
        ]),
      );
      const store = await open();
      assert.deepEqual((await store.readPredictions()).map((p) => p.prediction_id).sort(), ['p1', 'p14', 'p15', 'p17']);
      assert.equal((await store.readPrediction('p1'))?.model_version, 'v1.0', 'the first of two equal ids is kept');
      const problems = (await store.describe()).diagnostics.map((d) => [d.line, d.field, d.reason]);
      const [, , syntax] = problems.find(([line]) => line === 12) ?? [];
      assert.match(String(syntax), /^not valid JSON \(.+\)$/);
      assert.deepEqual(
        problems.filter(([line]) => line !== 12),
        [
          [2, 'confidence', 'confidence must be a number, not "high"'],
          [
            3,
            undefined,
            'not valid JSON: NaN and Infinity are not JSON numbers (its writer must store a finite number or null)',
          ],
          [4, 'confidence', 'confidence must be a finite number, not Infinity'],
          [
            5,
            'timestamp',
            'timestamp must be a time between the years 1 and 9999, not 1e+308; predicted_outcome must be one of 0, 1, not 100000000000000000000',
          ],
          [6, 'features.a', 'features.a must be a number, text, true/false or null, not an array'],
          [9, undefined, 'the record must be a JSON object, not an array'],
          [10, undefined, 'the record must be a JSON object, not "just text"'],
          [
            11,
            'timestamp',
            'timestamp is missing; model_version is missing; prediction_id is missing; predicted_outcome is missing; confidence is missing; features is missing',
          ],
          [13, 'prediction_id', 'prediction_id "p1" was already recorded on line 1, which is the one kept'],
          [16, undefined, 'not valid UTF-8 text'],
        ],
      );
      const [first] = (await store.describe()).diagnostics;
      assert.equal(first?.file, temp.file('predictions.jsonl'));
      assert.equal(first?.severity, 'error');
      assert.equal(
        first?.message,
        'predictions.jsonl line 2: confidence must be a number, not "high". The line was skipped.',
      );
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });

    it('keeps the first problems of a file and counts the rest', async function () {
      writeFileSync(temp.file('alerts.jsonl'), '[]\n'.repeat(8));
      const store = await open(temp.path, { diagnosticsPerFile: 5 });
      const description = await store.describe();
      assert.equal(description.diagnostics.length, 5);
      assert.deepEqual(description.warnings, ['alerts.jsonl has 3 more bad lines than are listed.']);
    });

    it('never throws and reports exactly the bad lines, for any mix of good and hostile lines', async function () {
      this.timeout(60_000);
      await fc.assert(
        fc.asyncProperty(lineMix(), fc.array(fc.nat(), { maxLength: 6 }), async (entries, cuts) => {
          const folder = join(temp.path, `mix${Math.random().toString(36).slice(2)}`);
          mkdirSync(folder);
          const bytes = Buffer.concat(entries.map((entry) => Buffer.concat([entry.bytes, Buffer.from('\n')])));
          // Once as one file, once appended in pieces cut anywhere, refreshing after each piece.
          const whole = join(folder, 'whole');
          mkdirSync(whole);
          writeFileSync(join(whole, 'predictions.jsonl'), bytes);
          const pieces = join(folder, 'pieces');
          mkdirSync(pieces);
          writeFileSync(join(pieces, 'predictions.jsonl'), '');
          const piecewise = await open(pieces, { chunkBytes: 64 });
          let written = 0;
          for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
            writeFileSync(join(pieces, 'predictions.jsonl'), bytes.subarray(written, Math.max(written, cut)), {
              flag: 'a',
            });
            written = Math.max(written, cut);
            await piecewise.refresh();
          }
          for (const store of [await open(whole), piecewise]) {
            const good = entries.flatMap((entry) => (entry.kind === 'good' ? [entry.id] : []));
            assert.deepEqual((await store.readPredictions()).map((p) => p.prediction_id).sort(), [...good].sort());
            const badLines = entries.flatMap((entry, i) => (entry.kind === 'bad' ? [i + 1] : []));
            assert.deepEqual(
              (await store.describe()).diagnostics.map((d) => d.line),
              badLines,
            );
          }
          assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('outcomes', function () {
    it('joins ground truth to predictions, a later line superseding an earlier one', async function () {
      writeFileSync(
        temp.file('predictions.jsonl'),
        `${predictionLine('p1')}\n${predictionLine('p2')}\n${predictionLine('p3')}\n`,
      );
      writeFileSync(
        temp.file('outcomes.jsonl'),
        [
          '{"prediction_id": "p1", "actual_outcome": 0, "timestamp": 1790900000.0}',
          '{"prediction_id": "p2", "actual_outcome": 1, "timestamp": 1790900001.0}',
          '{"prediction_id": "p1", "actual_outcome": 1, "timestamp": 1790900002.0}',
          '',
        ].join('\n'),
      );
      const store = await open();
      const p1 = await store.readPrediction('p1');
      assert.equal(p1?.actual_outcome, 1);
      assert.equal(p1?.actual_outcome_timestamp, 1790900002);
      assert.equal(await store.countPredictions({ hasOutcome: true }), 2);
      assert.deepEqual(
        (await store.readPredictions({ hasOutcome: false })).map((p) => p.prediction_id),
        ['p3'],
      );
      assert.equal((await store.counts()).outcomes, 2);
      assert.deepEqual([...(await store.readPredictionColumns()).actual_outcome], [1, 1, OUTCOME_UNKNOWN]);
    });

    it('holds an outcome for a prediction not read yet, and joins it when the prediction is appended', async function () {
      writeFileSync(temp.file('predictions.jsonl'), `${predictionLine('p1')}\n`);
      writeFileSync(
        temp.file('outcomes.jsonl'),
        '{"prediction_id": "p2", "actual_outcome": 0, "timestamp": 1790900000.0}\n',
      );
      const store = await open();
      // Prediction files are read by the first question that needs them.
      await store.countPredictions();
      assert.match(
        (await store.describe()).warnings.join('\n'),
        /outcomes for 1 predictions that predictions.jsonl does not hold/,
      );
      assert.equal((await store.counts()).outcomes, 1);
      temp.append('predictions.jsonl', `${predictionLine('p2')}\n`);
      await store.refresh();
      assert.equal((await store.readPrediction('p2'))?.actual_outcome, 0);
      assert.deepEqual((await store.describe()).warnings, []);
    });

    it('joins outcomes when prediction ids arrive out of order too', async function () {
      writeFileSync(
        temp.file('predictions.jsonl'),
        ['b', 'a', 'c', 'a'].map((id) => predictionLine(id)).join('\n') + '\n',
      );
      writeFileSync(temp.file('outcomes.jsonl'), '{"prediction_id": "a", "actual_outcome": 1, "timestamp": 1.0}\n');
      const store = await open();
      assert.equal((await store.readPrediction('a'))?.actual_outcome, 1);
      assert.equal((await store.counts()).predictions, 3);
      assert.deepEqual(
        (await store.describe()).diagnostics.map((d) => d.line),
        [4],
      );
    });
  });

  describe('alert_rules.json', function () {
    const rule = (fields: Record<string, unknown>) => ({
      rule_id: 'r',
      metric_name: 'accuracy',
      metric_type: 'threshold',
      threshold: 0.7,
      comparison: '<',
      severity: 'critical',
      component: 'performance',
      ...fields,
    });

    it('skips each bad rule with its index and field, warns of unknown fields, keeps the first of equal ids', async function () {
      writeFileSync(
        temp.file('alert_rules.json'),
        JSON.stringify([
          rule({ rule_id: 'good' }),
          rule({ rule_id: 'bad', comparison: '≈' }),
          rule({ rule_id: 'typo', cooldown_minute: 5, conditions: { min_valu: 1 } }),
          rule({ rule_id: 'good', threshold: 0.1 }),
          'not a rule',
          // The engine's own condition keys are known: no warning.
          rule({ rule_id: 'engine', conditions: { window: '6h', segment: { feature: 'circuit' } } }),
        ]),
      );
      const store = await open();
      const rules = await store.readRules();
      assert.deepEqual(
        rules.map((r) => [r.rule_id, r.threshold]),
        [
          ['good', 0.7],
          ['typo', 0.7],
          ['engine', 0.7],
        ],
      );
      assert.deepEqual(
        (await store.describe()).diagnostics.map((d) => [d.severity, d.index, d.field, d.message]),
        [
          [
            'error',
            1,
            'comparison',
            'alert_rules.json[1]: comparison must be one of "<", "<=", ">", ">=", "==", "!=", not "≈". The rule was skipped.',
          ],
          [
            'warning',
            2,
            'cooldown_minute',
            'alert_rules.json[2]: cooldown_minute is not a field Pitwall knows (kept as it is; check its spelling).',
          ],
          [
            'warning',
            2,
            'conditions.min_valu',
            'alert_rules.json[2]: conditions.min_valu is not a field Pitwall knows (kept as it is; check its spelling).',
          ],
          [
            'error',
            3,
            'rule_id',
            'alert_rules.json[3]: rule_id "good" is already used by rule [0], which is the one kept. The rule was skipped.',
          ],
          [
            'error',
            4,
            undefined,
            'alert_rules.json[4]: the record must be a JSON object, not "not a rule". The rule was skipped.',
          ],
        ],
      );
      assert.deepEqual(
        { ...store.ruleEntry('typo')?.layout.extra },
        { cooldown_minute: 5 },
        'the unknown field is kept for a writer',
      );
    });

    it('keeps the rules last read while the file is not valid JSON, as during a rewrite', async function () {
      temp.copySample('alert_rules.json');
      const store = await open();
      writeFileSync(temp.file('alert_rules.json'), '[{"rule_id": "acc_low", ');
      const result = await store.refresh();
      assert.equal((await store.readRules()).length, 3);
      assert.match(result.diagnostics[0]?.message ?? '', /alert_rules.json is not valid JSON/);
      writeFileSync(temp.file('alert_rules.json'), JSON.stringify([rule({})]));
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'rules', kind: 'reloaded', added: 1 }]);
      assert.deepEqual((await store.describe()).diagnostics, []);
    });

    it('reads no rules from a file that is not an array', async function () {
      writeFileSync(temp.file('alert_rules.json'), '{"rules": []}');
      const store = await open();
      assert.deepEqual(await store.readRules(), []);
      assert.match(
        (await store.describe()).diagnostics[0]?.message ?? '',
        /must hold a JSON array of rules, not an object/,
      );
    });
  });

  describe('reading only what a question needs', function () {
    it('lists, counts and acknowledges alerts and reads the rules without parsing predictions.jsonl, and reads it at the first question that needs it', async function () {
      copySamples();
      // A line a parse would report: while nobody reports it, nobody parsed the file.
      temp.append('predictions.jsonl', '{"prediction_id": 7}\n');
      temp.append('outcomes.jsonl', '{"prediction_id": 8}\n');
      const store = await open();
      const parsed = async () => (await store.describe()).diagnostics.filter((d) => /predictions\.jsonl|outcomes\.jsonl/.test(d.file));
      const alerts = await store.readAlerts({ limit: 5 });
      assert.ok(alerts.length > 0);
      assert.ok((await store.countAlerts({ acknowledged: false })) >= 0);
      await store.readRules();
      const open_ = alerts.find((alert) => !alert.acknowledged) ?? (alerts[0] as (typeof alerts)[number]);
      await store.acknowledgeAlerts([open_.key], 'oncall', 1_790_000_000);
      await store.refresh();
      assert.deepEqual(await parsed(), []);
      assert.ok((await store.countPredictions()) > 0);
      assert.deepEqual((await parsed()).map((d) => basename(d.file)).sort(), ['outcomes.jsonl', 'predictions.jsonl']);
    });
  });

  describe('reading the predictions beside the queue', function () {
    it('answers alerts and rules while predictions.jsonl is read for the first time', async function () {
      copySamples();
      const store = await open();
      const finished: string[] = [];
      const counting = store.countPredictions().then((count) => {
        finished.push('predictions');
        return count;
      });
      await store.readAlerts({ limit: 3 }).then(() => finished.push('alerts'));
      await store.readRules().then(() => finished.push('rules'));
      assert.ok((await counting) > 0);
      assert.deepEqual(finished, ['alerts', 'rules', 'predictions']);
    });
  });

  describe('refresh', function () {
    it('reports what was appended, and nothing when nothing changed', async function () {
      copySamples();
      const store = await open();
      // Predictions are followed from the first question that needs them.
      await store.countPredictions();
      await store.refresh();
      assert.deepEqual(await store.refresh(), { changes: [], diagnostics: [] });
      temp.append('predictions.jsonl', `${predictionLine('new-1')}\n${predictionLine('new-2', { confidence: 2 })}\n`);
      temp.append('alerts.jsonl', readFileSync(join(SAMPLES, 'alerts.jsonl'), 'utf8').split('\n')[0] + '\n');
      const result = await store.refresh();
      assert.deepEqual(result.changes, [
        { collection: 'predictions', kind: 'appended', added: 1 },
        { collection: 'alerts', kind: 'appended', added: 1 },
      ]);
      assert.deepEqual(
        result.diagnostics.map((d) => [d.line, d.field]),
        [[402, 'confidence']],
      );
      assert.equal(
        (await store.readAlert('alert_1790856000000#3'))?.severity,
        'critical',
        'a third alert with that id gets the next key',
      );
    });

    it('picks up a torn last line once it is completed, and says it is waiting meanwhile', async function () {
      const line = predictionLine('torn');
      writeFileSync(temp.file('predictions.jsonl'), `${predictionLine('p1')}\n${line.slice(0, 40)}`);
      const store = await open();
      assert.equal((await store.counts()).predictions, 1);
      assert.deepEqual((await store.describe()).warnings, [
        'predictions.jsonl ends in an incomplete line (40 bytes, no newline yet): it is read once its writer finishes it.',
      ]);
      assert.deepEqual((await store.describe()).diagnostics, []);
      temp.append('predictions.jsonl', `${line.slice(40)}\n`);
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'predictions', kind: 'appended', added: 1 }]);
      assert.equal((await store.readPrediction('torn'))?.confidence, 0.75);
      assert.deepEqual((await store.describe()).warnings, []);
    });

    it('reloads a truncated file, and outcomes with replaced predictions', async function () {
      writeFileSync(temp.file('predictions.jsonl'), `${predictionLine('p1')}\n${predictionLine('p2')}\n`);
      writeFileSync(temp.file('outcomes.jsonl'), '{"prediction_id": "p1", "actual_outcome": 1, "timestamp": 1.0}\n');
      const store = await open();
      await store.countPredictions();
      truncateSync(temp.file('predictions.jsonl'), predictionLine('p1').length + 1);
      assert.deepEqual((await store.refresh()).changes, [
        { collection: 'predictions', kind: 'reloaded', added: 1 },
        { collection: 'outcomes', kind: 'reloaded', added: 1 },
      ]);
      assert.equal((await store.readPrediction('p1'))?.actual_outcome, 1);
      assert.equal(await store.readPrediction('p2'), undefined);
      writeFileSync(temp.file('new.jsonl'), `${predictionLine('p9')}\n`);
      renameSync(temp.file('new.jsonl'), temp.file('predictions.jsonl'));
      await store.refresh();
      assert.deepEqual(
        (await store.readPredictions()).map((p) => p.prediction_id),
        ['p9'],
      );
      assert.match((await store.describe()).warnings.join(), /outcomes for 1 predictions/);
    });

    it('loads every line exactly once while another process appends', async function () {
      this.timeout(30_000);
      const total = 3000;
      writeFileSync(temp.file('predictions.jsonl'), '');
      const store = await open();
      const writer = spawn(
        process.execPath,
        [
          '-e',
          `
          const fs = require('fs');
          const fd = fs.openSync(process.argv[1], 'a');
          let pending = '';
          let i = 0;
          function step() {
            while (pending.length < 4096 && i < ${total}) pending += ${JSON.stringify(predictionLine('ID'))}.replace('"ID"', '"w' + String(i++).padStart(6, '0') + '"') + '\\n';
            // Write a random piece, often cutting a line in two.
            const size = Math.min(pending.length, 1 + Math.floor(Math.random() * 700));
            fs.writeSync(fd, pending.slice(0, size));
            pending = pending.slice(size);
            if (pending.length > 0 || i < ${total}) {
              if (Math.random() < 0.1) setTimeout(step, 1);
              else setImmediate(step);
            }
          }
          step();
          `,
          temp.file('predictions.jsonl'),
        ],
        { stdio: 'inherit' },
      );
      const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
      let running = true;
      void exited.then(() => (running = false));
      let refreshes = 0;
      while (running) {
        await store.refresh();
        refreshes++;
      }
      assert.equal(await exited, 0);
      await store.refresh();
      const ids = (await store.readPredictions()).map((p) => p.prediction_id);
      assert.equal(ids.length, total);
      assert.equal(new Set(ids).size, total);
      assert.deepEqual((await store.describe()).diagnostics, []);
      assert.ok(refreshes > 1, 'the store refreshed while the writer ran');
    });
  });
});

type Entry = { kind: 'good'; id: string; bytes: Buffer } | { kind: 'bad' | 'blank'; bytes: Buffer };
type MakeEntry = (id: string) => Entry;

const good =
  (make: (id: string) => string): MakeEntry =>
  (id) => ({ kind: 'good', id, bytes: Buffer.from(make(id)) });
const bad =
  (make: (id: string) => string | Buffer): MakeEntry =>
  (id) => {
    const line = make(id);
    return { kind: 'bad', bytes: Buffer.isBuffer(line) ? line : Buffer.from(line) };
  };

/** A value each field refuses. */
const WRONG_VALUES: Record<string, readonly unknown[]> = {
  timestamp: ['soon', true, [1], {}, null],
  model_version: [1, null, [], {}],
  prediction_id: ['', 7, null],
  predicted_outcome: [2, '1', true, null],
  confidence: ['high', -0.5, 1.01, null],
  features: [5, [1], 'x', null, { nested: { a: 1 } }],
  metadata: [5, [1], 'x', true],
};

/** Lines of predictions.jsonl: good ones with unique ids, hostile ones, blank ones. */
function lineMix(): fc.Arbitrary<Entry[]> {
  const wrongField = fc
    .constantFrom(...Object.keys(WRONG_VALUES))
    .chain((field) =>
      fc
        .constantFrom(...(WRONG_VALUES[field] ?? []))
        .map((value) => bad((id) => predictionLine(id, { [field]: value }))),
    );
  const maker = fc.oneof(
    fc.constant(good((id) => predictionLine(id))),
    fc.constant(
      good((id) =>
        predictionLine(id, { features: JSON.parse('{"__proto__": 1, "constructor": 2}') }).replace(
          '{',
          '{"__proto__": {"polluted": true}, ',
        ),
      ),
    ),
    fc.constant(good((id) => predictionLine(id, { timestamp: '2026-10-01 00:23:09.121265' }))),
    fc.constant(good((id) => predictionLine(id, { latency_ms: 12.5 }))),
    fc.constantFrom('', ' ', '\t', '\r').map((text): MakeEntry => () => ({ kind: 'blank', bytes: Buffer.from(text) })),
    wrongField,
    fc
      .constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '1e308', '123456789012345678901234567890')
      .map((token) => bad((id) => predictionLine(id).replace('0.75', token))),
    fc
      .integer({ min: 64, max: 3000 })
      .map((depth) =>
        bad((id) =>
          predictionLine(id, { metadata: { deep: 0 } }).replace(
            '{"deep":0}',
            `{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`,
          ),
        ),
      ),
    fc
      .constantFrom(
        '[1, 2]',
        '"text"',
        '42',
        'null',
        '{}',
        '{"timestamp": 1,',
        '{"__proto__": {"polluted": true}}',
        '}{',
      )
      .map((text) => bad(() => text)),
    fc
      .string({ unit: 'binary-ascii', minLength: 1, maxLength: 30 })
      .map((text) => text.replace(/\n/g, ' '))
      .map((text): MakeEntry =>
        text.trim() === '' ? () => ({ kind: 'blank', bytes: Buffer.from(text) }) : bad(() => text),
      ),
    fc
      .uint8Array({ minLength: 0, maxLength: 4 })
      .map((bytes) =>
        bad((id) =>
          Buffer.concat([
            Buffer.from(predictionLine(id).slice(0, 20)),
            Buffer.from([0xff]),
            Buffer.from(bytes.filter((byte) => byte !== 0x0a)),
          ]),
        ),
      ),
  );
  return fc.array(maker, { maxLength: 40 }).map((makers) => makers.map((make, i) => make(`id-${i}`)));
}
