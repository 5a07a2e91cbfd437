/**
 * `--graph crop-keypoints` (crops, center, scale in) on the COCO test images with their GT
 * boxes, small ResNet, each decoding, flip test on (ONNX, onnxruntime-node): the crops are
 * the TypeScript pipeline's (`_xywh2cs`, the affine matrix, OpenCV's fixed-point warp,
 * normalisation), center and scale its float32 `_xywh2cs` values.
 *
 * - against the TypeScript pipeline (`run` on the heatmap artifact; the same crops): every
 *   well-posed keypoint (src/eval/well-posed.ts) within 0.01 px, the median of all within
 *   0.001 px, scores within 1e-5;
 * - against the `keypoints` graph on the same image and boxes: every keypoint the
 *   reference's map determines, of the boxes whose in-graph crop is pixel-exact (all but
 *   rounding ties, test/keypoint-graph/crop.test.ts), within 0.01 px.
 * Measured: well-posed keypoints within 6.4e-5 px of the TypeScript pipeline and 3.4e-5 px
 * of the keypoints graph for all three decodings.
 */
import test from 'ava';
import * as ort from 'onnxruntime-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMetadata } from '../../src/artifact/metadata.js';
import { getAffineTransform } from '../../src/eval/affine.js';
import { xywh2cs } from '../../src/eval/bbox.js';
import { toNormalizedTensor } from '../../src/eval/normalize.js';
import { warpAffineLinear } from '../../src/eval/warp.js';
import { decodeImage } from '../../src/io/image.js';
import { exactCrops } from '../helpers/keypoint-crop.js';
import { groundTruthBoxes, keypointDistances, keypointSession, metadataOf, percentiles, reference, referenceModel, runOnnx, type KeypointsOut } from '../helpers/keypoint-parity.js';
import { resnetNet } from './families.js';

const work = mkdtempSync(join(tmpdir(), 'pose-port-kp-crop-'));
const PX = 0.01;
const MEDIAN_PX = 0.001;

const DECODES: ModelMetadata['decode'][] = [
  { method: 'default', flip_test: true, shift_heatmap: true, modulate_kernel: 11 },
  { method: 'unbiased', flip_test: true, shift_heatmap: true, modulate_kernel: 11 },
  { method: 'megvii', flip_test: true, shift_heatmap: false, modulate_kernel: 5 },
];

for (const decode of DECODES)
  test.serial(`${decode.method}: crop-keypoints ONNX on TypeScript crops = TypeScript pipeline = keypoints graph`, async (t) => {
    const net = resnetNet('coco');
    const meta = metadataOf(net, decode);
    const [h, w] = net.inputSize;
    const model = await referenceModel(net, meta, work);
    const cropGraph = await keypointSession(net, meta, 11, 'crop-keypoints');
    const fullGraph = await keypointSession(net, meta);
    const vsReference: number[] = [];
    const vsGraph: number[] = [];
    const all: number[] = [];
    let score = 0;
    let illPosed = 0;
    try {
      const images = await Promise.all(groundTruthBoxes('coco').map(async ([file, boxes]) => [await decodeImage(file), boxes] as const));
      const exact = await exactCrops(images.map(([img, boxes]) => [img, boxes]), net.inputSize);
      for (const [j, [img, boxes]] of images.entries()) {
        const cs = boxes.map((b) => xywh2cs(b[0], b[1], b[2], b[3], [w, h]));
        const crops = new Float32Array(boxes.length * 3 * h * w);
        cs.forEach((c, i) => toNormalizedTensor(warpAffineLinear(img, getAffineTransform(c.center, c.scale, [w, h]), w, h), meta.input.mean, meta.input.std, crops, i * 3 * h * w));
        const out = await cropGraph.run({
          crops: new ort.Tensor('float32', crops, [boxes.length, 3, h, w]),
          center: new ort.Tensor('float32', Float32Array.from(cs.flatMap((c) => c.center)), [boxes.length, 2]),
          scale: new ort.Tensor('float32', Float32Array.from(cs.flatMap((c) => c.scale)), [boxes.length, 2]),
        });
        const got: KeypointsOut = { keypoints: out.keypoints.data as Float32Array, scores: out.scores.data as Float32Array, dims: [...out.keypoints.dims].map(Number) };
        t.deepEqual(got.dims, [boxes.length, 17, 2]);
        const want = await reference(model, img, boxes);
        const graph = await runOnnx(fullGraph, img, boxes);
        const dRef = keypointDistances(got, want);
        const dGraph = keypointDistances(got, graph);
        all.push(...dRef);
        dRef.forEach((d, i) => {
          if (!want.wellPosed[i]) return void illPosed++;
          vsReference.push(d);
          if (exact[j][Math.floor(i / 17)]) vsGraph.push(dGraph[i]);
        });
        for (let i = 0; i < got.scores.length; i++) score = Math.max(score, Math.abs(got.scores[i] - want.scores[i]));
      }
    } finally {
      await cropGraph.release();
      await fullGraph.release();
      await model.dispose();
    }
    const r = percentiles(vsReference);
    const g = percentiles(vsGraph);
    const median = percentiles(all).median;
    t.log(
      `${all.length} keypoints, ${illPosed} ill-posed; vs TypeScript: max ${r.max.toExponential(2)} px (well-posed), median ${median.toExponential(2)} px, scores ${score.toExponential(2)}; ` +
        `vs keypoints graph (${vsGraph.length} on exact crops): max ${g.max.toExponential(2)} px`,
    );
    t.true(vsReference.length > 0 && vsGraph.length > 0);
    t.true(r.max <= PX, `vs TypeScript: ${r.max} px`);
    t.true(median <= MEDIAN_PX, `median ${median} px`);
    t.true(score <= 1e-5, `scores ${score}`);
    t.true(g.max <= PX, `vs keypoints graph: ${g.max} px`);
  });
