/**
 * Converted models for the pipeline tests: a make-checkpoint.py checkpoint of a zoo row,
 * converted once per test file (ONNX and TF.js, through convertCheckpoint) into a temp
 * directory; plus small comparison helpers for persons' keypoints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint, type ArtifactFormat } from '../../src/pipeline/convert.js';
import { makeCheckpoint } from '../helpers/ckpt.js';

export { COCO, MPII } from '../helpers/data.js';

export interface Converted {
  dir: string;
  onnx: string;
  tfjs: string;
}

/** A fresh temp dir and its cleanup. */
export function workDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `pose-port-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Converts the make-checkpoint checkpoint of zoo row `model` (seed 0) with `--zoo model` into `root/model`. */
export async function convertZooRow(model: string, root: string, formats: ArtifactFormat[] = ['onnx', 'tfjs']): Promise<Converted> {
  const ckpt = makeCheckpoint(model);
  const dir = join(root, model);
  await convertCheckpoint(ckpt, { out: dir, zoo: model, formats });
  return { dir, onnx: join(dir, 'model.onnx'), tfjs: join(dir, 'tfjs', 'model.json') };
}

/**
 * Keypoint-score tolerance between runtimes (ONNX vs TF.js): the scores are heatmap maxima
 * (DARK, default) or maxima/255 + 0.5 (megvii), and the two runtimes' heatmaps agree to
 * float32 rounding of the convolutions (relL2 ~1e-6, maxAbs a few 1e-5 on maxima ~25).
 */
export const CROSS_RUNTIME_SCORE_TOL = 1e-4;

/** Largest |a - b| over keypoint coordinates and over scores of two [K*3] (x, y, score) lists. */
export function maxKeypointDiff(a: ArrayLike<number>, b: ArrayLike<number>): { px: number; score: number } {
  if (a.length !== b.length) throw new Error(`keypoint lists differ in length: ${a.length} vs ${b.length}`);
  let px = 0;
  let score = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (i % 3 === 2) score = Math.max(score, d);
    else px = Math.max(px, d);
  }
  return { px, score };
}
