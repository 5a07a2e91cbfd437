/**
 * Test-time flip as MMPose v0.12's TopDown.forward_test does it (the eval helper owns
 * the production version in src/eval): the input mirrored along W, the heatmaps of the
 * mirrored input flipped back (flip-pair channels swapped, W mirrored), optionally
 * shifted one column right (`shift_heatmap`: f[..., 1:] = f[..., :-1], column 0 keeps
 * its value), then averaged with the plain output as (out + f) * 0.5 in float32.
 */

/** x [N, C, H, W] mirrored along W. */
export function flipW(x: Float32Array, shape: readonly number[]): Float32Array {
  const [n, c, h, w] = shape;
  if (x.length !== n * c * h * w) throw new Error(`flipW: ${x.length} elements for shape [${shape.join(', ')}]`);
  const out = new Float32Array(x.length);
  for (let row = 0; row < n * c * h; row++) {
    const o = row * w;
    for (let i = 0; i < w; i++) out[o + i] = x[o + w - 1 - i];
  }
  return out;
}

/** MMPose's flip_back for heatmaps [N, K, H, W]: channels of each pair swapped, then W mirrored. */
export function flipBack(heatmaps: Float32Array, shape: readonly number[], flipPairs: readonly (readonly [number, number])[]): Float32Array {
  const [n, k, h, w] = shape;
  const plane = h * w;
  const perm = Array.from({ length: k }, (_, i) => i);
  for (const [a, b] of flipPairs) {
    if (a >= k || b >= k) throw new Error(`flip pair [${a}, ${b}] outside ${k} channels`);
    perm[a] = b;
    perm[b] = a;
  }
  const swapped = new Float32Array(heatmaps.length);
  for (let b = 0; b < n; b++)
    for (let c = 0; c < k; c++) swapped.set(heatmaps.subarray((b * k + perm[c]) * plane, (b * k + perm[c] + 1) * plane), (b * k + c) * plane);
  return flipW(swapped, shape);
}

/** f[..., 1:] = f[..., :-1] in place (column 0 keeps its value). */
export function shiftRight(f: Float32Array, shape: readonly number[]): Float32Array {
  const [n, k, h, w] = shape;
  for (let row = 0; row < n * k * h; row++) {
    const o = row * w;
    for (let i = w - 1; i >= 1; i--) f[o + i] = f[o + i - 1];
  }
  return f;
}

/** (out + shift?(flip_back(flipped))) * 0.5, each step rounded to float32 as numpy does. */
export function flipAverage(
  out: Float32Array,
  flippedOut: Float32Array,
  shape: readonly number[],
  flipPairs: readonly (readonly [number, number])[],
  shiftHeatmap: boolean,
): Float32Array {
  const f = flipBack(flippedOut, shape, flipPairs);
  if (shiftHeatmap) shiftRight(f, shape);
  const avg = new Float32Array(out.length);
  for (let i = 0; i < out.length; i++) avg[i] = Math.fround(Math.fround(out[i] + f[i]) * 0.5);
  return avg;
}
