/**
 * The generator's entry point for the CLI, tests and benchmarks: builds the simulated
 * deployment and writes it as a JSONL folder (`<out>/jsonl/`), a SQLite database
 * (`<out>/monitoring.db`), or both. Same options, same bytes.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PitwallError } from '../../src/core/errors';
import { type Dataset, buildDataset } from './dataset';
import { type WrittenFile, writeJsonlStore } from './writeJsonl';
import { writeSqliteDatabase } from './writeSqlite';

export type OutputFormat = 'jsonl' | 'sqlite' | 'both';

export interface GenerateOptions {
  /** Directory to write into; created if missing. */
  outDir: string;
  /** Number of predictions; default 50,000 (the demo). */
  predictions?: number;
  /** PRNG seed (a 32-bit unsigned integer); default 42. */
  seed?: number;
  /** Start of the simulated period, ISO 8601; default 2026-10-01T00:00:00Z. */
  start?: string;
  /** Length of the simulated period in whole days; default 14. */
  days?: number;
  format?: OutputFormat;
}

export interface GenerateResult {
  dataset: Dataset;
  jsonlDir: string | null;
  databasePath: string | null;
  files: WrittenFile[];
}

export const DEFAULTS = {
  predictions: 50_000,
  seed: 42,
  start: '2026-10-01T00:00:00Z',
  days: 14,
  format: 'both' as OutputFormat,
} as const;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function invalid(message: string): PitwallError {
  return new PitwallError('input', message);
}

/** Unix seconds of an ISO 8601 date or date-time; a date-time without an offset is taken as UTC. */
export function parseStart(iso: string): number {
  if (!ISO_8601.test(iso)) throw invalid(`--start must be an ISO 8601 date or date-time (like ${DEFAULTS.start}), not "${iso}".`);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) && iso.includes('T');
  const millis = Date.parse(iso.includes('T') && !hasZone ? `${iso}Z` : iso);
  if (Number.isNaN(millis)) throw invalid(`--start "${iso}" is not a valid date.`);
  return millis / 1000;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`--${name} must be a whole number from ${min} to ${max}, not ${value}.`);
  }
  return value;
}

export async function generateDataset(options: GenerateOptions): Promise<GenerateResult> {
  const format = options.format ?? DEFAULTS.format;
  if (!['jsonl', 'sqlite', 'both'].includes(format)) throw invalid(`--format must be jsonl, sqlite or both, not "${format}".`);
  const dataset = buildDataset({
    predictions: checkInteger('predictions', options.predictions ?? DEFAULTS.predictions, 1, 9_999_999),
    seed: checkInteger('seed', options.seed ?? DEFAULTS.seed, 0, 0xffffffff),
    start: parseStart(options.start ?? DEFAULTS.start),
    days: checkInteger('days', options.days ?? DEFAULTS.days, 1, 366),
  });
  mkdirSync(options.outDir, { recursive: true });
  const files: WrittenFile[] = [];
  let jsonlDir: string | null = null;
  let databasePath: string | null = null;
  if (format === 'jsonl' || format === 'both') {
    jsonlDir = join(options.outDir, 'monitoring');
    files.push(...writeJsonlStore(dataset, jsonlDir));
  }
  if (format === 'sqlite' || format === 'both') {
    databasePath = join(options.outDir, 'monitoring.db');
    files.push(await writeSqliteDatabase(dataset, databasePath));
  }
  return { dataset, jsonlDir, databasePath, files };
}
