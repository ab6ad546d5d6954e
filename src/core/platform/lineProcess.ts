/**
 * A child process spoken to in lines of text over stdin/stdout: the one place the kernel spawns
 * processes, so the helpers that need one (the python3 SQLite writer) stay free of child_process.
 */
import type * as ChildProcesses from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

let childProcesses: typeof ChildProcesses | undefined;

/**
 * node:child_process, loaded when a process is first spawned: most commands never spawn one, and
 * loading it (with node:net under it) is several milliseconds of a brief command's start.
 */
export function childProcessModule(): typeof ChildProcesses {
  childProcesses ??= createRequire(__filename)('node:child_process') as typeof ChildProcesses;
  return childProcesses;
}

/** How a process ended; `spawnError` is set when it never started (e.g. ENOENT for a missing program). */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: NodeJS.ErrnoException;
  /** The last few kilobytes it wrote to stderr. */
  readonly stderr: string;
}

export interface LineProcess {
  /** undefined when the process could not be started. */
  readonly pid: number | undefined;
  /** Settles once, when the process has exited (or failed to start) and its output is read. */
  readonly exited: Promise<ProcessExit>;
  /** Writes one line; a newline is added. Lines to a process that has gone are dropped. */
  send(line: string): void;
  /** Closes its stdin: a line-driven process takes that as the end of its work. */
  end(): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface LineProcessOptions {
  readonly onLine: (line: string) => void;
}

const STDERR_TAIL_CHARS = 4096;

export function spawnLineProcess(command: string, args: readonly string[], options: LineProcessOptions): LineProcess {
  const child = childProcessModule().spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  let stderr = '';
  let spawnError: NodeJS.ErrnoException | undefined;
  let gone = false;

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  // A write racing the process's death fails with EPIPE; the exit is reported through `exited`.
  child.stdin.on('error', () => undefined);
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on('line', options.onLine);
  const outputRead = new Promise<void>((resolve) => lines.once('close', resolve));

  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      // 'error' without a pid means the program never ran; the 'close' after it has no exit status.
      if (child.pid !== undefined) return;
      spawnError = error;
      gone = true;
      lines.close();
      resolve({ code: null, signal: null, spawnError, stderr });
    });
    child.once('close', (code, signal) => {
      gone = true;
      void outputRead.then(() => resolve({ code, signal, stderr }));
    });
  });

  return {
    get pid() {
      return child.pid;
    },
    exited,
    send(line) {
      if (gone || !child.stdin.writable) return;
      child.stdin.write(`${line}\n`);
    },
    end() {
      if (!gone) child.stdin.end();
    },
    kill(signal = 'SIGTERM') {
      if (!gone) child.kill(signal);
    },
  };
}
