/**
 * The keypoint artifacts on every browser backend (BROWSER_BACKENDS: onnxruntime-web wasm
 * and webgpu, TF.js wasm, webgl and webgpu in headless chromium, WebGL2 and WebGPU on
 * SwiftShader), against onnxruntime-node on the same ONNX model. A small ResNet (synthetic
 * weights, test/keypoint-graph/families.ts), the flip test on, COCO image 40083 with its
 * three ground-truth boxes and one box partly outside the image:
 * - `--graph keypoints` (image and boxes in) with each decoding: default, DARK, megvii;
 * - `--graph crop-keypoints` (crops, center and scale in; default decoding): the crops the
 *   TypeScript pipeline cuts and normalises for the same boxes;
 * and each of them on an empty batch (boxes [0, 4]; crops [0, 3, h, w]). The ONNX and the
 * TF.js model are emitted from one graph (with the heatmaps output) as convert writes them.
 *
 * - The backend asked for: demo/backends.js throws where a TF.js backend does not start
 *   or its outputs live elsewhere; the facts it returns must name the backend before and
 *   after the run. On onnxruntime-web webgpu, onnxruntime's node placement must put every
 *   node on the WebGPU EP (createOrtSession 'report'): a node on the CPU EP (an op or
 *   dtype without a WebGPU kernel: int64 arithmetic, Pad of uint8, Round, Sign, ...; or
 *   Shape and the scalars computed from it) fails by name; the N = 0 sessions are created
 *   with the CPU fallback disabled ('refuse').
 * - What it computes: the flip-averaged heatmaps within relative L2 1e-5 and max |diff|
 *   1e-4·max |ref| (withinParity); the keypoints within 0.01 px wherever they are
 *   well-posed (src/eval/well-posed, on onnxruntime-node's heatmaps: the untrained
 *   network's maps are nearly flat, so DARK's Taylor step divides by a near-zero curvature
 *   on some of them and an ulp anywhere upstream moves those arbitrarily); the scores
 *   within 1e-6. The max and median distances are logged per backend and artifact.
 * - N = 0: keypoints [0, K, 2] and scores [0, K], as onnxruntime-node's, on every backend.
 *   onnxruntime-web webgpu refuses a zero dispatch (Conv, ConvTranspose, MaxPool) and an
 *   empty ReduceMax: the ONNX graph takes one spare entry when the batch is empty
 *   (src/emit/onnx/empty-batch.ts), TF.js always (its lowering).
 *
 * Two tests per backend, with boxes and N = 0, each with its own chromium, so that a slow
 * SwiftShader backend does not run into ava's timeout for the others.
 */
import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelMetadata } from '../../src/artifact/metadata.js';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { emitTfjs, writeTfjs, type TfjsArtifact } from '../../src/emit/tfjs/index.js';
import { getAffineTransform } from '../../src/eval/affine.js';
import { xywh2cs } from '../../src/eval/bbox.js';
import type { DecodeMethod } from '../../src/eval/decode.js';
import { toNormalizedTensor } from '../../src/eval/normalize.js';
import { warpAffineLinear } from '../../src/eval/warp.js';
import { wellPosedKeypoints } from '../../src/eval/well-posed.js';
import { decodeImage } from '../../src/io/image.js';
import { tfjsLayouts, type GraphKind } from '../../src/pipeline/keypoint-artifact.js';
import { diff, withinParity } from '../helpers/compare.js';
import { groundTruthBoxes, keypointGraph, metadataOf, percentiles } from '../helpers/keypoint-parity.js';
import { resnetNet } from '../keypoint-graph/families.js';
import { chromiumPresent } from './chromium.js';
import { BROWSER_BACKENDS, openHarness, type InputSpec, type Runtime } from './harness.js';
import { cpuNodesOf, type Placement } from './placement.js';

