/**
 * The flip test (spec §4): `flip_back` of the heatmaps of the mirrored crop, the optional
 * one-column `shift_heatmap`, and the float32 average with the normal output.
 */
import { PosePortError } from '../core/errors.js';

export type Shape4 = readonly [number, number, number, number];

function checkShape(name: string, t: Float32Array, shape: Shape4): void {
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  if (t.length !== n) {
    throw new PosePortError('SHAPE_MISMATCH', `${name}: ${t.length} values for shape [${shape.join(', ')}] (${n})`);
  }
}

/**
 * `flip_back(output_flipped, flip_pairs)`: swaps the channels of each pair (in pair order,
 * from the unswapped input) and reverses every channel along the width.
 */
export function flipBack(heatmaps: Float32Array, shape: Shape4, flipPairs: readonly (readonly [number, number])[]): Float32Array {
  checkShape('flipBack', heatmaps, shape);
  const [n, k, h, w] = shape;
  const plane = h * w;
  const srcChannel = new Int32Array(k);
  for (let c = 0; c < k; c++) srcChannel[c] = c;
  for (const [l, r] of flipPairs) {
    if (l < 0 || r < 0 || l >= k || r >= k) {
      throw new PosePortError('SHAPE_MISMATCH', `flipBack: flip pair [${l}, ${r}] outside ${k} channels`);
    }
    srcChannel[l] = r;
    srcChannel[r] = l;
  }
  const out = new Float32Array(heatmaps.length);
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < k; c++) {
      const src = (b * k + srcChannel[c]) * plane;
      const dst = (b * k + c) * plane;
      for (let y = 0; y < h; y++) {
        const rs = src + y * w;
        const rd = dst + y * w;
        for (let x = 0; x < w; x++) out[rd + x] = heatmaps[rs + w - 1 - x];
      }
    }
  }
  return out;
}

/**
 * `shift_heatmap`: in place, column j takes the old column j-1 for j >= 1 and column 0
 * keeps its value (so it is duplicated): [7,6,5,4] -> [7,7,6,5].
 */
export function shiftHeatmapRight(heatmaps: Float32Array, shape: Shape4): Float32Array {
  checkShape('shiftHeatmapRight', heatmaps, shape);
  const w = shape[3];
  const rows = shape[0] * shape[1] * shape[2];
  for (let r = 0; r < rows; r++) {
    const base = r * w;
    for (let x = w - 1; x >= 1; x--) heatmaps[base + x] = heatmaps[base + x - 1];
  }
  return heatmaps;
}

/** `(a + b) * 0.5` in float32. */
export function averageHeatmaps(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) {
    throw new PosePortError('SHAPE_MISMATCH', `averageHeatmaps: ${a.length} vs ${b.length} values`);
  }
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.fround(Math.fround(a[i] + b[i]) * 0.5);
  return out;
}

/**
 * The whole flip-test combination as `TopDownSimpleHead.inference_model` and
 * `TopDown.forward_test` do it: flip back the output of the mirrored input, shift it when
 * `shiftHeatmap`, and average with the normal output.
 */
export function combineFlipTest(
  heatmaps: Float32Array,
  heatmapsOfFlippedInput: Float32Array,
  shape: Shape4,
  flipPairs: readonly (readonly [number, number])[],
  shiftHeatmap: boolean,
): Float32Array {
  const back = flipBack(heatmapsOfFlippedInput, shape, flipPairs);
  if (shiftHeatmap) shiftHeatmapRight(back, shape);
  return averageHeatmaps(heatmaps, back);
}
