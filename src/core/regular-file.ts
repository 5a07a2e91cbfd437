/**
 * Reading an input file that may be hostile: only a regular file, only up to a size
 * bound, and without hanging. The file is opened first (non-blocking, so a FIFO does not
 * wait for a writer) and then `fstat`ed, so what is checked is what is read: a FIFO, a
 * device (a symlink to /dev/zero), a socket or a directory is refused before one byte is
 * read, and a file above `maxBytes` before anything is allocated.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { PosePortError, type ErrorCode } from './errors.js';

export interface RegularFileOptions {
  /** what the file is meant to be, for messages ('image', 'model.onnx', 'weight shard') */
  what: string;
  /** the largest size accepted, in bytes */
  maxBytes: number;
  /** the code of a refusal (not a regular file, too large); default 'IO' */
  code?: ErrorCode;
  /** the field or key the path came from, for the error (e.g. 'images[3].file_name') */
  key?: string;
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * Opens `path` for reading and checks it is a regular file of at most `maxBytes`;
 * returns the descriptor (the caller closes it) and the size.
 */
export function openRegularFile(path: string, opts: RegularFileOptions): { fd: number; size: number } {
  const code = opts.code ?? 'IO';
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new PosePortError('IO', `cannot open the ${opts.what}: ${(e as Error).message}`, { file: path, key: opts.key });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new PosePortError(code, `the ${opts.what} is ${kindOf(st)}, not a regular file`, { file: path, key: opts.key });
    if (st.size > opts.maxBytes)
      throw new PosePortError(code, `the ${opts.what} is ${formatBytes(st.size)}, above the ${formatBytes(opts.maxBytes)} limit for a ${opts.what}`, {
        file: path,
        key: opts.key,
        details: { bytes: st.size, maxBytes: opts.maxBytes },
      });
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * The bytes of `path`, a regular file of at most `maxBytes` (see `openRegularFile`).
 * Reads exactly the size `fstat` reported: a file that grows meanwhile is read to that
 * size, one that shrinks is TRUNCATED.
 */
export function readRegularFile(path: string, opts: RegularFileOptions): Buffer {
  const { fd, size } = openRegularFile(path, opts);
  try {
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      let n: number;
      try {
        n = readSync(fd, buf, at, size - at, at);
      } catch (e) {
        throw new PosePortError('IO', `cannot read the ${opts.what}: ${(e as Error).message}`, { file: path, key: opts.key, offset: at });
      }
      if (n === 0) throw new PosePortError('TRUNCATED', `the ${opts.what} ended at byte ${at} while being read (${size} expected)`, { file: path, key: opts.key, offset: at });
      at += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}
