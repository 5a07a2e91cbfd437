/**
 * Keypoint artifacts against the TypeScript pipeline: a small network (synthetic
 * MMPose-layout weights of any family), its heatmap ONNX run through `estimatePoses`
 * (crop, normalise, flip, decode in TypeScript) as the reference, and the same network
 * wrapped by src/keypoint-graph, emitted as ONNX (onnxruntime-node) and TF.js (cpu,
 * wasm) and run on an image and boxes. The settings vary through the model metadata,
 * exactly as convert passes them.
 */
import * as ort from 'onnxruntime-node';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnxMetadataProps, type ModelMetadata } from '../../src/artifact/metadata.js';
import { loadModel, type PoseModel } from '../../src/artifact/model.js';
import { loadTfjsGraph, useTfjsBackend } from '../../src/artifact/tfjs-runtime.js';
import type { TensorSet } from '../../src/core/tensor.js';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { emitTfjs, writeTfjs } from '../../src/emit/tfjs/index.js';
import type { DatasetName } from '../../src/eval/datasets.js';
import type { ImageU8 } from '../../src/io/image.js';
import { runPasses, DEFAULT_PASSES } from '../../src/passes/index.js';
import { modelMetadata } from '../../src/pipeline/convert.js';
import { artifactGraph, type GraphKind } from '../../src/pipeline/keypoint-artifact.js';
import { pipelineReference } from '../../src/pipeline/verify/keypoint-reference.js';
import { wellPosedKeypoints } from '../../src/eval/well-posed.js';
import { resolveSettings } from '../../src/pipeline/settings.js';
import { detectAndBuild } from './arch-cases.js';
import { COCO, MPII } from './data.js';

export interface Net {
  tag: string;
  tensors: TensorSet;
  /** [height, width] */
  inputSize: [number, number];
  dataset: DatasetName;
}

function buildNetwork(net: Net) {
  const { detection, built } = detectAndBuild(net.tensors, net.inputSize);
  const { graph } = runPasses(built.graph, DEFAULT_PASSES, { verify: true });
  return { detection, graph };
}

/** The metadata convert would write for `net`, with `decode` replacing the family defaults. */
export function metadataOf(net: Net, decode: ModelMetadata['decode']): ModelMetadata {
  const { detection, graph } = buildNetwork(net);
  const hm = graph.outputs.find((o) => o.name === 'heatmaps')!;
  const numKeypoints = hm.shape[1] as number;
  const settings = resolveSettings({ family: detection.family, numKeypoints, file: `${net.tag}.pth`, inputSizeFlag: net.inputSize, config: null });
  const meta = modelMetadata({
    sourceFile: `${net.tag}.pth`,
    sha256: '0'.repeat(64),
    detection,
    arch: null,
    settings,
    numKeypoints,
    heatmapSize: [hm.shape[2] as number, hm.shape[3] as number],
    zoo: undefined,
  });
  if (meta.dataset !== net.dataset) throw new Error(`${net.tag}: ${numKeypoints} keypoints resolve to ${meta.dataset}, not ${net.dataset}`);
  return { ...meta, decode };
}

