/**
 * `pose-port eval`: MMPose v0.12's top-down test of a converted model on a dataset.
 * The persons come from the annotation file (GT boxes) or a detection file, exactly as
 * MMPose's dataset classes build them; inference goes through the shared top-down core;
 * the scoring is MMPose's `evaluate` (rescoring, OKS-NMS per the zoo row's data_cfg,
 * COCOeval; COCO-WholeBody's six passes; MPII PCKh).
 *
 * MPII: MMPose scores against `mpii_gt_val.mat` (joints and head boxes of the validation
 * persons), which is not part of the repository's test data. `mpiiGt` takes its fields
 * as JSON (`dataset_joints`, `jnt_missing`, `pos_gt_src`, `headboxes_src`, e.g. dumped with
 * scipy.io.loadmat); without it the joints come from the annotation file and the head
 * boxes are synthetic (a square of side |head_top - upper_neck| centred between the two,
 * as the spec's vectors build them), so the PCKh is not comparable with the zoo's.
 *
 * Past 300 lines because the three datasets' person sources, the person loop and their
 * metric tables are one flow read top to bottom; the journal (eval-journal.ts), the shards
 * (shard.ts), the image limits (io/image.ts) and file-name confinement (core/confined-path.ts)
 * live in their own modules.
 */
import { readJsonFile } from '../io/json.js';
import { realpathSync } from 'node:fs';
import { checkConfinedName, resolveConfined } from '../core/confined-path.js';
import { familyByName } from '../arch/index.js';
import { PosePortError } from '../core/errors.js';
import { headBoxRow } from '../eval/bbox.js';
import { evaluateTopDown, isWholeBodyGt, parseCocoGt, type ScoreResult } from '../eval/coco-results.js';
import { STATS_NAMES, type CocoGtFile, type CocoKeypointResult } from '../eval/cocoeval.js';
import { mpiiPckh, type MpiiGt, type MpiiPckh } from '../eval/mpii.js';
import { detectionPersons, groundTruthPersons, mpiiPersons, type DetectionEntry, type MpiiJsonEntry, type PersonEntry } from '../eval/persons.js';
import type { TopDownOutputRow } from '../eval/topdown-results.js';
import type { ImageU8 } from '../core/image.js';
import { decodeImage, type DecodeImageOptions } from '../io/image.js';
import { findZooEntry } from '../zoo/registry.js';
import type { PoseModel } from '../artifact/model.js';
import { EvalJournal, journalExists, journalInputs } from './eval-journal.js';
import { selectShard, type Shard } from './shard.js';
import { TopDownBatcher, emptyTimings, type StageTimings } from './topdown.js';
import { inGraph } from './run.js';
import { checkMpiiGt, cocoTable, mpiiGtFromAnnotations, mpiiTable, wholebodyTable } from './eval-metrics.js';

export { mpiiGtFromAnnotations } from './eval-metrics.js';

export interface EvaluateOptions {
  /** annotation file: COCO / COCO-WholeBody keypoints JSON, or MMPose's MPII JSON list */
  ann: string;
  /** directory of the images the annotation file names */
  images: string;
  /** person detections (COCO detection results list); default: the GT boxes */
  dets?: string;
  /** the flip test; default: the model metadata's */
  flip?: boolean;
  /** crops per model call (default 8) */
  batchSize?: number;
  /** MPII: the fields of mpii_gt_val.mat as JSON (see the file comment) */
  mpiiGt?: string;
  /** called after every batch with the persons done so far */
  onProgress?: (done: number, total: number) => void;
  /** accumulated into when given */
  timings?: StageTimings;
  /** image limits (pixels, formats) for the images the annotation file names */
  image?: Omit<DecodeImageOptions, 'key'>;
  /** COCO / WholeBody: evaluate only this deterministic slice of the images (see shard.ts) */
  shard?: Shard;
  /**
   * COCO / WholeBody: append every finished batch to this journal file (see eval-journal.ts);
   * `resume` continues from it. Without `resume` an existing journal is refused (it holds an
   * interrupted run). The caller deletes it once the results are safely written.
   */
  journal?: { file: string; resume?: boolean };
}

