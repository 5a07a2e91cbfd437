/**
 * `pose-port convert` and `pose-port verify` as the CLI takes them: the checkpoint is a
 * file or a zoo name, resolved by `resolveCheckpoint` (a zoo checkpoint fetched and
 * checked when missing), then converted or verified. One API function per command; a
 * library caller holding a file path can call `convertCheckpoint` / `verifyArtifacts`.
 */
import { join } from 'node:path';
import { PosePortError } from '../core/errors.js';
import { resolveCheckpoint, type CheckpointSourceOptions } from './checkpoint-source.js';
import { convertCheckpoint, type ConvertOptions, type ConvertResult } from './convert.js';
import { verifyArtifacts, type VerifyOptions, type VerifyReport } from './verify.js';

export interface ConvertSourceOptions extends Omit<ConvertOptions, 'out'> {
  /** output directory (default: out/<checkpoint file name without .pth>) */
  out?: string;
  /** where a zoo checkpoint is looked for / downloaded, and from which mirror */
  fetch?: CheckpointSourceOptions;
}

/**
 * Converts the checkpoint `src` names (a path or a zoo name; a zoo name also sets `zoo`
 * unless given). Returns the output directory with the result.
 */
export async function convertSource(src: string, opts: ConvertSourceOptions = {}): Promise<ConvertResult & { out: string }> {
  const { fetch, out: outOpt, ...convert } = opts;
  if (convert.quantize !== undefined && !(convert.formats ?? ['onnx']).includes('tfjs'))
    throw new PosePortError('USAGE', 'convert: --quantize applies to the tfjs format only');
  const ckpt = await resolveCheckpoint(src, fetch, 'convert');
  const out = outOpt ?? join('out', ckpt.path.replace(/^.*[\\/]/, '').replace(/\.pth$/, ''));
  const r = await convertCheckpoint(ckpt.path, { ...convert, out, zoo: convert.zoo ?? ckpt.zoo });
  return { ...r, out };
}

/** Verifies the conversion output directory `dir` against the checkpoint `src` names (a path or a zoo name). */
export async function verifySource(src: string, dir: string, opts: VerifyOptions & { fetch?: CheckpointSourceOptions } = {}): Promise<VerifyReport> {
  const { fetch, ...verify } = opts;
  const ckpt = await resolveCheckpoint(src, fetch, 'verify');
  return verifyArtifacts(ckpt.path, dir, verify);
}
