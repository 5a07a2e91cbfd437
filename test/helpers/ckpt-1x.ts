/**
 * MMPose 1.x (mmengine) checkpoints of a zoo manifest, with the same seed-0 weights as
 * scripts/make-checkpoint.py's 0.x file and the keys renamed as MMPose 1.x names them
 * (test/helpers/mmengine_ckpt.py, the one place that renames). Cached under .cache/ckpt
 * like makeCheckpoint.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, CHECKPOINT_WRITER, manifestPath, PYTHON, ROOT } from './ckpt.js';

export interface Make1xOptions {
  legacy?: boolean;
  seed?: number;
  /** training: meta + state_dict + message_hub + optimizer + param_schedulers (default); converted: meta + state_dict; bare: state_dict */
  kind?: 'training' | 'converted' | 'bare';
  /** add data_preprocessor.mean/std to the state_dict (older mmengine kept them) */
  preprocessorBuffers?: boolean;
  /** extra-field: a HistoryBuffer with a field mmengine's never has; message-hub: a MessageHub object pickled itself */
  hostile?: 'extra-field' | 'message-hub';
}

export const MMENGINE_SCRIPT = join(ROOT, 'test', 'helpers', 'mmengine_ckpt.py');

/** Path of an MMPose 1.x checkpoint of `model` (cached). */
export function makeCheckpoint1x(model: string, opts: Make1xOptions = {}): string {
  const seed = opts.seed ?? 0;
  const kind = opts.kind ?? 'training';
  const tag = [model, `s${seed}`, opts.legacy ? 'legacy' : 'zip', 'mmpose1', kind, opts.preprocessorBuffers ? 'dp' : '', opts.hostile ?? '']
    .filter(Boolean)
    .join('-');
  const out = join(CACHE, `${tag}.pth`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  const tmpDir = join(CACHE, `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${tag}.pth`);
  const args = [MMENGINE_SCRIPT, CHECKPOINT_WRITER, manifestPath(model), tmp, '--seed', String(seed), '--kind', kind];
  if (opts.legacy) args.push('--legacy');
  if (opts.preprocessorBuffers) args.push('--preprocessor-buffers');
  if (opts.hostile) args.push('--hostile', opts.hostile);
  try {
    execFileSync(PYTHON, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    renameSync(tmp, out);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  return out;
}
