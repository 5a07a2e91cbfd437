/**
 * `pose-port run`: keypoints of the persons in one image, from given boxes (or the
 * whole image), through MMPose's top-down test pipeline (crop, normalise, flip test,
 * decode per the model metadata). `runImage` is the command's one API function (model
 * and image files in, persons out, overlay written); `estimatePoses` the library's, on
 * a loaded model.
 */
import { readJsonFile } from '../io/json.js';
import { basename } from 'node:path';
import { PosePortError } from '../core/errors.js';
import { checkOutputFile } from '../core/output-path.js';
import { boxProblem, xywh2cs } from '../eval/bbox.js';
import { rescore } from '../eval/topdown-results.js';
import type { ImageU8 } from '../core/image.js';
import { decodeImage, imageOutputFormat, writeImage, type DecodeImageOptions } from '../io/image.js';
import { loadModel, type LoadModelOptions, type ModelKind, type PoseModel } from '../artifact/model.js';
import type { ModelMetadata } from '../artifact/metadata.js';
import { drawPoses } from '../render/overlay.js';
import { TopDownBatcher, emptyTimings, type CropResult, type StageTimings, type TopDownOptions } from './topdown.js';

/** A person box `[x, y, w, h]` in image pixels with its detection score (default 1). */
export interface PersonBox {
  bbox: readonly [number, number, number, number] | readonly number[];
  score?: number;
}

export interface PersonPose {
  bbox: [number, number, number, number];
  bboxScore: number;
  center: [number, number];
  scale: [number, number];
  /** [K] of [x, y, score] in image pixels */
  keypoints: [number, number, number][];
  /** MMPose's rescoring: mean keypoint score above 0.2, times the box score */
  score: number;
  /** [K, h, w] the heatmaps decoded, with `keepHeatmaps` (heatmap artifacts only) */
  heatmaps?: Float32Array;
}

export interface EstimateOptions extends TopDownOptions {
  /** vis_thr of the rescoring (default 0.2) */
  visThr?: number;
}

export interface EstimateResult {
  persons: PersonPose[];
  image: { width: number; height: number };
  timings: StageTimings;
}

function checkBox(b: PersonBox, i: number, file?: string): [number, number, number, number] {
  const v = b?.bbox;
  const bad = boxProblem(v);
  if (bad) throw new PosePortError('ANNOTATION_FORMAT', `box ${i}: bbox ${bad}`, { file, key: `[${i}].bbox` });
  const [x, y, w, h] = v as readonly number[];
  if (!(w > 0 && h > 0)) throw new PosePortError('ANNOTATION_FORMAT', `box ${i} has width ${w} and height ${h}; both must be > 0`, { file, key: `[${i}].bbox` });
  if (b.score !== undefined && (typeof b.score !== 'number' || !Number.isFinite(b.score)))
    throw new PosePortError('ANNOTATION_FORMAT', `box ${i} has a non-numeric score`, { file, key: `[${i}].score` });
  return [x, y, w, h];
}

/**
 * Estimates the pose of every box in `image` (a decoded RGB image or a file path).
 * Without boxes the whole image is one box, as MMPose's `inference_top_down_pose_model`
 * does when it gets no person results. Persons come back in box order.
 */
export async function estimatePoses(model: PoseModel, image: ImageU8 | string, boxes?: readonly PersonBox[], opts: EstimateOptions = {}): Promise<EstimateResult> {
  const timings = opts.timings ?? emptyTimings();
  let img: ImageU8;
  if (typeof image === 'string') {
    const t0 = performance.now();
    img = await decodeImage(image);
    timings.decode += performance.now() - t0;
  } else img = image;
  const list: PersonBox[] = boxes ? [...boxes] : [{ bbox: [0, 0, img.width, img.height], score: 1 }];
  const checked = list.map((b, i) => checkBox(b, i));
  const [H, W] = model.inputSize;
  const done: CropResult<number>[] = model.keypoints ? await inGraph(model, img, checked, opts, timings) : [];
  if (!model.keypoints) {
    const batcher = new TopDownBatcher<number>(model, { ...opts, timings });
    for (let i = 0; i < checked.length; i++) {
      const [x, y, w, h] = checked[i];
      const cs = xywh2cs(x, y, w, h, [W, H]);
      done.push(...(await batcher.add(img, { center: cs.center, scale: cs.scale, dtype: 'float32', tag: i })));
    }
    done.push(...(await batcher.flush()));
  }
  const K = model.numKeypoints;
  const persons = done.map((r) => {
    const i = r.tag;
    const bboxScore = list[i].score ?? 1;
    const keypoints: [number, number, number][] = [];
    for (let k = 0; k < K; k++) keypoints.push([r.preds[3 * k], r.preds[3 * k + 1], r.preds[3 * k + 2]]);
    return { bbox: checked[i], bboxScore, center: r.center, scale: r.scale, keypoints, score: rescore(r.preds, K, bboxScore, opts.visThr ?? 0.2), ...(r.heatmaps ? { heatmaps: r.heatmaps } : {}) };
  });
  return { persons, image: { width: img.width, height: img.height }, timings };
}

/**
 * A keypoint artifact runs the whole test itself (crop, flip test, decoding as converted):
 * one call for all boxes, whose float32 values it receives. The flip setting is the
 * artifact's; asking for the other one is a usage error.
 */
