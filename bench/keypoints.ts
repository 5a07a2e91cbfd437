/**
 * Keypoint artifacts (issue 12, Speed): per person, the artifact that holds MMPose's
 * whole top-down test (`convert --graph keypoints`: image + boxes in, keypoints out)
 * against the heatmap artifact with the TypeScript pipeline (`run`'s estimatePoses: crop,
 * normalise, flip test, decode), batch 8 boxes, flip test on (the zoo row's settings),
 * and against the network alone (the heatmap artifact's inference on the same crops,
 * both flip passes). The in-graph pipeline's cost is keypoint artifact / network - 1
 * (target <= 10 % on onnxruntime-node). Runtimes: onnxruntime-node (all threads), TF.js
 * wasm in Node, and in headless chromium onnxruntime-web wasm/webgpu and TF.js
 * wasm/webgl/webgpu (SwiftShader: the GPU kernels run on the CPU, so those figures say
 * what the pipeline costs relative to the network on the same kernels, not GPU speed).
 * Weights: make-checkpoint.py's (random; the work per person is the published model's).
 *
 *   npx tsx bench/keypoints.ts [--browser-only | --node-only]
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadModel, type PoseModel } from '../src/artifact/model.js';
import { loadTfjsGraph, useTfjsBackend } from '../src/artifact/tfjs-runtime.js';
import type { ImageU8 } from '../src/core/image.js';
import { decodeImage } from '../src/io/image.js';
import { convertCheckpoint } from '../src/pipeline/convert.js';
import { estimatePoses, type PersonBox } from '../src/pipeline/run.js';
import { emptyTimings } from '../src/pipeline/topdown.js';
import { ROOT, makeCheckpoint } from '../test/helpers/ckpt.js';
import { COCO } from '../test/helpers/data.js';
import { BROWSER_BACKENDS, openHarness } from '../test/browser/harness.js';

const NODE_MODEL = 'res50_coco_256x192_dark';
const IMAGE = join(COCO, '000000000785.jpg');
const BATCH = 8;

export interface KeypointBenchRow {
  runtime: string;
  model: string;
  persons: number;
  /** ms per person (median over the timed repetitions) */
  network: number;
  tsPipeline?: number;
  keypointArtifact: number;
  /** keypointArtifact / network - 1 */
  inGraphOverhead: number;
  /** tsPipeline / network - 1 */
  tsOverhead?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** The first `n` detection boxes of image 785 (MMPose's detections), some overlapping the border. */
function boxes(n: number): PersonBox[] {
  const dets = JSON.parse(readFileSync(join(COCO, 'test_coco_det_AP_H_56.json'), 'utf8')) as { image_id: number; bbox: number[]; score: number }[];
  const mine = dets.filter((d) => d.image_id === 785);
  const out: PersonBox[] = [];
  for (let i = 0; out.length < n; i++) out.push({ bbox: mine[i % mine.length].bbox as [number, number, number, number], score: 1 });
  return out;
}

/** Both artifacts of one checkpoint; `zoo` names the row whose settings (flip test, decoding) they take. */
async function convertBoth(ckpt: string, zoo: string | undefined, work: string): Promise<{ heatmaps: string; keypoints: string }> {
  const heatmaps = join(work, 'heatmaps');
  const keypoints = join(work, 'keypoints');
  await convertCheckpoint(ckpt, { out: heatmaps, zoo, formats: ['onnx', 'tfjs'] });
  await convertCheckpoint(ckpt, { out: keypoints, zoo, formats: ['onnx', 'tfjs'], graph: 'keypoints' });
  return { heatmaps, keypoints };
}

/** One run of the heatmap artifact + TypeScript pipeline: network (inference stage, both flip passes) and pipeline (warp + inference + post) ms. */
async function tsPipeline(model: PoseModel, image: ImageU8, b: PersonBox[]): Promise<{ network: number; pipeline: number }> {
  const timings = emptyTimings();
  await estimatePoses(model, image, b, { flip: true, batchSize: BATCH, timings });
  return { network: timings.inference, pipeline: timings.warp + timings.inference + timings.post };
}

function row(runtime: string, model: string, persons: number, network: number, keypointArtifact: number, tsPipelineMs?: number): KeypointBenchRow {
  const r: KeypointBenchRow = {
    runtime,
    model,
    persons,
    network: network / persons,
    keypointArtifact: keypointArtifact / persons,
    inGraphOverhead: keypointArtifact / network - 1,
    ...(tsPipelineMs !== undefined ? { tsPipeline: tsPipelineMs / persons, tsOverhead: tsPipelineMs / network - 1 } : {}),
  };
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  console.log(
    `keypoints ${runtime} ${model}, ${persons} persons, flip: network ${r.network.toFixed(2)} ms/person; ` +
      (r.tsPipeline !== undefined ? `heatmaps + TS pipeline ${r.tsPipeline.toFixed(2)} (${pct(r.tsOverhead!)} over the network); ` : '') +
      `keypoint artifact ${r.keypointArtifact.toFixed(2)} (${pct(r.inGraphOverhead)} over the network)`,
  );
  return r;
}

/**
 * The two ways on one runtime, their repetitions interleaved (A, B, A, B, ...) so that
 * whatever else the machine does weighs on both alike; medians per person.
 */
async function interleaved(reps: number, ts: () => Promise<{ network: number; pipeline: number }>, kp: () => Promise<void>): Promise<{ network: number; pipeline: number; kp: number }> {
  await ts();
  await kp();
  const net: number[] = [];
  const all: number[] = [];
  const k: number[] = [];
  for (let r = 0; r < reps; r++) {
    const x = await ts();
    net.push(x.network);
    all.push(x.pipeline);
    const t = performance.now();
    await kp();
    k.push(performance.now() - t);
  }
  return { network: median(net), pipeline: median(all), kp: median(k) };
}

async function benchNode(name: string, reps: number): Promise<KeypointBenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), 'pose-port-bench-kp-'));
  try {
    const dirs = await convertBoth(makeCheckpoint(name), name, work);
    const image = await decodeImage(IMAGE);
    const b = boxes(BATCH);
    const boxData = Float32Array.from(b.flatMap((x) => x.bbox));
    const rows: KeypointBenchRow[] = [];

    const hm = await loadModel(join(dirs.heatmaps, 'model.onnx'));
    const s = await ort.InferenceSession.create(join(dirs.keypoints, 'model.onnx'));
    const feeds = { image: new ort.Tensor('uint8', image.data, [image.height, image.width, 3]), boxes: new ort.Tensor('float32', boxData, [BATCH, 4]) };
    const o = await interleaved(
      reps,
      () => tsPipeline(hm, image, b),
      async () => {
        await s.run(feeds);
      },
    );
    await hm.dispose();
    await s.release();
    rows.push(row('onnxruntime-node', name, BATCH, o.network, o.kp, o.pipeline));

    const hmTf = await loadModel(join(dirs.heatmaps, 'tfjs'), { tfjsBackend: 'wasm' });
    const tf = await useTfjsBackend('wasm');
    const graph = await loadTfjsGraph(join(dirs.keypoints, 'tfjs'), 'wasm');
    const w = await interleaved(
      Math.min(reps, 3),
      () => tsPipeline(hmTf, image, b),
      async () => {
        const x = { image: tf.tensor(Int32Array.from(image.data), [image.height, image.width, 3], 'int32'), boxes: tf.tensor(boxData, [BATCH, 4]) };
        const ys = (await graph.executeAsync(x, ['keypoints', 'scores'])) as import('@tensorflow/tfjs-core').Tensor[];
        await Promise.all(ys.map((y) => y.data()));
        tf.dispose([x.image, x.boxes, ...ys]);
      },
    );
    await hmTf.dispose();
    graph.dispose();
    rows.push(row('tfjs-wasm (node)', name, BATCH, w.network, w.kp, w.pipeline));
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * In chromium: the heatmap artifact on the 2N crops (both flip passes) against the keypoint
 * artifact on the image and N boxes, per backend. The bundled default checkpoint (a small
 * ResNet SimpleBaseline at 256x192) and N = 2 keep SwiftShader's run time bearable.
 */
async function benchBrowser(reps: number): Promise<KeypointBenchRow[]> {
  const N = 2;
  const cleanups: (() => unknown)[] = [];
  const work = mkdtempSync(join(tmpdir(), 'pose-port-bench-kp-browser-'));
  try {
    const dirs = await convertBoth(join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth'), undefined, work);
    const image = await decodeImage(IMAGE);
    const boxData = Float32Array.from(boxes(N).flatMap((x) => x.bbox));
    const h = await openHarness({ teardown: (fn) => cleanups.push(fn) }, { gpu: true });
    cpSync(join(dirs.heatmaps, 'tfjs'), join(h.files, 'h-tfjs'), { recursive: true });
    cpSync(join(dirs.keypoints, 'tfjs'), join(h.files, 'k-tfjs'), { recursive: true });
    const url = {
      hOnnx: h.put('h.onnx', readFileSync(join(dirs.heatmaps, 'model.onnx'))),
      kOnnx: h.put('k.onnx', readFileSync(join(dirs.keypoints, 'model.onnx'))),
      image: h.put('image.u8', image.data),
      boxes: h.put('boxes.f32', boxData),
    };
    const [H, W] = [256, 192];
    const crops = new Float32Array(2 * N * 3 * H * W).map((_, i) => Math.sin(i * 0.01));
    const nchw = h.put('crops-nchw.f32', crops);
    const nhwc = h.put('crops-nhwc.f32', crops);
    const rows: KeypointBenchRow[] = [];
    for (const [runtime, backend] of BROWSER_BACKENDS) {
      const onnx = runtime === 'onnx';
      const p = await h.page();
      const net = await p.run({
        runtime, backend, reps: reps + 1, outputs: ['heatmaps'],
        model: onnx ? url.hOnnx : '/files/h-tfjs/model.json',
        inputs: { input: { url: onnx ? nchw : nhwc, dtype: 'float32', shape: onnx ? [2 * N, 3, H, W] : [2 * N, H, W, 3] } },
      });
      await p.page.close();
      const q = await h.page();
      const kp = await q.run({
        runtime, backend, reps: reps + 1, outputs: ['keypoints', 'scores'], cpuNodes: 'report',
        model: onnx ? url.kOnnx : '/files/k-tfjs/model.json',
        inputs: { image: { url: url.image, dtype: 'uint8', shape: [image.height, image.width, 3] }, boxes: { url: url.boxes, dtype: 'float32', shape: [N, 4] } },
      });
      await q.page.close();
      const cpu = (kp.facts.placement as { counts: Record<string, number> } | undefined)?.counts.CPUExecutionProvider;
      rows.push(row(`${runtime}-web ${backend}${cpu ? ` (${cpu} nodes on the CPU EP)` : ''}`.replace('tfjs-web', 'tfjs'), 'default (tiny ResNet)', N, median(net.ms.slice(1)), median(kp.ms.slice(1))));
    }
    return rows;
  } finally {
    for (const c of cleanups.reverse()) await c();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function benchKeypoints(opts: { reps?: number; node?: boolean; browser?: boolean } = {}): Promise<{ rows: KeypointBenchRow[] }> {
  const reps = opts.reps ?? 5;
  const rows: KeypointBenchRow[] = [];
  if (opts.node ?? true) rows.push(...(await benchNode(NODE_MODEL, reps)));
  if (opts.browser ?? true) rows.push(...(await benchBrowser(2)));
  return { rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const a = process.argv.slice(2);
  await benchKeypoints({ node: !a.includes('--browser-only'), browser: !a.includes('--node-only') });
}
