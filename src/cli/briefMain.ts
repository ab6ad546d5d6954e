/**
 * The brief commands (bundled as dist/pitwall-brief.js): those an on-call engineer runs many
 * times an hour, which read a few pages of a source and answer. Their bundle holds the stores and
 * these commands, not the analytics, charts, reports, query language or alert channels, so that
 * a cold `pitwall ack` compiles and runs a fraction of the code (the launcher, launcher.ts, picks
 * this bundle for the names in briefNames.ts). They run and print exactly as in the full CLI
 * (main.ts lists them too).
 */
import { ack, unack } from './ackCommands';
import { alerts } from './alertsCommand';
import type { CliCommand } from './commandSpec';
import { startCli } from './run';
import { summary } from './summaryCommand';

export const BRIEF_BUNDLE_COMMANDS: readonly CliCommand[] = [summary, alerts, ack, unack];

export function main(build: string): void {
  startCli(BRIEF_BUNDLE_COMMANDS, build);
}
