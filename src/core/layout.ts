/**
 * Layout conversions between the IR's NCHW (PyTorch, ONNX) and TF.js's NHWC, for
 * activations and for convolution weights. The one copy: the TF.js emitter transposes
 * weights with it, and running or comparing artifacts transposes activations with it.
 * All are exact (element moves only).
 */

/** [N, C, H, W] -> [N, H, W, C] */
export function nchwToNhwc(d: ArrayLike<number>, [N, C, H, W]: readonly number[]): Float32Array {
  const out = new Float32Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) out[((n * H + h) * W + w) * C + c] = d[((n * C + c) * H + h) * W + w];
  return out;
}

/** [N, H, W, C] -> [N, C, H, W] */
export function nhwcToNchw(d: ArrayLike<number>, [N, H, W, C]: readonly number[]): Float32Array {
  const out = new Float32Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) out[((n * C + c) * H + h) * W + w] = d[((n * H + h) * W + w) * C + c];
  return out;
}

/** an NHWC shape [N, H, W, C] as NCHW [N, C, H, W] */
export const nhwcShapeToNchw = ([n, h, w, c]: readonly number[]): number[] => [n, c, h, w];

/** conv weight [O, I, kH, kW] (rows [o0, o1)) -> HWIO [kH, kW, I, o1-o0] */
export function oihwToHwio(w: ArrayLike<number>, [O, I, KH, KW]: readonly number[], o0 = 0, o1 = O): Float32Array {
  const On = o1 - o0;
  const out = new Float32Array(On * I * KH * KW);
  for (let o = o0; o < o1; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < KH; h++)
        for (let x = 0; x < KW; x++) out[((h * KW + x) * I + i) * On + (o - o0)] = w[((o * I + i) * KH + h) * KW + x];
  return out;
}
