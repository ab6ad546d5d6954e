/**
 * Whether any process holds a file open for writing, as the Linux kernel knows it. The kernel
 * grants a read lease (fcntl(2) F_SETLEASE with F_RDLCK) only when no process, in any
 * namespace or container, has the file open for writing. Node has no fcntl, so perl (there on
 * every Debian system: perl-base is essential) asks on the descriptor it inherits, and gives the
 * lease back at once.
 *
 * The kernel knows only the writers of its own file systems: on FUSE (sshfs, virtiofs, a
 * desktop container's bind mount), NFS or an overlay, a writer through another mount or machine
 * is not seen. So it is asked only for a file on a local disk file system (ext2/3/4, XFS, Btrfs,
 * tmpfs), named by `folder`, the folder the file is in.
 *
 * The answer is `unknown` whenever the kernel could not be asked: not Linux, another file
 * system, no perl, leases disabled, or a file this process does not own (a lease needs the
 * file's owner or CAP_LEASE). Callers then wait as they would without asking.
 *
 * The answer holds for the moment it is given: a writer whose open() resolved the path before
 * the file was replaced but had not yet opened it then (an open takes microseconds) is not seen.
 */
import { statfs } from 'node:fs/promises';
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

/** statfs(2) f_type of the file systems whose writers are all this kernel's: ext2/3/4, XFS, Btrfs, tmpfs. */
const LOCAL_FILE_SYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994]);

/** Asks the kernel whether a process has the file open as `fd` (opened read-only here), in `folder`, open for writing. */
export async function writersOf(fd: number, folder: string): Promise<WritersAnswer> {
  if (process.platform !== 'linux') return 'unknown';
  try {
    if (!LOCAL_FILE_SYSTEMS.has((await statfs(folder)).type)) return 'unknown';
  } catch {
    return 'unknown';
  }
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
