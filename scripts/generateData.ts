/**
 * Writes a realistic, deterministic monitoring dataset in the Python system's formats:
 *
 *   npx tsx scripts/generateData.ts --out <dir> [--predictions N] [--seed S] [--start ISO]
 *                                   [--days D] [--format jsonl|sqlite|both]
 *
 * Tests and benchmarks import `generateDataset` from `scripts/generator/generateDataset.ts`.
 */

import { isAbsolute, relative } from 'node:path';
import { describeError, isPitwallError } from '../src/core/errors';
import { DEFAULTS, type GenerateOptions, type OutputFormat, generateDataset } from './generator/generateDataset';

const USAGE = `Usage: npx tsx scripts/generateData.ts --out <dir> [options]

  --out <dir>            where to write <dir>/monitoring/ (JSONL) and <dir>/monitoring.db (required)
  --predictions <N>      number of predictions (default ${DEFAULTS.predictions})
  --seed <S>             PRNG seed, 0 to 4294967295 (default ${DEFAULTS.seed})
  --start <ISO>          start of the simulated period (default ${DEFAULTS.start})
  --days <D>             length of the simulated period in days (default ${DEFAULTS.days})
  --format <f>           jsonl, sqlite or both (default ${DEFAULTS.format})
  --quiet                print nothing but errors
  --help                 show this help`;

class UsageError extends Error {}

function parseNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} needs a number, not "${text}".`);
  return value;
}

function parseArguments(argv: readonly string[]): (GenerateOptions & { quiet?: boolean }) | 'help' {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i] as string;
    if (argument === '--help' || argument === '-h') return 'help';
    if (argument === '--quiet') {
      values.set('quiet', 'true');
      continue;
    }
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(argument);
    if (!match) throw new UsageError(`Unexpected argument "${argument}".`);
    const name = match[1] as string;
    if (!['out', 'predictions', 'seed', 'start', 'days', 'format'].includes(name)) throw new UsageError(`Unknown option --${name}.`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value.`);
    values.set(name, value);
  }
  const outDir = values.get('out');
  if (!outDir) throw new UsageError('--out <dir> is required.');
  const options: GenerateOptions & { quiet?: boolean } = { outDir, quiet: values.has('quiet') };
  const predictions = values.get('predictions');
  if (predictions !== undefined) options.predictions = parseNumber('predictions', predictions.replace(/_/g, ''));
  const seed = values.get('seed');
  if (seed !== undefined) options.seed = parseNumber('seed', seed);
  const start = values.get('start');
  if (start !== undefined) options.start = start;
  const days = values.get('days');
  if (days !== undefined) options.days = parseNumber('days', days);
  const format = values.get('format');
  if (format !== undefined) options.format = format as OutputFormat;
  return options;
}

function summarize(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([kind, count]) => `${count.toLocaleString('en-US')} ${kind}`)
    .join(', ');
}

async function main(): Promise<number> {
  let options: (GenerateOptions & { quiet?: boolean }) | 'help';
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const started = process.hrtime.bigint();
    const result = await generateDataset(options);
    if (options.quiet) return 0;
    for (const file of result.files) {
      const shown = relative(process.cwd(), file.path);
      const path = shown.startsWith('..') || isAbsolute(shown) ? file.path : shown;
      process.stdout.write(`${path}: ${summarize(file.counts)}\n`);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`Done in ${seconds.toFixed(1)} s.\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    return isPitwallError(error) && error.code === 'input' ? 2 : 1;
  }
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
