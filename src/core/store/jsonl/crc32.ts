/**
 * zlib's CRC-32 (several GB/s), which the JSONL files' checksums use: the follower's of what it
 * read, a rewrite's of what it took and wrote, the alert index's. It came with Node 20.15 / 22.2;
 * on an older Node it is undefined, and each user goes without (or, for a rewrite, uses SHA-256).
 */
import * as zlib from 'node:zlib';

export const crc32: ((data: Uint8Array, value?: number) => number) | undefined = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;
