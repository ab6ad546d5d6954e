import { parseArgs } from 'node:util';
import { readSourcePreview } from '../core/store/alertsPreview';
import { describeError, PitwallError } from '../core/errors';
import { version } from '../../package.json';

const USAGE = `pitwall ${version}: model monitoring and alerting over JSONL folders and SQLite databases

Usage:
  pitwall alerts <source> [--json]    list the alerts of a monitoring source
  pitwall --version
  pitwall --help
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const [command, source] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== 'alerts' || !source) throw new PitwallError('input', `Unknown command or missing source.\n${USAGE}`);
  const preview = await readSourcePreview(source);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(preview.alerts, null, 2)}\n`);
  } else {
    for (const alert of preview.alerts) {
      process.stdout.write(`${alert.severity.padEnd(8)} ${alert.acknowledged ? 'ack ' : 'open'} ${alert.title}\n`);
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`pitwall: ${describeError(error)}\n`);
    process.exitCode = error instanceof PitwallError && error.code === 'input' ? 2 : 1;
  },
);
