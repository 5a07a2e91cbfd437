/**
 * Paths named by untrusted files (an annotation's `file_name`, a TF.js manifest's shard
 * paths) resolved inside the directory they must stay in. The name is checked as text
 * first (a non-empty relative path without `..` segments or NUL; `plain` allows no `/` at
 * all), then the real path (symlinks resolved) must lie inside the real directory, so a
 * link planted in the directory cannot lead out of it either.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { PosePortError, type ErrorCode } from './errors.js';

export interface ConfinedPathOptions {
  /** what the name is meant to be, for messages ('image', 'weight shard') */
  what: string;
  /** the file that named it (annotation file, model.json) */
  file?: string;
  /** the field holding the name ('images[3].file_name', 'weightsManifest[0].paths[1]') */
  key?: string;
  /** the code of a refusal; default 'ANNOTATION_FORMAT' */
  code?: ErrorCode;
  /** a plain file name: no directory part at all */
  plain?: boolean;
}

/** The textual checks alone (no file system access); returns the name. */
export function checkConfinedName(name: unknown, opts: ConfinedPathOptions): string {
  const code = opts.code ?? 'ANNOTATION_FORMAT';
  const refuse = (why: string): never => {
    throw new PosePortError(code, `${opts.key ?? opts.what} ${why}`, { file: opts.file, key: opts.key });
  };
  if (typeof name !== 'string') return refuse(`must be a string naming the ${opts.what}, got ${name === null ? 'null' : typeof name}`);
  if (name === '') return refuse(`is empty: it must name the ${opts.what}`);
  if (name.includes('\0')) return refuse(`contains a NUL character`);
  if (isAbsolute(name)) return refuse(`is an absolute path ('${name}'): it must be relative to the ${opts.what}'s directory`);
  if (opts.plain && /[/\\]/.test(name)) return refuse(`is '${name}': it must be a plain file name in the model directory (no directory part)`);
  if (name.split(/[/\\]/).some((s) => s === '..')) return refuse(`is '${name}': '..' would leave the ${opts.what}'s directory`);
  return name;
}

/**
 * The real path of `name` inside `dir` (checked as `checkConfinedName`, then resolved):
 * IO when it does not exist, `opts.code` when it resolves outside `dir`.
 * `realDir` may pass `realpathSync(dir)` when many names share it.
 */
export function resolveConfined(dir: string, name: unknown, opts: ConfinedPathOptions, realDir?: string): string {
  const n = checkConfinedName(name, opts);
  const root = realDir ?? realpathSync(dir);
  let real: string;
  try {
    real = realpathSync(join(dir, n));
  } catch (e) {
    throw new PosePortError('IO', `cannot find the ${opts.what} '${n}' that ${opts.key ?? 'it'} names in '${dir}': ${(e as Error).message}`, {
      file: opts.file,
      key: opts.key,
    });
  }
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep))
    throw new PosePortError(opts.code ?? 'ANNOTATION_FORMAT', `${opts.key ?? opts.what} '${n}' resolves to '${real}', outside '${dir}' (a symbolic link leads out)`, {
      file: opts.file,
      key: opts.key,
    });
  return real;
}
