import { existsSync } from 'node:fs';
import { PosePortError } from '../core/errors.js';
import { fetchCheckpoint, type FetchProgress } from '../zoo/fetch.js';
import { findZooEntry } from '../zoo/registry.js';

export interface CheckpointSourceOptions {
  /** where a zoo checkpoint is looked for / downloaded (default: the cache dir) */
  dir?: string;
  /** download zoo checkpoints from this scheme+host instead */
  mirror?: string;
  onProgress?: (p: FetchProgress) => void;
}

export interface ResolvedCheckpoint {
  /** the checkpoint file to read */
  path: string;
  /** the zoo entry's name when `src` named one */
  zoo?: string;
}

/**
 * A checkpoint given as a path or a zoo name, as convert and verify take it: an existing
 * file is used as it is (then `dir` and `mirror` are a USAGE error: they apply to a zoo
 * name); a zoo name is fetched into `dir` (verified against its sha256 prefix) unless a
 * verified copy is there; anything else is an IO error naming it. `command` prefixes the
 * messages.
 */
export async function resolveCheckpoint(src: string, opts: CheckpointSourceOptions = {}, command = 'convert'): Promise<ResolvedCheckpoint> {
  if (existsSync(src)) {
    if (opts.dir !== undefined || opts.mirror !== undefined) throw new PosePortError('USAGE', `${command}: --dir and --mirror apply to a zoo name, not to a checkpoint file`);
    return { path: src };
  }
  if (!findZooEntry(src)) throw new PosePortError('IO', `${command}: '${src}' is neither a file nor a zoo name ('pose-port zoo list')`, { file: src });
  const r = await fetchCheckpoint(src, { dir: opts.dir, mirror: opts.mirror, onProgress: opts.onProgress });
  return { path: r.path, zoo: src };
}
