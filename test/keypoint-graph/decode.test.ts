/**
 * The decoding stages of the keypoint graphs alone (heatmaps, center and scale in;
 * keypoints in image pixels and scores out), run in onnxruntime-node
 * against src/eval/decode.ts on MMPose-like heatmaps: unit Gaussians (sigma 2) at
 * sub-pixel centres with a little noise, some channels all negative (no peak) or
 * peaking on the border rows/columns where no refinement runs. Boxes up to 4000 px.
 */
import test from 'ava';
import * as ort from 'onnxruntime-node';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { decodeHeatmaps, type DecodeMethod } from '../../src/eval/decode.js';
import { Graph } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { affineFrame, centerScaleInputs } from '../../src/keypoint-graph/box.js';
import { decodeDark } from '../../src/keypoint-graph/decode-dark.js';
import { decodeDefault } from '../../src/keypoint-graph/decode-default.js';
import { decodeMegvii } from '../../src/keypoint-graph/decode-megvii.js';
import { Ops } from '../../src/keypoint-graph/ops.js';
import { toImage } from '../../src/keypoint-graph/to-image.js';
import { mulberry32 } from '../helpers/manifest-tensors.js';

const N = 6;
const K = 9;
const H = 64;
const W = 48;

function heatmaps(seed: number, scale255: boolean): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(N * K * H * W);
  for (let c = 0; c < N * K; c++) {
    const kind = c % 9;
    const cx = kind === 7 ? 0.3 : kind === 8 ? W - 1.2 : 3 + rnd() * (W - 6);
    const cy = kind === 8 ? 1.1 : 3 + rnd() * (H - 6);
    const amp = (kind === 6 ? -0.5 : 0.3 + 0.7 * rnd()) * (scale255 ? 255 : 1);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const g = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 8);
        out[(c * H + y) * W + x] = amp * (kind === 6 ? 1 : g) + 0.002 * (rnd() - 0.5) * (scale255 ? 255 : 1);
      }
  }
  return out;
}

function decodeGraph(method: DecodeMethod, kernel: number): Graph {
  const g = new Graph();
  const hm = g.addInput('heatmaps', ['N', K, H, W]);
  const center = g.addInput('center', ['N', 2]);
  const scale = g.addInput('scale', ['N', 2]);
  const ops = new Ops(g, 'decode');
  const frame = affineFrame(ops, centerScaleInputs(ops, center, scale));
  const d = method === 'default' ? decodeDefault(ops, hm) : method === 'dark' ? decodeDark(ops, hm, kernel) : decodeMegvii(ops, hm, kernel);
  g.markOutput(toImage(ops, d.px, d.py, frame, [H, W]), 'keypoints');
  g.markOutput(d.score, 'scores');
  verifyGraph(g);
  return g;
}

const centers = Array.from({ length: N }, (_, i) => [Math.fround(100 + 713.3 * i), Math.fround(80 + 517.7 * i)]);
const scales = Array.from({ length: N }, (_, i) => [Math.fround(0.37 + 3.3 * i), Math.fround((0.37 + 3.3 * i) * 4 / 3)]);

for (const [method, kernel, tol] of [
  ['default', 11, 1e-3],
  ['dark', 11, 2e-3],
  ['dark', 17, 2e-3],
  ['megvii', 5, 1e-3],
] as const)
  test(`${method} (kernel ${kernel}) in the graph = decodeHeatmaps on Gaussian peaks, boxes up to 4000 px`, async (t) => {
    const maps = heatmaps(kernel * 7 + method.length, method === 'megvii');
    const want = decodeHeatmaps(maps, { shape: [N, K, H, W], method, kernel, center: centers, scale: scales });
    const session = await ort.InferenceSession.create(emitOnnx(decodeGraph(method, kernel)));
    const out = await session.run({
      heatmaps: new ort.Tensor('float32', maps, [N, K, H, W]),
      center: new ort.Tensor('float32', Float32Array.from(centers.flat()), [N, 2]),
      scale: new ort.Tensor('float32', Float32Array.from(scales.flat()), [N, 2]),
    });
    await session.release();
    const got = out.keypoints.data as Float32Array;
    let max = 0;
    const d: number[] = [];
    for (let i = 0; i < N * K; i++) {
      const e = Math.hypot(got[2 * i] - want.keypoints[2 * i], got[2 * i + 1] - want.keypoints[2 * i + 1]);
      d.push(e);
      max = Math.max(max, e);
    }
    let smax = 0;
    const sc = out.scores.data as Float32Array;
    for (let i = 0; i < N * K; i++) smax = Math.max(smax, Math.abs(sc[i] - want.scores[i]));
    d.sort((a, b) => a - b);
    t.log(`${N * K} keypoints: max ${max.toExponential(2)} px, median ${d[d.length >> 1].toExponential(2)} px, scores ${smax.toExponential(2)}`);
    t.true(max <= tol, `max ${max} px`);
    t.true(smax <= 1e-5 * (method === 'megvii' ? 1 : 255), `scores ${smax}`);
  });
