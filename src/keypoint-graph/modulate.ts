import { gaussianKernel } from '../eval/gaussian.js';
import type { Value } from '../ir/types.js';
import type { Ops } from './ops.js';

/**
 * MMPose's `_gaussian_blur` (spec §6.3 step 2): each channel blurred with OpenCV's
 * Gaussian kernel over zero padding (a horizontal then a vertical depthwise
 * convolution, float32, kernel from src/eval/gaussian.ts) and rescaled so its maximum
 * is the original one: `blur · f32(max / max(blur))`. The runtimes sum the taps in
 * their own order, so values differ from OpenCV's by about an ulp (spec §6.5).
 */
export function modulate(ops: Ops, heatmaps: Value, kernel: number): Value {
  const o = ops.in('modulate');
  const [, k] = heatmaps.shape as [unknown, number];
  const taps = gaussianKernel(kernel);
  const r = (kernel - 1) / 2;
  const weights = (shape: number[]) => {
    const data = new Float32Array(k * kernel);
    for (let c = 0; c < k; c++) data.set(taps, c * kernel);
    return o.graph.addComputedConstant(`${o.scope}/gaussian_${shape.join('x')}`, shape, data, [`gaussian kernel ${kernel}`]);
  };
  const conv = (x: Value, shape: number[], pads: [number, number, number, number], what: string) =>
    o.graph.add('conv', [x, weights(shape)], { strides: [1, 1], pads, dilations: [1, 1], group: k }, { name: `${o.scope}/${what}` });
  const rows = conv(heatmaps, [k, 1, 1, kernel], [0, r, 0, r], 'blur_rows');
  const blurred = conv(rows, [k, 1, kernel, 1], [r, 0, r, 0], 'blur_cols');
  const max = o.reduce('max', heatmaps, [2, 3], true, 'max');
  const blurredMax = o.reduce('max', blurred, [2, 3], true, 'blurred_max');
  return o.mul(blurred, o.div(max, blurredMax, 'rescale'), 'modulated');
}
