/**
 * The keypoint artifact on onnxruntime-web's WebGPU EP (headless chromium, SwiftShader),
 * for each decoding with the flip test: a small ResNet (synthetic weights) on COCO image
 * 785 with its ground-truth box and one box partly outside the image.
 *
 * - Where the nodes run: onnxruntime's node placement (demo/backends.js createOrtSession
 *   'report') must put every node on the WebGPU EP. A node that lands on the CPU EP (an op
 *   or dtype without a WebGPU kernel: int64 arithmetic, Pad of uint8, Round, Sign, ...; or
 *   Shape and the scalars computed from it, which onnxruntime keeps on the CPU) fails by name.
 * - What it computes, against onnxruntime-node on the same inputs: the flip-averaged
 *   heatmaps within relative L2 1e-5 and max |diff| 1e-4·max |ref| (withinParity); the
 *   keypoints within 0.01 px wherever they are well-posed (src/eval/well-posed: the
 *   untrained network's maps are nearly flat, so DARK's Taylor step divides by a near-zero
 *   curvature on some of them and an ulp anywhere upstream moves those arbitrarily); the
 *   scores within 1e-6.
 *
 * The crop-keypoints artifact (crops, center and scale in) alike.
 */
import test from 'ava';
import * as ort from 'onnxruntime-node';
import type { ModelMetadata } from '../../src/artifact/metadata.js';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { xywh2cs } from '../../src/eval/bbox.js';
import type { DecodeMethod } from '../../src/eval/decode.js';
import { wellPosedKeypoints } from '../../src/eval/well-posed.js';
import { decodeImage } from '../../src/io/image.js';
import { diff, withinParity } from '../helpers/compare.js';
import { groundTruthBoxes, keypointGraph, metadataOf } from '../helpers/keypoint-parity.js';
import { resnetNet } from '../keypoint-graph/families.js';
import { chromiumPresent } from './chromium.js';
import { openHarness } from './harness.js';
import { cpuNodesOf, type Placement } from './placement.js';

const DECODES: ModelMetadata['decode'][] = [
  { method: 'default', flip_test: true, shift_heatmap: true, modulate_kernel: 11 },
  { method: 'unbiased', flip_test: true, shift_heatmap: true, modulate_kernel: 11 },
  { method: 'megvii', flip_test: true, shift_heatmap: false, modulate_kernel: 5 },
];
const TOLERANCE_PX = 0.01;
const SCORE_TOLERANCE = 1e-6;

test.serial('keypoint artifacts on onnxruntime-web webgpu: no node on the CPU EP, keypoints as onnxruntime-node', async (t) => {
  if (!chromiumPresent(t)) return;
  const [file, gt] = groundTruthBoxes('coco').find(([f]) => f.endsWith('000000000785.jpg'))!;
  const img = await decodeImage(file);
  const boxes = [...gt, [-40, 300, 200, 160].map(Math.fround)];
  const net = resnetNet('coco');
  const cs = boxes.map(([x, y, w, h]) => xywh2cs(x, y, w, h, [net.inputSize[1], net.inputSize[0]]));
  const h = await openHarness(t, { gpu: true });
  const feeds = {
    image: { url: h.put('image.bin', img.data), dtype: 'uint8' as const, shape: [img.height, img.width, 3] },
    boxes: { url: h.put('boxes.bin', Float32Array.from(boxes.flat())), dtype: 'float32' as const, shape: [boxes.length, 4] },
  };
  for (const decode of DECODES) {
    const what = `${decode.method} (flip test)`;
    const onnx = emitOnnx(keypointGraph(net, metadataOf(net, decode), 'keypoints', true));
    const session = await ort.InferenceSession.create(onnx);
    const ref = await session.run({
      image: new ort.Tensor('uint8', img.data, [img.height, img.width, 3]),
      boxes: new ort.Tensor('float32', Float32Array.from(boxes.flat()), [boxes.length, 4]),
    });
    await session.release();
    const p = await h.page();
    const r = await p
      .run({ runtime: 'onnx', backend: 'webgpu', model: h.put(`${decode.method}.onnx`, onnx), inputs: feeds, outputs: ['keypoints', 'scores', 'heatmaps'], reps: 1, cpuNodes: 'report' })
      .catch((e) => {
        throw new Error(`${what}: ${String(e)}\n${p.log.slice(-10).join('\n')}`);
      });
    await p.page.close();

    const placement = r.facts.placement as Placement;
    const cpu = cpuNodesOf(placement);
    t.log(`${what}: ${placement.counts.WebGpuExecutionProvider} nodes on WebGPU, ${cpu.length} on the CPU EP ${cpu.join(', ')}`);
    t.deepEqual(cpu, [], `${what}: nodes on the CPU EP`);
    t.deepEqual(Object.keys(placement.counts), ['WebGpuExecutionProvider'], `${what}: execution providers`);

    const hm = diff(r.outputs.heatmaps.data, ref.heatmaps.data as Float32Array);
    t.deepEqual(r.outputs.heatmaps.shape, [...ref.heatmaps.dims].map(Number));
    t.true(withinParity(hm), `${what}: heatmaps relL2 ${hm.relL2.toExponential(2)} maxAbs ${hm.maxAbs.toExponential(2)}`);

    const shape = [...ref.heatmaps.dims].map(Number);
    const posed = wellPosedKeypoints(ref.heatmaps.data as Float32Array, {
      shape,
      method: decode.method as DecodeMethod,
      kernel: decode.modulate_kernel,
      center: cs.map((c) => c.center),
      scale: cs.map((c) => c.scale),
    });
    const want = ref.keypoints.data as Float32Array;
    const got = r.outputs.keypoints.data;
    t.is(got.length, want.length);
    let maxPosed = 0;
    let maxAll = 0;
    for (let i = 0; i < want.length / 2; i++) {
      const d = Math.hypot(got[2 * i] - want[2 * i], got[2 * i + 1] - want[2 * i + 1]);
      maxAll = Math.max(maxAll, d);
      if (posed.wellPosed[i]) maxPosed = Math.max(maxPosed, d);
    }
    let maxScore = 0;
    (ref.scores.data as Float32Array).forEach((s, i) => (maxScore = Math.max(maxScore, Math.abs(s - r.outputs.scores.data[i]))));
    const line =
      `${what}: heatmaps relL2 ${hm.relL2.toExponential(2)}, maxAbs ${hm.maxAbs.toExponential(2)}; keypoints vs onnxruntime-node max ${maxPosed.toFixed(4)} px ` +
      `over ${want.length / 2 - posed.illPosed} well-posed (${posed.illPosed} ill-posed, max ${maxAll.toFixed(4)} px over all); scores max ${maxScore.toExponential(2)}; ${r.ms[0].toFixed(0)} ms (first run)`;
    t.log(line);
    t.true(maxPosed <= TOLERANCE_PX, line);
    t.true(maxScore <= SCORE_TOLERANCE, line);
  }
});