export async function inGraph(model: PoseModel, img: ImageU8, boxes: [number, number, number, number][], opts: EstimateOptions, timings: StageTimings): Promise<CropResult<number>[]> {
  const flip = model.metadata.decode.flip_test;
  if (opts.flip !== undefined && opts.flip !== flip)
    throw new PosePortError('USAGE', `the keypoint artifact was converted with the flip test ${flip ? 'on' : 'off'}; convert it again to change that`, { file: model.file });
  const t0 = performance.now();
  const r = await model.keypoints!(img, Float32Array.from(boxes.flat()));
  timings.inference += performance.now() - t0;
  const [H, W] = model.inputSize;
  const K = model.numKeypoints;
  return boxes.map(([x, y, w, h], i) => {
    const cs = xywh2cs(x, y, w, h, [W, H]);
    const preds = new Float32Array(K * 3);
    for (let k = 0; k < K; k++) {
      preds[3 * k] = r.keypoints[(i * K + k) * 2];
      preds[3 * k + 1] = r.keypoints[(i * K + k) * 2 + 1];
      preds[3 * k + 2] = r.scores[i * K + k];
    }
    return { tag: i, center: cs.center, scale: cs.scale, preds };
  });
}

/**
 * The person boxes of `imageFile` in a detection file: a COCO detection list
 * (`{image_id, category_id, bbox, score}`; category 1 only, and only the entries of this
 * image when the image's file name is its COCO id) or a plain list of `{bbox, score}`
 * or `[x, y, w, h]`. Entries with `score < minScore` are dropped.
 */
export function readDetections(file: string, imageFile: string, minScore = 0): PersonBox[] {
  const json = readJsonFile(file, 'detection file');
  if (!Array.isArray(json)) throw new PosePortError('ANNOTATION_FORMAT', 'the detection file must be a JSON list', { file });
  const stem = basename(imageFile).replace(/\.[^.]*$/, '');
  const id = /^\d+$/.test(stem) ? Number(stem) : undefined;
  const hasIds = json.some((d) => d && typeof d === 'object' && !Array.isArray(d) && 'image_id' in d);
  const ids = new Set(json.map((d) => (d && typeof d === 'object' ? (d as { image_id?: unknown }).image_id : undefined)));
  if (hasIds && id === undefined && ids.size > 1)
    throw new PosePortError('USAGE', `the detections are for ${ids.size} images; the image file name '${basename(imageFile)}' is no COCO id to select them by`, { file });
  const out: PersonBox[] = [];
  json.forEach((d, i) => {
    const box: PersonBox = Array.isArray(d) ? { bbox: d as number[] } : (d as PersonBox);
    const o = d as { image_id?: unknown; category_id?: unknown };
    if (hasIds && id !== undefined && o.image_id !== id) return;
    if (o && o.category_id !== undefined && o.category_id !== 1) return;
    checkBox(box, i, file);
    if ((box.score ?? 1) < minScore) return;
    out.push({ bbox: box.bbox, score: box.score ?? 1 });
  });
  return out;
}

export interface RunOptions {
  /** the person boxes; without `boxes` and `dets` the whole image is one box */
  boxes?: readonly PersonBox[];
  /** person boxes from a detection file (`readDetections`); `minScore` drops weaker ones (default 0) */
  dets?: { file: string; minScore?: number };
  /** draw the skeletons on the image into `file` (.png, .jpg); keypoints with score <= kptThr are skipped (default 0.3) */
  overlay?: { file: string; kptThr?: number };
  /** false: no flip test, whatever the model metadata says */
  flip?: boolean;
  /** crops per model call (default 8) */
  batchSize?: number;
  /** how the model is loaded (TF.js backend, onnxruntime execution providers) */
  model?: LoadModelOptions;
  /** image limits (pixels, formats) */
  image?: Omit<DecodeImageOptions, 'key'>;
}

export interface RunResult extends EstimateResult {
  model: { file: string; kind: ModelKind; runtime: string; dataset: ModelMetadata['dataset']; zoo: string | null };
  keypointNames: string[];
  imageFile: string;
  /** the overlay file written, when asked for */
  overlay?: string;
}

/**
 * `pose-port run`: loads the model, decodes the image, estimates the pose of every box
 * (given, from a detection file, or the whole image) and writes the overlay. The overlay
 * path is checked before any work, so a bad one fails at once, not after inference.
 */
export async function runImage(modelPath: string, imageFile: string, opts: RunOptions = {}): Promise<RunResult> {
  if (opts.boxes?.length && opts.dets) throw new PosePortError('USAGE', 'run: give --bbox or --dets, not both');
  const overlay = opts.overlay;
  if (overlay) {
    imageOutputFormat(overlay.file);
    checkOutputFile(overlay.file, '--overlay');
  }
  const boxes = opts.boxes?.length ? opts.boxes : opts.dets ? readDetections(opts.dets.file, imageFile, opts.dets.minScore ?? 0) : undefined;
  const model = await loadModel(modelPath, opts.model);
  try {
    const image = await decodeImage(imageFile, opts.image);
    const res = await estimatePoses(model, image, boxes, { flip: opts.flip, batchSize: opts.batchSize });
    if (overlay) await writeImage(overlay.file, drawPoses(image, res.persons, { skeleton: model.metadata.skeleton, kptThr: overlay.kptThr }));
    const m = model.metadata;
    return {
      ...res,
      model: { file: model.file, kind: model.kind, runtime: model.runtime, dataset: m.dataset, zoo: m.zoo?.name ?? null },
      keypointNames: m.keypoint_names,
      imageFile,
      ...(overlay ? { overlay: overlay.file } : {}),
    };
  } finally {
    await model.dispose();
  }
}
