/**
 * Parsers of the structured flag values (`type: 'value'` in a command's flags): args.ts
 * calls them while parsing, so an ill-formed value is a USAGE error before any work.
 */
import { PosePortError } from '../core/errors.js';
import type { Shard } from '../pipeline/shard.js';

/** `--input-size HxW` (both >= 32), as [height, width]. */
export function parseInputSize(v: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m || Number(m[1]) < 32 || Number(m[2]) < 32) throw new PosePortError('USAGE', `convert: --input-size expects HEIGHTxWIDTH (e.g. 256x192), got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

/** `--bbox x,y,w,h` (four finite numbers). */
export function parseBbox(v: string): [number, number, number, number] {
  const parts = v.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === '') || !nums.every(Number.isFinite))
    throw new PosePortError('USAGE', `--bbox expects x,y,w,h (four numbers), got '${v}'`);
  return [nums[0], nums[1], nums[2], nums[3]];
}

/** `--shard i/n` (0 <= i < n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count)
    throw new PosePortError('USAGE', `--shard expects i/n with 0 <= i < n (e.g. 0/4 ... 3/4, as Kubernetes' JOB_COMPLETION_INDEX counts), got '${text}'`);
  return { index, count };
}
