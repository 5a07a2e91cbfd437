import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PosePortError } from '../core/errors.js';

/**
 * All-or-nothing output: files are written into a hidden staging directory beside
 * the destination and moved into place only by `commit()`. `abort()` (or a crash
 * before commit) leaves the destination untouched.
 */
export class StagedOutput {
  readonly dest: string;
  readonly staging: string;
  private readonly files: string[] = [];
  private done = false;

  constructor(dest: string) {
    this.dest = resolve(dest);
    if (existsSync(this.dest) && !statSync(this.dest).isDirectory())
      throw new PosePortError('IO', `output '${dest}' exists and is not a directory`, { file: dest });
    this.staging = join(dirname(this.dest), `.${basename(this.dest)}.staging-${process.pid}-${Date.now()}`);
    mkdirSync(this.staging, { recursive: true });
  }

  /** Path inside the staging area for `rel` (creating parent folders). */
  path(rel: string): string {
    const p = join(this.staging, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (!this.files.includes(rel)) this.files.push(rel);
    return p;
  }

  write(rel: string, data: string | Uint8Array): void {
    writeFileSync(this.path(rel), data);
  }

  /** Moves every staged file (or folder) into the destination, replacing older ones. */
  commit(): string[] {
    if (this.done) throw new Error('StagedOutput committed twice');
    mkdirSync(this.dest, { recursive: true });
    const tops = [...new Set(this.files.map((f) => f.split(/[\\/]/)[0]))];
    for (const top of tops) {
      const target = join(this.dest, top);
      if (existsSync(target)) rmSync(target, { recursive: true, force: true });
      renameSync(join(this.staging, top), target);
    }
    rmSync(this.staging, { recursive: true, force: true });
    this.done = true;
    return this.files.map((f) => join(this.dest, f));
  }

  abort(): void {
    if (this.done) return;
    rmSync(this.staging, { recursive: true, force: true });
    this.done = true;
  }
}
