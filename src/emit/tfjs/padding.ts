import type { Pads } from '../../ir/types.js';

/**
 * How TensorFlow pads one spatial axis of a convolution or pooling: 'SAME' puts
 * floor(total/2) before and the rest after, where total makes the output ceil(in/s);
 * 'VALID' pads nothing. PyTorch/ONNX pads are explicit and often symmetric, so the
 * two agree only for some sizes (k3 s2 p1 on an odd size is SAME, on an even size it
 * is not: SAME would pad 0 before and 1 after).
 */
export function samePads(inSize: number, k: number, s: number, d = 1): [number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export type TfPadding = { kind: 'VALID' } | { kind: 'SAME' } | { kind: 'EXPLICIT'; pads: Pads };

/**
 * The TF padding for a window op with IR pads [top, left, bottom, right] over an input
 * of [H, W]: VALID when none, SAME when TF's SAME rule gives exactly these pads,
 * otherwise the explicit pads (the caller decides how to express them).
 */
export function tfPadding(size: readonly [number, number], kernel: readonly [number, number], strides: readonly [number, number], pads: Pads, dilations: readonly [number, number] = [1, 1]): TfPadding {
  const [t, l, b, r] = pads;
  if (t === 0 && l === 0 && b === 0 && r === 0) return { kind: 'VALID' };
  const [st, sb] = samePads(size[0], kernel[0], strides[0], dilations[0]);
  const [sl, sr] = samePads(size[1], kernel[1], strides[1], dilations[1]);
  if (st === t && sb === b && sl === l && sr === r) return { kind: 'SAME' };
  return { kind: 'EXPLICIT', pads };
}

/** explicit_paddings of an NHWC op: [before, after] per dimension, N and C unpadded. */
export function explicitPaddingsNhwc(pads: Pads): number[] {
  const [t, l, b, r] = pads;
  return [0, 0, t, b, l, r, 0, 0];
}