/** The test-time data_cfg that matters for scoring (MMPose's names). */
export interface EvalDataConfig {
  use_nms: boolean;
  soft_nms: boolean;
  oks_thr: number;
  vis_thr: number;
  det_bbox_thr: number;
  /** 'zoo' when taken from the registry row the metadata names */
  source: 'zoo' | 'defaults';
}

/** One line of the printed table. */
export interface MetricRow {
  /** the name MMPose prints (e.g. 'AP .5', 'whole AP', 'PCKh') */
  name: string;
  value: number;
  /** the zoo table's value for this metric, on the same scale as `value` */
  recorded?: number;
}

export interface EvaluateResult {
  dataset: 'coco' | 'coco_wholebody' | 'mpii' | 'custom';
  zoo: string | null;
  boxes: 'gt' | 'detections';
  flip: boolean;
  batchSize: number;
  runtime: string;
  dataCfg: EvalDataConfig;
  images: number;
  persons: number;
  /** MMPose's returned names -> values (COCO fractions; MPII percent) */
  metrics: Record<string, number>;
  /** the metric table, with the zoo's recorded numbers where the metadata names a zoo row */
  table: MetricRow[];
  /** the headline number as a fraction: COCO AP, WholeBody whole-body AP, MPII PCKh / 100 */
  ap: number;
  apName: string;
  /** COCO / WholeBody: the results file MMPose would write */
  results?: CocoKeypointResult[];
  /** COCO / WholeBody: every stat of every split */
  score?: ScoreResult;
  mpii?: MpiiPckh;
  /** per person box, in dataset order: keypoints [K*3] */
  outputs: { imageId: number; bboxId: number; preds: Float32Array }[];
  /** with `shard`: which slice; the metrics are over its images only */
  shard?: Shard & { images: number };
  /** with `journal`: the persons read back from it instead of being run again */
  resumed?: number;
  timings: StageTimings & { total: number };
  warnings: string[];
}


/** The data_cfg of the zoo row the metadata names, else MMPose's defaults (no NMS for RSN/MSPN, as their configs). */
export function evalDataConfig(model: PoseModel): EvalDataConfig {
  const name = model.metadata.zoo?.name;
  const entry = name ? findZooEntry(name) : undefined;
  if (entry) {
    const d = entry.config.data_cfg;
    return {
      use_nms: d.use_nms ?? true,
      soft_nms: d.soft_nms ?? false,
      oks_thr: d.oks_thr ?? 0.9,
      vis_thr: d.vis_thr ?? 0.2,
      det_bbox_thr: d.det_bbox_thr ?? 0,
      source: 'zoo',
    };
  }
  return { use_nms: familyByName(model.metadata.family).defaults.useNms, soft_nms: false, oks_thr: 0.9, vis_thr: 0.2, det_bbox_thr: 0, source: 'defaults' };
}

/**
 * Decodes the images the persons need, in person order, keeping each image only until
 * its last person is cropped. The file names come from the annotation file, so each is
 * confined to the images directory (no absolute path, no `..`, no symlink leading out)
 * and decoded under the image limits.
 */
class ImageCache {
  private readonly cache = new Map<string, ImageU8>();
  private readonly lastUse = new Map<string, number>();
  private readonly paths = new Map<string, string>();
  constructor(
    dir: string,
    persons: readonly PersonEntry[],
    private readonly keys: ReadonlyMap<string, string>,
    private readonly opts: EvaluateOptions['image'] & { annFile: string },
    private readonly timings: StageTimings,
  ) {
    persons.forEach((p, i) => this.lastUse.set(p.imageFile, i));
    // every name is checked (and found) before the first person runs
    let realDir: string;
    try {
      realDir = realpathSync(dir);
    } catch (e) {
      throw new PosePortError('IO', `cannot open the images directory: ${(e as Error).message}`, { file: dir });
    }
    for (const name of this.lastUse.keys())
      this.paths.set(name, resolveConfined(dir, name, { what: 'image', file: opts.annFile, key: keys.get(name) }, realDir));
  }
  async get(p: PersonEntry, index: number): Promise<ImageU8> {
    let img = this.cache.get(p.imageFile);
    if (!img) {
      const t0 = performance.now();
      const key = this.keys.get(p.imageFile);
      try {
        img = await decodeImage(this.paths.get(p.imageFile)!, { ...this.opts, key });
      } catch (e) {
        // name the annotation field that led here as well as the image
        if (e instanceof PosePortError && key) throw new PosePortError(e.code, `${key} of ${this.opts.annFile}: ${e.message}`, { file: e.file, key, details: e.details });
        throw e;
      }
      this.timings.decode += performance.now() - t0;
      this.cache.set(p.imageFile, img);
    }
    if (this.lastUse.get(p.imageFile) === index) this.cache.delete(p.imageFile);
    return img;
  }
}

