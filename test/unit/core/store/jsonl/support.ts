import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toPythonAlert, toPythonLine } from '../../../../../src/core/store/jsonl/pythonRecords';
import type { NewAlert } from '../../../../../src/core/store/store';

export const SAMPLES = join(__dirname, '../../../../fixtures/formats/jsonl');

export interface TempDir {
  readonly path: string;
  file(name: string): string;
  append(name: string, content: string | Uint8Array): void;
  copySample(name: string): string;
  /** The names in the folder, sorted: no temporary file may be left behind. */
  entries(): string[];
  remove(): void;
}

export function makeTempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'pitwall-jsonl-'));
  return {
    path,
    file: (name) => join(path, name),
    append: (name, content) => appendFileSync(join(path, name), content),
    copySample: (name) => {
      copyFileSync(join(SAMPLES, name), join(path, name));
      return join(path, name);
    },
    entries: () => readdirSync(path).sort(),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** A prediction line as the Python system writes it. */
export function predictionLine(id: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    timestamp: 1790814189.5,
    model_version: 'v1.0',
    prediction_id: id,
    predicted_outcome: 1,
    confidence: 0.75,
    features: { grid_position: 3, track_temp: 30.5, circuit: 'spa' },
    metadata: { race_id: 1, source: 'sim' },
    ...fields,
  });
}

/** An open alert as tests append it. */
export const NEW_ALERT: NewAlert = {
  timestamp: 1795000000.25,
  severity: 'warning',
  title: 'PERFORMANCE: accuracy Alert',
  message: 'accuracy is 0.6000 (< 0.7000)',
  metric_name: 'accuracy',
  metric_value: 0.6,
  threshold: 0.7,
  component: 'performance',
  model_version: 'v1.1',
  acknowledged: false,
  acknowledged_at: null,
  acknowledged_by: null,
};

/** An open alert's line as the Python system writes it, without its newline; its key is `base-<index>#1`. */
export function alertLine(index: number, id = `base-${index}`): string {
  return toPythonLine(toPythonAlert({ ...NEW_ALERT, timestamp: 1790000000 + index, alert_id: id })).slice(0, -1);
}
