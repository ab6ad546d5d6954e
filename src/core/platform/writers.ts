/**
 * Whether any process holds a file open for writing, as the Linux kernel knows it. The kernel
 * grants a read lease (fcntl(2) F_SETLEASE with F_RDLCK) only when no process, in any
 * namespace or container, has the file open for writing. Node has no fcntl, so perl (there on
 * every Debian system: perl-base is essential) asks on the descriptor it inherits, and gives the
 * lease back at once.
 *
 * The answer is `unknown` whenever the kernel could not be asked: not Linux, no perl, leases
 * disabled, a file system without leases, or a file this process does not own (a lease needs
 * the file's owner or CAP_LEASE). Callers then wait as they would without asking.
 */
import { childProcessModule } from './lineProcess';

export type WritersAnswer = 'none' | 'some' | 'unknown';

const F_SETLEASE = 1024;
const F_RDLCK = 0;
const F_UNLCK = 2;
const EAGAIN = 11;
const TIMEOUT_MS = 2000;

/** Exit 0: granted (and given back); 3: a writer holds the file (EAGAIN); 4: asked, refused otherwise. */
const SCRIPT = [
  'open(my $f, "<&=", 3) or exit 5;',
  `if (fcntl($f, ${F_SETLEASE}, ${F_RDLCK})) { fcntl($f, ${F_SETLEASE}, ${F_UNLCK}); exit 0 }`,
  `exit($! + 0 == ${EAGAIN} ? 3 : 4);`,
].join(' ');

/** Asks the kernel whether a process has the file open as `fd` (opened read-only here) open for writing. */
export function writersOf(fd: number): Promise<WritersAnswer> {
  if (process.platform !== 'linux') return Promise.resolve('unknown');
  return new Promise((resolve) => {
    let child;
    try {
      child = childProcessModule().spawn('perl', ['-e', SCRIPT], { stdio: ['ignore', 'ignore', 'ignore', fd], windowsHide: true, timeout: TIMEOUT_MS });
    } catch {
      resolve('unknown');
      return;
    }
    child.once('error', () => resolve('unknown'));
    child.once('close', (code) => resolve(code === 0 ? 'none' : code === 3 ? 'some' : 'unknown'));
  });
}
