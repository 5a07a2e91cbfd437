/**
 * All-or-nothing output of `convert`: files are written into a staging directory beside
 * the destination (`.<name>.staging-<pid>-<ms>`), which replaces the destination whole
 * by `commit()`: nothing of an earlier conversion survives (a `tfjs/` from an earlier
 * `--format onnx,tfjs` included). An existing destination is replaced only when it is
 * pose-port's own (a `report.json` of kind `convert`, and nothing but the files
 * conversions write); anything else there is refused before any work, naming what is
 * there. The staging directory is removed on failure (`abort`) and on SIGINT/SIGTERM
 * (core/interrupt.ts); ones left by killed runs are swept when a later conversion
 * writes beside them: pose-port's own names only, once older than STALE_AFTER_MS and
 * their process is gone.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PosePortError } from '../core/errors.js';
import { writeFailure } from '../core/file-sink.js';
import { onInterrupt } from '../core/interrupt.js';
import { checkOutputDir } from '../core/output-path.js';

/** What a conversion writes at the top of its directory. */
export const OUTPUT_NAMES: readonly string[] = ['model.onnx', 'tfjs', 'report.json'];

/** A leftover staging (or replaced) directory is swept once this old: 1 hour. */
export const STALE_AFTER_MS = 60 * 60 * 1000;

/** `.<name>.staging-<pid>-<ms>` and `.<name>.replaced-<pid>-<ms>`: the only names the sweep touches. */
const LEFTOVER = /^\..+\.(staging|replaced)-(\d+)-(\d+)$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes pose-port's leftover staging directories in `dir`: a name of the pattern,
 * a real directory (not a link), both its name's time and its mtime older than
 * `maxAgeMs`, and no live process with its pid. Returns the names removed.
 */
export function sweepStaleStaging(dir: string, maxAgeMs = STALE_AFTER_MS, now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (!m) continue;
    const p = join(dir, name);
    try {
      const s = lstatSync(p);
      if (!s.isDirectory() || now - Number(m[3]) < maxAgeMs || now - s.mtimeMs < maxAgeMs || alive(Number(m[2]))) continue;
      rmSync(p, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // another run may be sweeping the same directory
    }
  }
  return removed;
}

/** The top-level names in `dest` that a conversion did not write, or null when `dest` has no conversion's report. */
function foreignEntries(dest: string): string[] | null {
  const names = readdirSync(dest);
  if (names.length === 0) return [];
  let artifacts: string[] = [];
  try {
    const report = JSON.parse(readFileSync(join(dest, 'report.json'), 'utf8')) as { kind?: unknown; artifacts?: { file?: unknown }[] };
    if (report?.kind !== 'convert') return null;
    artifacts = (Array.isArray(report.artifacts) ? report.artifacts : []).flatMap((a) => (typeof a?.file === 'string' ? [a.file.split(/[\\/]/)[0]] : []));
  } catch {
    return null;
  }
  const ours = new Set([...OUTPUT_NAMES, ...artifacts]);
  return names.filter((n) => !ours.has(n));
}

export class StagedOutput {
  /** the destination (absolute; a link to a directory resolved) */
  readonly dest: string;
  readonly staging: string;
  private readonly files: string[] = [];
  private done = false;
  private readonly forget: () => void;

  /** Checks `dest` (see the file header), sweeps stale leftovers beside it and creates the staging directory. */
  constructor(dest: string, what = '--out') {
    this.dest = checkOutputDir(dest, what);
    let existing: string[] | null = [];
    try {
      existing = foreignEntries(this.dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(this.dest, e);
    }
    if (existing === null || existing.length > 0)
      throw new PosePortError(
        'IO',
        `${what}: '${dest}' holds files no conversion wrote (${existing === null ? 'it has no convert report.json' : existing.slice(0, 5).join(', ') + (existing.length > 5 ? ', ...' : '')}); ` +
          'a conversion replaces its directory whole: choose a new or empty directory, or one an earlier conversion wrote',
        { file: dest, details: { foreign: existing } },
      );
    const parent = dirname(this.dest);
    let mountPoint = false;
    try {
      mountPoint = lstatSync(this.dest).dev !== lstatSync(parent).dev;
    } catch {
      // no destination yet
    }
    if (mountPoint)
      throw new PosePortError('IO', `${what}: '${dest}' is a mount point, which a conversion cannot replace whole: use a directory inside it`, { file: dest });
    sweepStaleStaging(parent);
    this.staging = join(parent, `.${basename(this.dest)}.staging-${process.pid}-${Date.now()}`);
    try {
      mkdirSync(this.staging);
    } catch (e) {
      throw writeFailure(this.staging, e);
    }
    const staging = this.staging;
    this.forget = onInterrupt(() => rmSync(staging, { recursive: true, force: true }));
  }

  /** Path inside the staging area for `rel` (creating parent folders). */
  path(rel: string): string {
    const p = join(this.staging, rel);
    try {
      mkdirSync(dirname(p), { recursive: true });
    } catch (e) {
      throw writeFailure(p, e);
    }
    if (!this.files.includes(rel)) this.files.push(rel);
    return p;
  }

  write(rel: string, data: string | Uint8Array): void {
    const p = this.path(rel);
    try {
      writeFileSync(p, data);
    } catch (e) {
      throw writeFailure(p, e);
    }
  }

  /**
   * Makes the staging directory the destination: an existing destination is moved
   * aside (`.<name>.replaced-<pid>-<ms>`), the staging directory renamed in its place,
   * and the old one removed; if the rename fails the old one is put back.
   */
  commit(): string[] {
    if (this.done) throw new Error('StagedOutput committed twice');
    const old = join(dirname(this.dest), `.${basename(this.dest)}.replaced-${process.pid}-${Date.now()}`);
    let moved = false;
    try {
      try {
        renameSync(this.dest, old);
        moved = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      try {
        renameSync(this.staging, this.dest);
      } catch (e) {
        if (moved) renameSync(old, this.dest);
        throw e;
      }
    } catch (e) {
      this.abort();
      throw writeFailure(this.dest, e);
    }
    this.done = true;
    this.forget();
    if (moved) rmSync(old, { recursive: true, force: true });
    return this.files.map((f) => join(this.dest, f));
  }

  abort(): void {
    if (this.done) return;
    rmSync(this.staging, { recursive: true, force: true });
    this.done = true;
    this.forget();
  }
}
