/**
 * Writing files so that every failure is seen. `FileSink` streams chunks to a file:
 * each write is awaited (backpressure), and an error of the stream (ENOSPC, EIO, a
 * quota) rejects the pending and every later call instead of leaving a `drain` that
 * never comes. `writeFileReplacing` writes a whole file beside its destination and
 * renames it into place, so a reader never sees a partial file and a failure leaves
 * the old one. Errors are IO PosePortErrors naming the file and the errno.
 */
import { createWriteStream, renameSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { PosePortError } from './errors.js';
import { onInterrupt } from './interrupt.js';

/** The IO error for a failed write of `file`. */
export function writeFailure(file: string, e: unknown): PosePortError {
  if (e instanceof PosePortError) return e;
  const err = e as NodeJS.ErrnoException;
  return new PosePortError('IO', `cannot write: ${err?.message ?? String(e)}`, { file, details: { errno: err?.code } });
}

export class FileSink {
  private readonly out: WriteStream;
  private failed: unknown = null;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    this.out.on('error', (e) => (this.failed ??= e));
  }

  /** Queues `chunk`; waits while the stream's buffer is full; rejects once the stream has failed. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.failed) throw writeFailure(this.path, this.failed);
    if (this.out.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('error', done);
        this.out.off('close', done);
        if (this.failed) reject(writeFailure(this.path, this.failed));
        else resolve();
      };
      this.out.on('drain', done);
      this.out.on('error', done);
      this.out.on('close', done);
    });
  }

  /** Flushes and closes; rejects with the first error of the stream. */
  async close(): Promise<void> {
    if (!this.failed) this.out.end();
    try {
      await finished(this.out);
    } catch (e) {
      this.failed ??= e;
    }
    if (this.failed) throw writeFailure(this.path, this.failed);
  }

  /** Gives up (the caller removes the file). */
  destroy(): void {
    this.out.destroy();
  }
}

/**
 * Writes `data` to `path` through a temporary file beside it (`.<name>.tmp-<pid>-<ms>`,
 * removed on failure and on interruption), then renames it over `path`.
 */
export function writeFileReplacing(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  const forget = onInterrupt(() => rmSync(tmp, { force: true }));
  try {
    writeFileSync(tmp, data, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeFailure(path, e);
  } finally {
    forget();
  }
}