const DECODES: ModelMetadata['decode'][] = [
  { method: 'default', flip_test: true, shift_heatmap: true, modulate_kernel: 11 },
  { method: 'unbiased', flip_test: true, shift_heatmap: true, modulate_kernel: 11 },
  { method: 'megvii', flip_test: true, shift_heatmap: false, modulate_kernel: 5 },
];
/** the artifacts: every decoding of `keypoints`, the default one of `crop-keypoints` */
const ARTIFACTS: (readonly [Exclude<GraphKind, 'heatmaps'>, ModelMetadata['decode']])[] = [...DECODES.map((d) => ['keypoints', d] as const), ['crop-keypoints', DECODES[0]]];
const IMAGE = '000000040083.jpg';
/** partly outside the image (left edge) */
const OUTSIDE_BOX = [-40, 200, 200, 160];
const TOLERANCE_PX = 0.01;
const SCORE_TOLERANCE = 1e-6;

interface Feed {
  data: Uint8Array | Float32Array;
  dtype: 'uint8' | 'float32';
  shape: number[];
}
interface Artifact {
  /** e.g. 'keypoints, unbiased (flip test)'; `slug` names its files */
  label: string;
  slug: string;
  onnx: Uint8Array;
  tfjs: TfjsArtifact;
  /** the inputs with the boxes, and with an empty batch */
  feeds: { boxes: Record<string, Feed>; empty: Record<string, Feed> };
  /** onnxruntime-node's outputs with the boxes; the heatmaps [N, K, h, w] */
  ref: { keypoints: Float32Array; scores: Float32Array; heatmaps: Float32Array; shape: number[]; wellPosed: boolean[] };
  /** onnxruntime-node's output dims for the empty batch */
  empty: { keypoints: number[]; scores: number[] };
}

const ortTensors = (feeds: Record<string, Feed>) => Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ort.Tensor(f.dtype, f.data, f.shape)]));

/** The artifacts with their inputs and onnxruntime-node's outputs, computed once for all the backends' tests. */
let fixture: Promise<Artifact[]> | undefined;
function loadFixture(): Promise<Artifact[]> {
  fixture ??= (async () => {
    const [file, gt] = groundTruthBoxes('coco').find(([f]) => f.endsWith(IMAGE))!;
    const img = await decodeImage(file);
    const boxes = [...gt, OUTSIDE_BOX.map(Math.fround)];
    const net = resnetNet('coco');
    const [h, w] = net.inputSize;
    const cs = boxes.map(([x, y, bw, bh]) => xywh2cs(x, y, bw, bh, [w, h]));
    const image: Feed = { data: img.data, dtype: 'uint8', shape: [img.height, img.width, 3] };
    const artifacts: Artifact[] = [];
    for (const [kind, decode] of ARTIFACTS) {
      const meta = metadataOf(net, decode);
      const graph = keypointGraph(net, meta, kind, true);
      const onnx = emitOnnx(graph);
      const tfjs = emitTfjs(graph, { metadata: { pose_port: meta }, ...tfjsLayouts(kind) });
      let feeds: Artifact['feeds'];
      if (kind === 'keypoints') {
        feeds = {
          boxes: { image, boxes: { data: Float32Array.from(boxes.flat()), dtype: 'float32', shape: [boxes.length, 4] } },
          empty: { image, boxes: { data: new Float32Array(0), dtype: 'float32', shape: [0, 4] } },
        };
      } else {
        // the TypeScript pipeline's crops: the affine warp in OpenCV's fixed point, normalised
        const crops = new Float32Array(boxes.length * 3 * h * w);
        cs.forEach((c, i) => toNormalizedTensor(warpAffineLinear(img, getAffineTransform(c.center, c.scale, [w, h]), w, h), meta.input.mean, meta.input.std, crops, i * 3 * h * w));
        const pairs = (f: (c: (typeof cs)[number]) => number[]): Feed => ({ data: Float32Array.from(cs.flatMap(f)), dtype: 'float32', shape: [cs.length, 2] });
        const none = (shape: number[]): Feed => ({ data: new Float32Array(0), dtype: 'float32', shape });
        feeds = {
          boxes: { crops: { data: crops, dtype: 'float32', shape: [boxes.length, 3, h, w] }, center: pairs((c) => c.center), scale: pairs((c) => c.scale) },
          empty: { crops: none([0, 3, h, w]), center: none([0, 2]), scale: none([0, 2]) },
        };
      }
      const session = await ort.InferenceSession.create(onnx);
      const out = await session.run(ortTensors(feeds.boxes));
      const zero = await session.run(ortTensors(feeds.empty));
      await session.release();
      const shape = [...out.heatmaps.dims].map(Number);
      const heatmaps = out.heatmaps.data as Float32Array;
      const posed = wellPosedKeypoints(heatmaps, {
        shape,
        method: decode.method as DecodeMethod,
        kernel: decode.modulate_kernel,
        center: cs.map((c) => c.center),
        scale: cs.map((c) => c.scale),
      });
      artifacts.push({
        label: `${kind}, ${decode.method} (flip test)`,
        slug: `${kind}-${decode.method}`,
        onnx,
        tfjs,
        feeds,
        ref: { keypoints: out.keypoints.data as Float32Array, scores: out.scores.data as Float32Array, heatmaps, shape, wellPosed: posed.wellPosed },
        empty: { keypoints: [...zero.keypoints.dims].map(Number), scores: [...zero.scores.dims].map(Number) },
      });
    }
    return artifacts;
  })();
  return fixture;
}