/** The heatmap artifact of `net` with `meta`, loaded as `run` loads it (the reference's network). */
export async function referenceModel(net: Net, meta: ModelMetadata, dir: string): Promise<PoseModel> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${net.tag}-${meta.decode.method}-${meta.decode.flip_test ? 'flip' : 'noflip'}-heatmaps.onnx`);
  writeFileSync(file, emitOnnx(buildNetwork(net).graph, { metadata: onnxMetadataProps(meta) }));
  return loadModel(file);
}

/** The keypoint graph of `net` for `meta`. */
export function keypointGraph(net: Net, meta: ModelMetadata, kind: GraphKind = 'keypoints', heatmapsOutput = false) {
  return artifactGraph(buildNetwork(net).graph, kind, meta, heatmapsOutput);
}

export async function keypointSession(
  net: Net,
  meta: ModelMetadata,
  opset = 11,
  kind: GraphKind = 'keypoints',
  options: ort.InferenceSession.SessionOptions = {},
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(emitOnnx(keypointGraph(net, meta, kind), { opset }), options);
}

export interface KeypointsOut {
  /** [N, K, 2] */
  keypoints: Float32Array;
  /** [N, K] */
  scores: Float32Array;
  dims: number[];
}

export async function runOnnx(session: ort.InferenceSession, img: ImageU8, boxes: readonly (readonly number[])[]): Promise<KeypointsOut> {
  const out = await session.run({
    image: new ort.Tensor('uint8', img.data, [img.height, img.width, 3]),
    boxes: new ort.Tensor('float32', Float32Array.from(boxes.flat()), [boxes.length, 4]),
  });
  return { keypoints: out.keypoints.data as Float32Array, scores: out.scores.data as Float32Array, dims: [...out.keypoints.dims].map(Number) };
}

/** The TF.js keypoint artifact of `net`, written to `dir` and loaded; `run` executes it on `backend`. */
export async function keypointTfjs(net: Net, meta: ModelMetadata, dir: string) {
  const art = emitTfjs(keypointGraph(net, meta), { metadata: { pose_port: meta }, inputLayout: 'as-declared', outputLayout: 'NCHW' });
  writeTfjs(dir, art);
  const model = await loadTfjsGraph(dir, 'wasm');
  return {
    model,
    async run(img: ImageU8, boxes: readonly (readonly number[])[], backend: 'cpu' | 'wasm'): Promise<KeypointsOut> {
      const tf = await useTfjsBackend(backend);
      const inputs = {
        image: tf.tensor(Int32Array.from(img.data), [img.height, img.width, 3], 'int32'),
        boxes: tf.tensor(Float32Array.from(boxes.flat()), [boxes.length, 4], 'float32'),
      };
      const [kp, sc] = model.execute(inputs, ['keypoints', 'scores']) as import('@tensorflow/tfjs-core').Tensor[];
      const out = { keypoints: (await kp.data()) as Float32Array, scores: (await sc.data()) as Float32Array, dims: kp.shape };
      for (const t of [kp, sc, inputs.image, inputs.boxes]) t.dispose();
      return out;
    },
  };
}

export interface ReferenceOut extends KeypointsOut {
  /**
   * [N·K] whether each keypoint is determined by the reference's (flip-averaged) heatmap at
   * float32 precision (src/eval/well-posed.ts), and how far the perturbations moved it (px)
   */
  wellPosed: boolean[];
  movement: Float64Array;
}

/** The TypeScript pipeline (`run` on the heatmap artifact) for the same boxes, with the well-posedness of each keypoint. */
export async function reference(model: PoseModel, img: ImageU8, boxes: readonly (readonly number[])[]): Promise<ReferenceOut> {
  const r = await pipelineReference(model, img, boxes);
  const criterion = boxes.length ? wellPosedKeypoints(r.heatmaps, r.decode) : { wellPosed: [], movement: new Float64Array(0) };
  return { keypoints: r.keypoints, scores: r.scores, dims: [boxes.length, model.numKeypoints, 2], wellPosed: criterion.wellPosed, movement: criterion.movement };
}

export interface PxStats {
  /** Euclidean distance per keypoint (px) */
  max: number;
  median: number;
  /** the 99th percentile */
  p99: number;
  /** largest |score difference| */
  score: number;
  count: number;
  distances?: number[];
}

/** Euclidean distance (px) of each keypoint, in keypoint order. */
export function keypointDistances(a: KeypointsOut, b: KeypointsOut): number[] {
  const d: number[] = [];
  for (let i = 0; i < a.keypoints.length / 2; i++) d.push(Math.hypot(a.keypoints[2 * i] - b.keypoints[2 * i], a.keypoints[2 * i + 1] - b.keypoints[2 * i + 1]));
  return d;
}

export function compareKeypoints(a: KeypointsOut, b: KeypointsOut): PxStats {
  const d = keypointDistances(a, b);
  let score = 0;
  for (let i = 0; i < a.scores.length; i++) score = Math.max(score, Math.abs(a.scores[i] - b.scores[i]));
  d.sort((x, y) => x - y);
  return { ...percentiles(d), score, count: d.length };
}

export function percentiles(d: number[]): { max: number; median: number; p99: number; distances: number[] } {
  d.sort((x, y) => x - y);
  const at = (q: number) => (d.length ? d[Math.min(d.length - 1, Math.floor(q * d.length))] : 0);
  return { max: d.length ? d[d.length - 1] : 0, median: at(0.5), p99: at(0.99), distances: d };
}

/** The images of a dataset with their ground-truth boxes (float32 values), as [file, boxes]. */
export function groundTruthBoxes(dataset: DatasetName): [string, number[][]][] {
  const f32 = (b: number[]) => b.map(Math.fround);
  if (dataset === 'mpii') {
    const json = JSON.parse(readFileSync(join(MPII, 'test_mpii.json'), 'utf8')) as { image: string; center: number[]; scale: number }[];
    // the person box MPII's center and scale stand for: scale·200 px square around the 0-based center
    return json.map((e) => {
      const s = e.scale * 200;
      return [join(MPII, e.image), [f32([e.center[0] - 1 - s / 2, e.center[1] - 1 - s / 2, s, s])]];
    });
  }
  const json = JSON.parse(readFileSync(join(COCO, dataset === 'coco' ? 'test_coco.json' : 'test_coco_wholebody.json'), 'utf8'));
  return json.images.map((im: { id: number; file_name: string }) => [
    join(COCO, im.file_name),
    json.annotations.filter((a: { image_id: number }) => a.image_id === im.id).map((a: { bbox: number[] }) => f32(a.bbox)),
  ]);
}
