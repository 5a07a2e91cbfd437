/** Deterministic RGB image in [0, 1) (mulberry32 stream), normalised with mean/std, NCHW: the input verify runs artifacts on. */
export function deterministicInput(seed: number, [h, w]: readonly [number, number], mean: readonly number[], std: readonly number[]): Float32Array {
  let a = (seed ^ 0x9e3779b9) >>> 0;
  const out = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < h * w; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      out[c * h * w + i] = (u - mean[c]) / std[c];
    }
  return out;
}
