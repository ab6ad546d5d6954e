import { exitCodeOf, runCli } from '../../../src/cli/main';
import type { Output } from '../../../src/cli/output';

export const NOW = Date.UTC(2026, 10, 1) / 1000;

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process: its exit status (as the real process would exit) and what it printed. */
export async function pitwall(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out: Output = { json: false, write: (text) => void (stdout += text), error: (text) => void (stderr += text) };
  try {
    const status = await runCli(argv, { out, now: () => NOW });
    return { status, stdout, stderr };
  } catch (error) {
    return { status: exitCodeOf(error), stdout, stderr: stderr + String((error as Error).message) };
  }
}
