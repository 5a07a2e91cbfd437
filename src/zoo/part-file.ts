/**
 * The partial download file (`<dir>/<file>.part`), opened so that nothing planted at
 * its path is followed or overwritten: links are never followed (O_NOFOLLOW), a new
 * file is created exclusively (O_EXCL), and an existing one is continued or rewritten
 * only when fstat on the open descriptor shows a regular file with one link, owned by
 * this process's user. Anything else at the path is refused, naming it.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, unlink, type FileHandle } from 'node:fs/promises';
import { PosePortError } from '../core/errors.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_APPEND } = constants;

/** Errors of the local file system that another attempt cannot cure; ENOSPC and friends free nothing by waiting. */
const LOCAL_ERRORS: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'ENOTDIR', 'EISDIR', 'ELOOP', 'EMFILE', 'ENFILE', 'ENAMETOOLONG']);
/** Local errors after which the partial file is removed to give the space back. */
const SPACE_ERRORS: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export function isLocalError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && LOCAL_ERRORS.has(code);
}

export function isSpaceError(e: unknown): boolean {
  return SPACE_ERRORS.has((e as NodeJS.ErrnoException | undefined)?.code ?? '');
}

function uid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Why `s` (the .part's stats) is not a file this process may continue, or undefined when it is. */
function foreign(s: Stats): string | undefined {
  if (s.isSymbolicLink()) return 'is a symbolic link';
  if (!s.isFile()) return 'is not a regular file';
  if (s.nlink !== 1) return `has ${s.nlink} hard links`;
  const me = uid();
  if (me !== undefined && s.uid !== me) return `is owned by uid ${s.uid}, not by this process (uid ${me})`;
  return undefined;
}

function refuse(path: string, why: string): PosePortError {
  return new PosePortError('IO', `the partial download ${why}; pose-port follows no links and continues only its own files: remove it and fetch again`, { file: path });
}

/**
 * Size of the partial file at `path` (0 when there is none). Refuses a link, a
 * non-regular file, a file with other hard links or of another user.
 */
export async function partSize(path: string): Promise<number> {
  let s: Stats;
  try {
    s = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new PosePortError('IO', `cannot inspect the partial download: ${(e as Error).message}`, { file: path });
  }
  const why = foreign(s);
  if (why) throw refuse(path, why);
  return s.size;
}

/**
 * Opens the partial file for writing: appending at its end (`append`, the file must
 * exist and be this process's own), or empty (an existing own file is removed first,
 * then the new one is created with O_EXCL). Returns the handle and the size it had.
 */
export async function openPart(path: string, append: boolean): Promise<{ fh: FileHandle; size: number }> {
  if (!append) {
    await partSize(path); // refuses what is not ours before removing anything
    try {
      await unlink(path); // unlink removes a link itself, never its target
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw openError(path, e);
    }
  }
  let fh: FileHandle;
  try {
    fh = await open(path, append ? O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK : O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EEXIST' || code === 'ENXIO') throw refuse(path, code === 'EEXIST' ? 'appeared while it was being replaced' : 'is a symbolic link or a FIFO');
    throw openError(path, e);
  }
  const s = await fh.stat();
  const why = foreign(s);
  if (why) {
    await fh.close();
    throw refuse(path, why);
  }
  return { fh, size: s.size };
}

function openError(path: string, e: unknown): PosePortError {
  const err = e as NodeJS.ErrnoException;
  return new PosePortError('IO', `cannot write the download: ${err.message}`, { file: path, details: { errno: err.code } });
}

/** A write to the partial file failed: the IO error to report (never retried). */
export function writeError(path: string, e: unknown, received: number): PosePortError {
  const err = e as NodeJS.ErrnoException;
  const freed = isSpaceError(e) ? '; the partial download was removed to give the space back' : '';
  return new PosePortError('IO', `cannot write the download after ${received} bytes: ${err.message}${freed}`, { file: path, details: { errno: err.code, received } });
}