test.serial('the crop-keypoints artifact runs wholly on onnxruntime-web webgpu (no node on the CPU EP) and matches onnxruntime-node', async (t) => {
  if (!chromiumPresent(t)) return;
  const net = resnetNet('coco');
  const [ho, wo] = net.inputSize;
  const n = 3;
  // normalised crops of a smooth pattern, centres and scales of boxes inside and outside a 640x480 image
  const crops = Float32Array.from({ length: n * 3 * ho * wo }, (_, i) => Math.sin(i / 97) * 1.5 + Math.cos(i / 1013));
  const center = Float32Array.of(320, 240, 10, 470, 700, -20);
  const scale = Float32Array.of(1.2, 1.6, 0.4, 0.5333333, 2.5, 3.3333333);
  const onnx = emitOnnx(keypointGraph(net, metadataOf(net, DECODES[0]), 'crop-keypoints'));
  const session = await ort.InferenceSession.create(onnx);
  const ref = await session.run({
    crops: new ort.Tensor('float32', crops, [n, 3, ho, wo]),
    center: new ort.Tensor('float32', center, [n, 2]),
    scale: new ort.Tensor('float32', scale, [n, 2]),
  });
  await session.release();
  const h = await openHarness(t, { gpu: true });
  const p = await h.page();
  const r = await p
    .run({
      runtime: 'onnx',
      backend: 'webgpu',
      model: h.put('crop-keypoints.onnx', onnx),
      inputs: {
        crops: { url: h.put('crops.bin', crops), dtype: 'float32', shape: [n, 3, ho, wo] },
        center: { url: h.put('center.bin', center), dtype: 'float32', shape: [n, 2] },
        scale: { url: h.put('scale.bin', scale), dtype: 'float32', shape: [n, 2] },
      },
      outputs: ['keypoints', 'scores'],
      reps: 1,
      cpuNodes: 'report',
    })
    .catch((e) => {
      throw new Error(`crop-keypoints: ${String(e)}\n${p.log.slice(-10).join('\n')}`);
    });
  const placement = r.facts.placement as Placement;
  t.deepEqual(cpuNodesOf(placement), [], 'nodes on the CPU EP');
  t.deepEqual(Object.keys(placement.counts), ['WebGpuExecutionProvider']);
  const want = ref.keypoints.data as Float32Array;
  const got = r.outputs.keypoints.data;
  let max = 0;
  for (let i = 0; i < want.length / 2; i++) max = Math.max(max, Math.hypot(got[2 * i] - want[2 * i], got[2 * i + 1] - want[2 * i + 1]));
  let maxScore = 0;
  (ref.scores.data as Float32Array).forEach((s, i) => (maxScore = Math.max(maxScore, Math.abs(s - r.outputs.scores.data[i]))));
  const line = `crop-keypoints (default, flip test): ${placement.counts.WebGpuExecutionProvider} nodes, all on WebGPU; keypoints vs onnxruntime-node max ${max.toFixed(4)} px, scores max ${maxScore.toExponential(2)}`;
  t.log(line);
  t.true(max <= TOLERANCE_PX, line);
  t.true(maxScore <= SCORE_TOLERANCE, line);
});
