/**
 * The crop stage of the keypoint graphs alone (src/keypoint-graph/crop.ts), run in
 * onnxruntime-node: `image` uint8 [H, W, 3] and either `boxes` [N, 4] (the 'keypoints'
 * graph's path: box -> center/scale in the graph) or `center`, `scale` [N, 2] (MMPose's
 * values, as the reference vectors give them) -> `crops` [N, Ho, Wo, 3] holding 0..255.
 */
import * as ort from 'onnxruntime-node';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { getAffineTransform } from '../../src/eval/affine.js';
import { xywh2cs } from '../../src/eval/bbox.js';
import { warpAffineLinear } from '../../src/eval/warp.js';
import type { ImageU8 } from '../../src/io/image.js';
import { Graph } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { affineFrame, boxesToCenterScale, centerScaleInputs } from '../../src/keypoint-graph/box.js';
import { cropImage } from '../../src/keypoint-graph/crop.js';
import { samplePositions } from '../../src/keypoint-graph/crop-positions.js';
import { Ops } from '../../src/keypoint-graph/ops.js';

export type CropBy = 'boxes' | 'center-scale';

/** A session computing the in-graph crops of `inputSize` [h, w] (padding 1.25 for boxes). */
export async function cropSession(by: CropBy, inputSize: [number, number]) {
  const g = new Graph();
  const image = g.addInput('image', ['H', 'W', 3], 'uint8');
  const ops = new Ops(g, 'crop_stage');
  const box =
    by === 'boxes' ? boxesToCenterScale(ops, g.addInput('boxes', ['N', 4]), inputSize, 1.25) : centerScaleInputs(ops, g.addInput('center', ['N', 2]), g.addInput('scale', ['N', 2]));
  g.markOutput(cropImage(ops, image, affineFrame(ops, box), inputSize), 'crops');
  verifyGraph(g);
  const session = await ort.InferenceSession.create(emitOnnx(g));
  const [h, w] = inputSize;
  return {
    /** `rows`: boxes [x, y, w, h], or [cx, cy, sx, sy] (center and scale) */
    async run(img: ImageU8, rows: readonly (readonly number[])[]): Promise<Uint8Array[]> {
      const feeds: Record<string, ort.Tensor> = { image: new ort.Tensor('uint8', img.data, [img.height, img.width, 3]) };
      if (by === 'boxes') feeds.boxes = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]);
      else {
        feeds.center = new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => [r[0], r[1]])), [rows.length, 2]);
        feeds.scale = new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => [r[2], r[3]])), [rows.length, 2]);
      }
      const out = (await session.run(feeds)).crops.data as Float32Array;
      return rows.map((_, i) => Uint8Array.from(out.subarray(i * h * w * 3, (i + 1) * h * w * 3)));
    },
    release: () => session.release(),
  };
}

export interface PixelStats {
  /** values compared (pixels·channels) */
  values: number;
  /** values that differ */
  differing: number;
  /** largest grey-level difference */
  maxDiff: number;
}

export function comparePixels(a: Uint8Array, b: Uint8Array, into: PixelStats = { values: 0, differing: 0, maxDiff: 0 }): PixelStats {
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d) into.differing++;
    into.maxDiff = Math.max(into.maxDiff, d);
  }
  into.values += a.length;
  return into;
}

/** The TypeScript pipeline's crop of one box (as `run`: `_xywh2cs`, `get_affine_transform`, OpenCV's fixed-point warp), HWC uint8. */
export function referenceCrop(img: ImageU8, box: readonly number[], [h, w]: [number, number]): Uint8Array {
  const cs = xywh2cs(box[0], box[1], box[2], box[3], [w, h]);
  return warpAffineLinear(img, getAffineTransform(cs.center, cs.scale, [w, h]), w, h).data;
}

/** Per image, per box: whether the in-graph crop equals the TypeScript pipeline's pixel for pixel. */
export async function exactCrops(images: [ImageU8, number[][]][], inputSize: [number, number]): Promise<boolean[][]> {
  const s = await cropSession('boxes', inputSize);
  try {
    const out: boolean[][] = [];
    for (const [img, boxes] of images) {
      if (!boxes.length) {
        out.push([]);
        continue;
      }
      const got = await s.run(img, boxes);
      out.push(boxes.map((b, i) => comparePixels(got[i], referenceCrop(img, b, inputSize)).differing === 0));
    }
    return out;
  } finally {
    await s.release();
  }
}

/**
 * The crop's sample positions alone for center/scale rows [cx, cy, sx, sy]: per box the
 * source column of each output column and the source row of each output row, in 1/32 px
 * (`X = sx·32 + fx`), as src/keypoint-graph/crop-positions.ts computes them.
 */
export async function samplePositionsOf(rows: readonly (readonly number[])[], inputSize: [number, number]): Promise<{ X: Float32Array; Y: Float32Array }> {
  const g = new Graph();
  const ops = new Ops(g, 'positions_stage');
  const frame = affineFrame(ops, centerScaleInputs(ops, g.addInput('center', ['N', 2]), g.addInput('scale', ['N', 2])));
  const p = samplePositions(ops, frame, inputSize);
  const k32 = ops.scalar('k32', 32);
  g.markOutput(ops.add(ops.mul(p.sx, k32), p.fx), 'X');
  g.markOutput(ops.add(ops.mul(p.sy, k32), p.fy), 'Y');
  verifyGraph(g);
  const session = await ort.InferenceSession.create(emitOnnx(g));
  try {
    const out = await session.run({
      center: new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => [r[0], r[1]])), [rows.length, 2]),
      scale: new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => [r[2], r[3]])), [rows.length, 2]),
    });
    return { X: out.X.data as Float32Array, Y: out.Y.data as Float32Array };
  } finally {
    await session.release();
  }
}
