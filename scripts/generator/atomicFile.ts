/**
 * New files appear whole or not at all: written to a temporary name in the same directory,
 * fsynced, then renamed. Text is buffered and written in ~1 MB chunks so that memory stays
 * bounded however many records are written.
 */

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const CHUNK_CHARS = 1 << 20;

export class AtomicFileWriter {
  private readonly temporaryPath: string;
  private readonly fd: number;
  private parts: string[] = [];
  private bufferedChars = 0;

  constructor(readonly path: string) {
    this.temporaryPath = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
    this.fd = openSync(this.temporaryPath, 'w');
  }

  write(text: string): void {
    this.parts.push(text);
    this.bufferedChars += text.length;
    if (this.bufferedChars >= CHUNK_CHARS) this.flush();
  }

  writeBytes(bytes: Uint8Array): void {
    this.flush();
    this.writeAll(bytes);
  }

  private writeAll(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const buffer = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.bufferedChars = 0;
    this.writeAll(buffer);
  }

  /** Flushes, fsyncs and renames onto the final name, then fsyncs the directory. */
  commit(): void {
    try {
      this.flush();
      fsyncSync(this.fd);
    } catch (error) {
      this.abort();
      throw error;
    }
    closeSync(this.fd);
    renameSync(this.temporaryPath, this.path);
    const directory = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: nothing more to release.
    }
    rmSync(this.temporaryPath, { force: true });
  }
}

/** Writes a whole file atomically; the temporary file is removed if `produce` throws. */
export function writeFileAtomically(path: string, produce: (writer: AtomicFileWriter) => void): void {
  const writer = new AtomicFileWriter(path);
  try {
    produce(writer);
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.commit();
}