const BACKEND_NAMES: Record<Runtime, string> = { onnx: 'onnxruntime-web', tfjs: 'TF.js' };

/** A chromium with the harness, and the artifacts' models and inputs served to it for `runtime`. */
async function openBackend(t: ExecutionContext, runtime: Runtime) {
  const artifacts = await loadFixture();
  const h = await openHarness(t, { gpu: true });
  const serve = (slug: string, feeds: Record<string, Feed>, n: string): Record<string, InputSpec> =>
    Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, { url: h.put(`${slug}/${name}-${n}.bin`, f.data), dtype: f.dtype, shape: f.shape }]));
  return {
    h,
    served: artifacts.map((a) => {
      let model: string;
      if (runtime === 'onnx') model = h.put(`${a.slug}/model.onnx`, a.onnx);
      else {
        writeTfjs(join(h.files, a.slug, 'tfjs'), a.tfjs);
        model = `/files/${a.slug}/tfjs/model.json`;
      }
      return { a, model, boxes: serve(a.slug, a.feeds.boxes, 'boxes'), empty: serve(a.slug, a.feeds.empty, 'empty') };
    }),
  };
}

for (const [runtime, backend] of BROWSER_BACKENDS) {
  const where = `${BACKEND_NAMES[runtime]} ${backend}`;
  test.serial(`keypoint artifacts on ${where}: keypoints (default, DARK, megvii) and crop-keypoints, flip test, as onnxruntime-node`, async (t) => {
    if (!chromiumPresent(t)) return;
    const started = performance.now();
    const { h, served } = await openBackend(t, runtime);
    const p = await h.page();
    for (const { a, model, boxes } of served) {
      const what = `${where}, ${a.label}`;
      const n = a.ref.shape[0];
      const report = runtime === 'onnx' && backend === 'webgpu' ? ('report' as const) : undefined;
      const r = await p.run({ runtime, backend, model, inputs: boxes, outputs: ['keypoints', 'scores', 'heatmaps'], reps: 1, cpuNodes: report }).catch((e) => {
        throw new Error(`${what}: ${String(e)}\n${p.log.slice(-10).join('\n')}`);
      });
      t.is(r.facts.backend ?? r.facts.ep, backend, `${what}: ran on ${JSON.stringify(r.facts)}`);
      if (runtime === 'tfjs') t.is(r.facts.backendAfterRun, backend, `${what}: active backend after the run`);
      if (report) {
        const placement = r.facts.placement as Placement;
        const cpu = cpuNodesOf(placement);
        t.log(`${what}: ${placement.counts.WebGpuExecutionProvider} nodes on WebGPU, ${cpu.length} on the CPU EP ${cpu.join(', ')}`);
        t.deepEqual(cpu, [], `${what}: nodes on the CPU EP`);
        t.deepEqual(Object.keys(placement.counts), ['WebGpuExecutionProvider'], `${what}: execution providers`);
      }

      const { ref } = a;
      t.deepEqual(r.outputs.heatmaps.shape, ref.shape, `${what}: heatmaps shape`);
      t.deepEqual(r.outputs.keypoints.shape, [n, ref.shape[1], 2], `${what}: keypoints shape`);
      const hm = diff(r.outputs.heatmaps.data, ref.heatmaps);
      t.true(withinParity(hm), `${what}: heatmaps relL2 ${hm.relL2.toExponential(2)} maxAbs ${hm.maxAbs.toExponential(2)}`);
      const got = r.outputs.keypoints.data;
      const posed: number[] = [];
      const ill: number[] = [];
      for (let i = 0; i < ref.keypoints.length / 2; i++) {
        const d = Math.hypot(got[2 * i] - ref.keypoints[2 * i], got[2 * i + 1] - ref.keypoints[2 * i + 1]);
        (ref.wellPosed[i] ? posed : ill).push(Number.isNaN(d) ? Infinity : d);
      }
      let maxScore = 0;
      ref.scores.forEach((s, i) => (maxScore = Math.max(maxScore, Math.abs(s - r.outputs.scores.data[i])))); // NaN stays NaN and fails
      const ps = percentiles(posed);
      const is = percentiles(ill);
      const line =
        `${what}: keypoints vs onnxruntime-node over ${posed.length} well-posed: max ${ps.max.toExponential(2)} px, median ${ps.median.toExponential(2)} px ` +
        `(${ill.length} ill-posed: max ${is.max.toExponential(2)} px); scores max ${maxScore.toExponential(2)}; ` +
        `heatmaps relL2 ${hm.relL2.toExponential(2)}, maxAbs ${hm.maxAbs.toExponential(2)}; ${r.ms[0].toFixed(0)} ms for ${n} boxes (first run)`;
      t.log(line);
      t.true(posed.length > 0, `${what}: no well-posed keypoint, nothing proven`);
      t.true(ps.max <= TOLERANCE_PX, line);
      t.true(maxScore <= SCORE_TOLERANCE, line);
    }
    await p.page.close();
    t.log(`${where}: ${((performance.now() - started) / 1000).toFixed(0)} s in all (the artifacts and references are built in the first test)`);
  });

  test.serial(`keypoint artifacts on ${where}: an empty batch gives keypoints [0, K, 2] and scores [0, K]`, async (t) => {
    if (!chromiumPresent(t)) return;
    const started = performance.now();
    const { h, served } = await openBackend(t, runtime);
    for (const { a, model, empty } of served) {
      const what = `${where}, ${a.label}, N = 0`;
      // a page per run: a failed onnxruntime-web webgpu run loses its device
      const p = await h.page();
      // on webgpu the session is refused if any node would run on the CPU EP
      const e = await p.run({ runtime, backend, model, inputs: empty, outputs: ['keypoints', 'scores'], reps: 1 }).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, error: `${String(err)}\n${p.log.slice(-10).join('\n')}` }),
      );
      await p.page.close();
      if (!e.ok) {
        t.fail(`${what}: ${e.error}`);
        continue;
      }
      const { r } = e;
      t.is(r.facts.backend ?? r.facts.ep, backend, `${what}: ran on ${JSON.stringify(r.facts)}`);
      if (runtime === 'tfjs') t.is(r.facts.backendAfterRun, backend, `${what}: active backend after the run`);
      const k = a.ref.shape[1];
      t.deepEqual(r.outputs.keypoints.shape, [0, k, 2], `${what}: keypoints shape`);
      t.deepEqual(r.outputs.scores.shape, [0, k], `${what}: scores shape`);
      t.deepEqual([r.outputs.keypoints.shape, r.outputs.scores.shape], [a.empty.keypoints, a.empty.scores], `${what}: as onnxruntime-node`);
      t.is(r.outputs.keypoints.data.length + r.outputs.scores.data.length, 0, `${what}: no values`);
      t.log(`${what}: keypoints [${r.outputs.keypoints.shape}], scores [${r.outputs.scores.shape}]; ${r.ms[0].toFixed(0)} ms`);
    }
    t.log(`${where}, N = 0: ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
  });
}
