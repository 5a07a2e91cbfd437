import type { Value } from '../ir/types.js';
import type { Ops } from './ops.js';
import type { AffineFrame, CropBoxes } from './settings.js';

/**
 * Person boxes `[N, 4]` x, y, w, h -> center and crop width as MMPose's `_xywh2cs`
 * (spec §1.3, src/eval/bbox.ts), in float32: `cx = x + 0.5·w` (one rounding, as
 * f32 of the float64 sum); the box widened to the input aspect ratio when narrower;
 * `scale0 = f32(f32(w'/200)·f32(padding))`; `sw = f32(scale0·200)`. Only the width is
 * needed: the crop's height follows from the input's aspect ratio (`scale[1]` is never used).
 * Differs from the float64 reference only where `h·aspect` needs more than 24 bits.
 */
export function boxesToCenterScale(ops: Ops, boxes: Value, inputSize: readonly [number, number], padding: number): CropBoxes {
  const o = ops.in('box');
  const x = o.slice(boxes, 1, 0, 1, 'x');
  const y = o.slice(boxes, 1, 1, 2, 'y');
  const w = o.slice(boxes, 1, 2, 3, 'w');
  const h = o.slice(boxes, 1, 3, 4, 'h');
  const half = o.scalar('half', 0.5);
  const cx = o.add(x, o.mul(w, half), 'cx');
  const cy = o.add(y, o.mul(h, half), 'cy');
  const [hi, wi] = inputSize;
  const hAspect = o.mul(h, o.scalar('aspect', wi / hi), 'h_aspect');
  const wide = o.compare('less', w, hAspect, 'narrower');
  const width = o.where(wide, hAspect, w, 'width');
  const k200 = o.scalar('pixel_std', 200);
  const scale0 = o.mul(o.div(width, k200), o.scalar('padding', padding), 'scale0');
  const sw = o.mul(scale0, k200, 'sw');
  return { cx, cy, sw };
}

/** center `[N, 2]`, scale `[N, 2]` (the crop-keypoints inputs) -> the same geometry. */
export function centerScaleInputs(ops: Ops, center: Value, scale: Value): CropBoxes {
  const o = ops.in('box');
  return {
    cx: o.slice(center, 1, 0, 1, 'cx'),
    cy: o.slice(center, 1, 1, 2, 'cy'),
    sw: o.mul(o.slice(scale, 1, 0, 1, 'scale0'), o.scalar('pixel_std', 200), 'sw'),
  };
}

/** The affine frame of each box (see AffineFrame), float32 as MMPose stores the points. */
export function affineFrame(ops: Ops, box: CropBoxes): AffineFrame {
  const o = ops.in('frame');
  const t = o.sub(box.cy, o.mul(box.sw, o.scalar('half', 0.5)), 't');
  const d = o.sub(box.cy, t, 'd');
  const u = o.sub(box.cx, d, 'u');
  const e = o.sub(box.cx, u, 'e');
  return { u, t, e, d, eLo: differenceError(o, box.cx, u, e, 'e_lo'), dLo: differenceError(o, box.cy, t, d, 'd_lo') };
}

/** `(a − b) − s` exactly, for `s` the float32 `a − b` (Knuth's two-sum of a and −b). */
function differenceError(o: Ops, a: Value, b: Value, s: Value, what: string): Value {
  const bb = o.sub(s, a, `${what}_b`);
  return o.sub(o.sub(a, o.sub(s, bb), `${what}_a_err`), o.add(b, bb), what);
}