/** The annotation field each image file name comes from ('images[3].file_name', MPII '[7].image'), names checked as text. */
function imageNameKeys(annJson: unknown, dataset: EvaluateResult['dataset'], file: string): Map<string, string> {
  const keys = new Map<string, string>();
  const add = (name: unknown, key: string) => {
    const n = checkConfinedName(name, { what: 'image', file, key });
    if (!keys.has(n)) keys.set(n, key);
  };
  if (dataset === 'mpii') (annJson as MpiiJsonEntry[]).forEach((e, i) => add(e?.image, `[${i}].image`));
  else (annJson as CocoGtFile).images.forEach((img, i) => add(img.file_name, `images[${i}].file_name`));
  return keys;
}

/** The ground truth of `imageIds` only (a shard's own score). */
function restrictGt(gt: CocoGtFile, imageIds: ReadonlySet<number>): CocoGtFile {
  return { ...gt, images: gt.images.filter((i) => imageIds.has(i.id)), annotations: gt.annotations.filter((a) => imageIds.has(a.image_id)) };
}

/** Runs MMPose's top-down test of `model` on a dataset and scores it. */
export async function evaluateModel(model: PoseModel, opts: EvaluateOptions): Promise<EvaluateResult> {
  const t0 = performance.now();
  const timings = opts.timings ?? emptyTimings();
  const meta = model.metadata;
  const dataset = meta.dataset;
  const dataCfg = evalDataConfig(model);
  const warnings: string[] = [];
  const zooEntry = meta.zoo?.name ? findZooEntry(meta.zoo.name) : undefined;
  const recorded = meta.zoo?.metrics;
  const [H, W] = model.inputSize;
  if (dataset === 'custom' && !meta.sigmas)
    throw new PosePortError(
      'MODEL_FORMAT',
      `the model's keypoint set is its checkpoint config's own (${meta.num_keypoints} keypoints) and records no OKS sigmas, so it cannot be scored: convert from a config whose dataset_info has sigmas`,
      { file: model.file },
    );
  const annJson = readJsonFile(opts.ann, 'annotation file');

  let persons: PersonEntry[];
  let gt: CocoGtFile | undefined;
  let mpiiEntries: MpiiJsonEntry[] | undefined;
  if (dataset === 'mpii') {
    if (opts.dets) throw new PosePortError('USAGE', 'eval: MPII is evaluated on its annotated persons (use_gt_bbox); --dets does not apply');
    if (!Array.isArray(annJson)) throw new PosePortError('ANNOTATION_FORMAT', "an MPII model needs MMPose's MPII annotation list (e.g. test_mpii.json)", { file: opts.ann });
    mpiiEntries = annJson as MpiiJsonEntry[];
    persons = mpiiPersons(mpiiEntries);
  } else {
    gt = parseCocoGt(annJson, opts.ann);
    if (dataset === 'coco_wholebody' && !isWholeBodyGt(gt))
      throw new PosePortError('ANNOTATION_FORMAT', 'a COCO-WholeBody model needs COCO-WholeBody annotations (foot_kpts, face_kpts, lefthand_kpts, righthand_kpts)', { file: opts.ann });
    if (opts.dets) {
      const dets = readJsonFile(opts.dets, 'detection file') as DetectionEntry[];
      try {
        persons = detectionPersons(dets, gt, [W, H], dataCfg.det_bbox_thr);
      } catch (e) {
        throw e instanceof PosePortError ? e.withFile(opts.dets) : e;
      }
    } else {
      persons = groundTruthPersons(gt, [W, H], { wholebody: dataset === 'coco_wholebody' });
      if (zooEntry && !zooEntry.config.data_cfg.use_gt_bbox)
        warnings.push('the zoo numbers were measured with detection boxes (use_gt_bbox=False); these are GT boxes: pass --dets for a like-for-like comparison');
    }
  }
  if (persons.length === 0) throw new PosePortError('ANNOTATION_FORMAT', 'the annotation file yields no person to evaluate', { file: opts.ann });
  // a keypoint artifact takes person boxes (it crops and decodes itself); MPII's persons are centres and scales
  if (model.keypoints && dataset === 'mpii')
    throw new PosePortError('USAGE', 'eval: a keypoint artifact takes person boxes; MPII persons are centres and scales: evaluate the heatmap artifact', { file: model.file });

  if (opts.shard && dataset === 'mpii') throw new PosePortError('USAGE', 'eval: --shard applies to COCO / COCO-WholeBody (an MPII shard has no results file to merge)');
  if (opts.journal && dataset === 'mpii') throw new PosePortError('USAGE', 'eval: the journal (--results, --resume) applies to COCO / COCO-WholeBody models');
  const keys = imageNameKeys(annJson, dataset, opts.ann);
  let shardInfo: EvaluateResult['shard'];
  if (opts.shard) {
    const sel = selectShard(persons, opts.shard);
    persons = sel.persons;
    shardInfo = { ...opts.shard, images: sel.imageIds.size };
    if (persons.length === 0) warnings.push(`shard ${opts.shard.index}/${opts.shard.count} holds no image (fewer images than shards): its results file is empty`);
    if (gt) gt = restrictGt(gt, sel.imageIds);
  }

  const batcher = new TopDownBatcher<number>(model, { flip: opts.flip, batchSize: opts.batchSize, timings });
  const done: { tag: number; preds: Float32Array }[] = [];
  let journal: EvalJournal | undefined;
  let resumed: number | undefined;
  if (opts.journal) {
    const { file, resume } = opts.journal;
    const exists = journalExists(file);
    if (exists && !resume)
      throw new PosePortError('USAGE', `eval: a journal of an interrupted evaluation exists: pass --resume to continue it, or delete it to start again`, { file });
    const inputs = await journalInputs(model, {
      ann: opts.ann,
      dets: opts.dets,
      flip: batcher.flip,
      batchSize: batcher.batchSize,
      shard: opts.shard ? `${opts.shard.index}/${opts.shard.count}` : null,
    });
    if (exists) {
      const r = EvalJournal.resume(file, persons.length, model.numKeypoints, inputs);
      journal = r.journal;
      r.state.preds.forEach((preds, tag) => done.push({ tag, preds }));
      resumed = r.state.done;
    } else {
      journal = EvalJournal.start(file, persons.length, model.numKeypoints, inputs);
    }
  }
  const report = () => opts.onProgress?.(done.length, persons.length);
  try {
    const start = done.length;
    const images = new ImageCache(opts.images, persons.slice(start), keys, { ...opts.image, annFile: opts.ann }, timings);
    const record = (finished: { tag: number; preds: Float32Array }[]) => {
      if (!finished.length) return;
      journal?.append(finished[0].tag, finished.map((r) => r.preds));
      done.push(...finished);
      report();
    };
    if (start) report();
    if (model.keypoints) {
      // one artifact call per image, for all of its (consecutive) persons
      for (let i = start; i < persons.length; ) {
        let j = i;
        while (j < persons.length && persons[j].imageFile === persons[i].imageFile) j++;
        const img = await images.get(persons[i], i - start);
        for (let k = i + 1; k < j; k++) await images.get(persons[k], k - start);
        const boxes = persons.slice(i, j).map((p) => p.cleanBbox ?? p.detBbox!);
        const r = await inGraph(model, img, boxes, { flip: opts.flip }, timings);
        record(r.map((x) => ({ tag: i + x.tag, preds: x.preds })));
        i = j;
      }
    } else {
      for (let i = start; i < persons.length; i++) {
        const p = persons[i];
        const img = await images.get(p, i - start);
        record(await batcher.add(img, { center: p.center, scale: p.scale, dtype: p.dtype, tag: i }));
      }
      record(await batcher.flush());
    }
  } finally {
    journal?.close();
  }
  report();

  const tPost = performance.now();
  const outputs = done.map((r) => ({ imageId: persons[r.tag].imageId, bboxId: persons[r.tag].bboxId, preds: r.preds }));
  let metrics: Record<string, number>;
  let table: MetricRow[];
  let ap: number;
  let apName: string;
  let results: CocoKeypointResult[] | undefined;
  let score: ScoreResult | undefined;
  let mpii: MpiiPckh | undefined;
  if (dataset === 'mpii') {
    let mgt: MpiiGt;
    if (opts.mpiiGt) mgt = checkMpiiGt(readJsonFile(opts.mpiiGt, 'MPII ground truth'), opts.mpiiGt);
    else {
      mgt = mpiiGtFromAnnotations(mpiiEntries!, opts.ann);
      warnings.push('no --mpii-gt (mpii_gt_val.mat as JSON): head boxes are synthetic (|head_top - upper_neck| squares), so PCKh is not comparable with the zoo table');
    }
    mpii = mpiiPckh(outputs.map((o) => ({ bboxId: o.bboxId, keypoints: o.preds, stride: 3 })), mgt);
    metrics = { Head: mpii.Head, Shoulder: mpii.Shoulder, Elbow: mpii.Elbow, Wrist: mpii.Wrist, Hip: mpii.Hip, Knee: mpii.Knee, Ankle: mpii.Ankle, PCKh: mpii.PCKh, 'PCKh@0.1': mpii['PCKh@0.1'] };
    table = mpiiTable(mpii, recorded);
    ap = mpii.PCKh / 100;
    apName = 'PCKh';
  } else {
    const rows: TopDownOutputRow[] = done.map((r, i) => {
      const p = persons[r.tag];
      return { ...outputs[i], box: headBoxRow(p.center, p.scale, p.bboxScore) };
    });
    const ev = evaluateTopDown(rows, gt!, {
      dataset,
      sigmas: meta.sigmas,
      useNms: dataCfg.use_nms,
      softNms: dataCfg.soft_nms,
      oksThr: dataCfg.oks_thr,
      visThr: dataCfg.vis_thr,
    });
    results = ev.results;
    score = ev.score;
    if (score.kind === 'wholebody') {
      const wb = score.stats.wholebody;
      metrics = Object.fromEntries(STATS_NAMES.map((n, i) => [n, wb[i]]));
      table = wholebodyTable(score, recorded);
      ap = wb[0];
      apName = 'whole AP';
    } else {
      const s = score.stats;
      metrics = Object.fromEntries(STATS_NAMES.map((n, i) => [n, s[i]]));
      table = cocoTable(s, recorded);
      ap = s[0];
      apName = 'AP';
    }
  }
  timings.post += performance.now() - tPost;
  const imageCount = new Set(persons.map((p) => p.imageFile)).size;
  return {
    dataset,
    zoo: meta.zoo?.name ?? null,
    boxes: dataset !== 'mpii' && opts.dets ? 'detections' : 'gt',
    flip: batcher.flip,
    batchSize: batcher.batchSize,
    runtime: model.runtime,
    dataCfg,
    images: imageCount,
    persons: persons.length,
    metrics,
    table,
    ap,
    apName,
    ...(results ? { results } : {}),
    ...(score ? { score } : {}),
    ...(mpii ? { mpii } : {}),
    outputs,
    ...(shardInfo ? { shard: shardInfo } : {}),
    ...(resumed !== undefined ? { resumed } : {}),
    timings: { ...timings, total: performance.now() - t0 },
    warnings,
  };
}
