/**
 * The keypoint artifact on every browser backend (BROWSER_BACKENDS: onnxruntime-web wasm
 * and webgpu, TF.js wasm, webgl and webgpu in headless chromium, WebGL2 and WebGPU on
 * SwiftShader), for each decoding with the flip test: a small ResNet (synthetic weights,
 * test/keypoint-graph/families.ts) on COCO image 40083 with its three ground-truth boxes
 * and one box partly outside the image, and on an empty boxes tensor [0, 4]. The ONNX
 * model and the TF.js model are emitted from one keypoint graph (with the heatmaps
 * output), as convert writes them; onnxruntime-node runs the ONNX model as the reference.
 *
 * - The backend asked for: demo/backends.js throws where a TF.js backend does not start
 *   or its outputs live elsewhere; the facts it returns must name the backend before and
 *   after the run. On onnxruntime-web webgpu, onnxruntime's node placement must put every
 *   node on the WebGPU EP (createOrtSession 'report'): a node on the CPU EP (an op or
 *   dtype without a WebGPU kernel: int64 arithmetic, Pad of uint8, Round, Sign, ...; or
 *   Shape and the scalars computed from it) fails by name; the N = 0 session is created
 *   with the CPU fallback disabled ('refuse').
 * - What it computes, against onnxruntime-node on the same inputs: the flip-averaged
 *   heatmaps within relative L2 1e-5 and max |diff| 1e-4·max |ref| (withinParity); the
 *   keypoints within 0.01 px wherever they are well-posed (src/eval/well-posed: the
 *   untrained network's maps are nearly flat, so DARK's Taylor step divides by a near-zero
 *   curvature on some of them and an ulp anywhere upstream moves those arbitrarily); the
 *   scores within 1e-6.
 * - N = 0: keypoints [0, K, 2] and scores [0, K], as onnxruntime-node's; except on
 *   onnxruntime-web webgpu, whose Conv refuses an empty batch since the ONNX graph has no
 *   spare entry: that failure is pinned by its message (EMPTY_BATCH_FAILS), so the test
 *   fails when it changes.
 *
 * Two tests per backend, boxes and N = 0 (each opens its own chromium), so that a slow SwiftShader backend
 * does not run into ava's timeout for the others. The crop-keypoints artifact (crops,
 * center and scale in) runs on onnxruntime-web webgpu alike.
 */
import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelMetadata } from '../../src/artifact/metadata.js';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { emitTfjs, writeTfjs, type TfjsArtifact } from '../../src/emit/tfjs/index.js';
import { xywh2cs } from '../../src/eval/bbox.js';
import type { DecodeMethod } from '../../src/eval/decode.js';
import { wellPosedKeypoints } from '../../src/eval/well-posed.js';
import { decodeImage } from '../../src/io/image.js';
import { tfjsLayouts } from '../../src/pipeline/keypoint-artifact.js';
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
const IMAGE = '000000040083.jpg';
/** partly outside the image (left edge) */
const OUTSIDE_BOX = [-40, 200, 200, 160];
const TOLERANCE_PX = 0.01;
const SCORE_TOLERANCE = 1e-6;

interface Reference {
  keypoints: Float32Array;
  scores: Float32Array;
  heatmaps: Float32Array;
  /** [N, K, h, w] */
  shape: number[];
  /** per keypoint, of the reference's heatmaps */
  wellPosed: boolean[];
}
interface Artifact {
  decode: ModelMetadata['decode'];
  onnx: Uint8Array;
  tfjs: TfjsArtifact;
  ref: Reference;
  /** onnxruntime-node's output dims for N = 0 */
  empty: { keypoints: number[]; scores: number[] };
}
interface Fixture {
  image: { data: Uint8Array; height: number; width: number };
  boxes: number[][];
  artifacts: Artifact[];
}

/** The artifacts and onnxruntime-node's outputs, computed once for all the backends' tests. */
let fixture: Promise<Fixture> | undefined;
function loadFixture(): Promise<Fixture> {
  fixture ??= (async () => {
    const [file, gt] = groundTruthBoxes('coco').find(([f]) => f.endsWith(IMAGE))!;
    const img = await decodeImage(file);
    const boxes = [...gt, OUTSIDE_BOX.map(Math.fround)];
    const net = resnetNet('coco');
    const cs = boxes.map(([x, y, w, h]) => xywh2cs(x, y, w, h, [net.inputSize[1], net.inputSize[0]]));
    const artifacts: Artifact[] = [];
    for (const decode of DECODES) {
      const meta = metadataOf(net, decode);
      const graph = keypointGraph(net, meta, 'keypoints', true);
      const onnx = emitOnnx(graph);
      const tfjs = emitTfjs(graph, { metadata: { pose_port: meta }, ...tfjsLayouts('keypoints') });
      const session = await ort.InferenceSession.create(onnx);
      const image = new ort.Tensor('uint8', img.data, [img.height, img.width, 3]);
      const out = await session.run({ image, boxes: new ort.Tensor('float32', Float32Array.from(boxes.flat()), [boxes.length, 4]) });
      const none = await session.run({ image, boxes: new ort.Tensor('float32', new Float32Array(0), [0, 4]) });
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
        decode,
        onnx,
        tfjs,
        ref: { keypoints: out.keypoints.data as Float32Array, scores: out.scores.data as Float32Array, heatmaps, shape, wellPosed: posed.wellPosed },
        empty: { keypoints: [...none.keypoints.dims].map(Number), scores: [...none.scores.dims].map(Number) },
      });
    }
    return { image: { data: img.data, height: img.height, width: img.width }, boxes, artifacts };
  })();
  return fixture;
}

