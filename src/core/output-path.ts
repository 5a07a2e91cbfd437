/**
 * Output paths checked before any work starts, so a bad `--out` / `--results` /
 * `--overlay` fails at once instead of after a whole conversion or evaluation: the
 * path must not be a dangling symbolic link nor the wrong kind (a directory where a
 * file is written, a file where a directory is), and the directory it goes into must
 * exist (or, for an output directory, be creatable) and be writable. Each refusal is
 * an IO error naming the flag and the path. A link to an existing target is followed:
 * the returned path is the one to write.
 */
import { accessSync, constants, lstatSync, mkdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PosePortError } from './errors.js';

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw refusal(p, '', e);
  }
}

function refusal(path: string, what: string, e: unknown): PosePortError {
  const err = e as NodeJS.ErrnoException;
  return new PosePortError('IO', `${what ? `${what}: ` : ''}cannot write here: ${err?.message ?? String(e)}`, { file: path, details: { errno: err?.code } });
}

function writable(dir: string, what: string, path: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'is not writable' : `cannot be written (${code})`;
    throw new PosePortError('IO', `${what}: the directory '${dir}' ${why}`, { file: path, details: { errno: code } });
  }
}

/** Follows a link at `p` (refusing a dangling one); the real path, or `p` when nothing is there. */
function followLink(p: string, what: string): { path: string; stats: Stats | null } {
  const l = lstatOrNull(p);
  if (!l?.isSymbolicLink()) return { path: p, stats: l };
  let real: string;
  try {
    real = realpathSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PosePortError('IO', `${what}: '${p}' is a symbolic link to a target that does not exist${code === 'ENOENT' ? '' : ` (${code})`}`, { file: p, details: { errno: code } });
  }
  return { path: real, stats: statSync(real) };
}

/**
 * Checks a file about to be written (`what` is the flag, e.g. '--results'): not a
 * directory, not a dangling link, its directory exists and is writable, and an existing
 * file is writable. Returns the path to write (a link resolved).
 */
export function checkOutputFile(path: string, what: string): string {
  const { path: target, stats } = followLink(resolve(path), what);
  if (stats?.isDirectory()) throw new PosePortError('IO', `${what}: '${path}' is a directory, a file is written there`, { file: path });
  if (stats && !stats.isFile()) throw new PosePortError('IO', `${what}: '${path}' exists and is not a regular file`, { file: path });
  const dir = dirname(target);
  const d = lstatOrNull(dir);
  if (!d) throw new PosePortError('IO', `${what}: the directory '${dir}' does not exist`, { file: path });
  let isDir = d.isDirectory();
  if (d.isSymbolicLink()) isDir = followLink(dir, what).stats?.isDirectory() ?? false;
  if (!isDir) throw new PosePortError('IO', `${what}: '${dir}' is not a directory`, { file: path });
  writable(dir, what, path);
  if (stats) writable(target, what, path);
  return target;
}

/**
 * `mkdir -p` one level at a time from the nearest existing ancestor. Node's own
 * recursive mkdir never returns for some paths (under /proc it loops on ENOENT).
 */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (lstatOrNull(p) === null) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * Checks a directory about to be (re)filled: not a file, not a dangling link; missing
 * parents are created (as `mkdir -p`); the directory that will hold it is writable.
 * Returns the absolute path to use (a link to a directory resolved).
 */
export function checkOutputDir(path: string, what: string): string {
  const { path: target, stats } = followLink(resolve(path), what);
  if (stats && !stats.isDirectory()) throw new PosePortError('IO', `${what}: '${path}' exists and is not a directory`, { file: path });
  const parent = dirname(target);
  try {
    makeDirs(parent);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PosePortError('IO', `${what}: cannot create the directory '${parent}': ${(e as Error).message}`, { file: path, details: { errno: code } });
  }
  writable(parent, what, path);
  if (stats) writable(target, what, path);
  return target;
}
