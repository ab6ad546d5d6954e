/**
 * A database opened through a symbolic link is read with its WAL: SQLite keeps `-wal` beside the
 * file the link points to, and a reader that looked beside the link would show stale data (issue:
 * 400 of 450 predictions, an alert it had acknowledged itself still open).
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { generateDataset } from '../../../../../scripts/generator/generateDataset';
import { scanPredictionColumns } from '../../../../../src/core/store/openStore';
import { SqliteStore } from '../../../../../src/core/store/sqlite/sqliteStore';
import { makeTempDir, PythonWriter } from './support';

describe('a SQLite source opened through a symbolic link', function () {
  this.timeout(60_000);
  const dir = makeTempDir();
  after(() => dir.remove());

  it('reads the committed WAL frames beside the file the link points to, and sees its own acknowledgment', async function () {
    const { databasePath } = await generateDataset({ outDir: join(dir.path, 'real'), predictions: 400, seed: 13, format: 'sqlite' });
    const real = databasePath as string;
    mkdirSync(join(dir.path, 'elsewhere'));
    const link = join(dir.path, 'elsewhere', 'monitoring.db');
    symlinkSync(real, link);
    // A live service: 50 predictions committed to the WAL, not checkpointed, the connection still open.
    const service = new PythonWriter();
    try {
      await service.run([
        { op: 'open', path: real },
        {
          op: 'tx',
          statements: [
            ...Array.from({ length: 50 }, (_, i): [string, unknown[]] => [
              "INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES ('2026-10-10 10:00:00.000000', 'v1.1', ?, 1, 0.8, '{}')",
              [`late-${i}`],
            ]),
            [
              "INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged) VALUES ('late-alert', '2026-10-10 10:00:00.000000', 'critical', 't', 'm', 'accuracy', 0.5, 0.7, 'performance', 'v1.1', 0)",
              [],
            ],
          ],
        },
      ]);
      const viaLink = await SqliteStore.open(link);
      const viaFile = await SqliteStore.open(real, { readOnly: 'reference' });
      try {
        assert.equal(await viaLink.countPredictions(), 450);
        assert.deepEqual(await viaLink.counts(), await viaFile.counts());
        const open = (await viaLink.readAlerts({ acknowledged: false, limit: 1 }))[0];
        assert.ok(open !== undefined);
        assert.deepEqual((await viaLink.acknowledgeAlerts([open.key], 'oncall', 1_792_000_000)).acknowledged, [open.key]);
        assert.equal((await viaLink.readAlert(open.key))?.acknowledged, true);
        assert.equal((await viaLink.describe()).path, real);
      } finally {
        await viaLink.close();
        await viaFile.close();
      }
      const scanned = await scanPredictionColumns(link);
      assert.equal(scanned?.length, 450);
    } finally {
      await service.close();
    }
  });
});