const BACKEND_NAMES: Record<Runtime, string> = { onnx: 'onnxruntime-web', tfjs: 'TF.js' };

/**
 * Where an empty boxes tensor is known to fail, with the error pinned, so that the test
 * fails (and says so) when the behaviour changes. onnxruntime-web 1.30's WebGPU EP refuses
 * to dispatch a program with a zero workgroup count (program_manager.cc
 * NormalizeDispatchGroupSize), and its Conv dispatches one per batch entry: since the ONNX
 * keypoint graph runs the network on the empty batch itself (no spare entry), the
 * backbone's first Conv fails at N = 0.
 */
const EMPTY_BATCH_FAILS: Partial<Record<string, RegExp>> = {
  'onnx webgpu': /Conv node\. Name:'backbone\.conv1[^']*' Status Message: program_manager\.cc:\d+ NormalizeDispatchGroupSize Invalid dispatch group size \(\d+, \d+, 0\)/,
};

/** A chromium with the harness, the fixture's inputs for `n` boxes and the artifacts' URLs for `runtime`. */
async function openBackend(t: ExecutionContext, runtime: Runtime) {
  const fx = await loadFixture();
  const h = await openHarness(t, { gpu: true });
  const { image, boxes } = fx;
  // TF.js takes the uint8 image as int32 (the harness converts); both take the same bytes
  const imageSpec: InputSpec = { url: h.put('image.bin', image.data), dtype: 'uint8', shape: [image.height, image.width, 3] };
  const inputs = (n: number): Record<string, InputSpec> => ({
    image: imageSpec,
    boxes: { url: h.put(`boxes-${n}.bin`, Float32Array.from(boxes.slice(0, n).flat())), dtype: 'float32', shape: [n, 4] },
  });
  const models = fx.artifacts.map((a) => {
    if (runtime === 'onnx') return h.put(`${a.decode.method}/model.onnx`, a.onnx);
    writeTfjs(join(h.files, a.decode.method, 'tfjs'), a.tfjs);
    return `/files/${a.decode.method}/tfjs/model.json`;
  });
  return { fx, h, inputs, models };
}

for (const [runtime, backend] of BROWSER_BACKENDS) {
  const where = `${BACKEND_NAMES[runtime]} ${backend}`;
  test.serial(`keypoint artifact on ${where}: default, DARK and megvii decodings (flip test) as onnxruntime-node`, async (t) => {
    if (!chromiumPresent(t)) return;
    const started = performance.now();
    const { fx, h, inputs, models } = await openBackend(t, runtime);
    const { boxes } = fx;
    const p = await h.page();
    for (const [m, a] of fx.artifacts.entries()) {
      const what = `${where}, ${a.decode.method} (flip test)`;
      const report = runtime === 'onnx' && backend === 'webgpu' ? ('report' as const) : undefined;
      const r = await p
        .run({ runtime, backend, model: models[m], inputs: inputs(boxes.length), outputs: ['keypoints', 'scores', 'heatmaps'], reps: 1, cpuNodes: report })
        .catch((e) => {
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
      t.deepEqual(r.outputs.keypoints.shape, [boxes.length, ref.shape[1], 2], `${what}: keypoints shape`);
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
        `heatmaps relL2 ${hm.relL2.toExponential(2)}, maxAbs ${hm.maxAbs.toExponential(2)}; ${r.ms[0].toFixed(0)} ms for ${boxes.length} boxes (first run)`;
      t.log(line);
      t.true(posed.length > 0, `${what}: no well-posed keypoint, nothing proven`);
      t.true(ps.max <= TOLERANCE_PX, line);
      t.true(maxScore <= SCORE_TOLERANCE, line);
    }
    await p.page.close();
    t.log(`${where}: ${((performance.now() - started) / 1000).toFixed(0)} s in all (the artifacts and references are built in the first test)`);
  });

  test.serial(`keypoint artifact on ${where}: an empty boxes tensor [0, 4] gives keypoints [0, K, 2] and scores [0, K]`, async (t) => {
    if (!chromiumPresent(t)) return;
    const started = performance.now();
    const { fx, h, inputs, models } = await openBackend(t, runtime);
    const known = EMPTY_BATCH_FAILS[`${runtime} ${backend}`];
    for (const [m, a] of fx.artifacts.entries()) {
      const what = `${where}, ${a.decode.method} (flip test), N = 0`;
      // a page per run: a failed onnxruntime-web webgpu run loses its device
      const p = await h.page();
      // on webgpu the session is refused if any node would run on the CPU EP
      const e = await p.run({ runtime, backend, model: models[m], inputs: inputs(0), outputs: ['keypoints', 'scores'], reps: 1 }).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, error: `${String(err)}\n${p.log.slice(-10).join('\n')}` }),
      );
      await p.page.close();
      if (known) {
        t.false(e.ok, `${what}: known to fail (${known}); it ran: the limitation is gone, update EMPTY_BATCH_FAILS and docs/browser-backends.md`);
        if (!e.ok) {
          t.regex(e.error, known, `${what}: failed otherwise than known`);
          t.log(`${what}: KNOWN FAILURE ${known.exec(e.error)?.[0]}`);
        }
        continue;
      }
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
