import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
