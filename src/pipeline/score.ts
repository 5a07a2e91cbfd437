/**
 * `pose-port score`: COCOeval of standard COCO keypoint results files against an
 * annotation file, with COCO's own semantics (xtcocotools 1.6 = pycocotools by
 * default); COCO-WholeBody annotations give the six part evaluations.
 *
 * Several results files are the shards of one evaluation (`eval --shard i/n`): they are
 * merged, and since shards split by image, an image found in two files is refused (the
 * same shard given twice, or shards of different splits), as is the same file twice.
 */
import { realpathSync } from 'node:fs';
import { loadModel } from '../artifact/model.js';
import { readJsonFile } from '../io/json.js';
import { PosePortError } from '../core/errors.js';
import { parseCocoGt, parseCocoResults, scoreCocoKeypointResults, type ScoreResult } from '../eval/coco-results.js';
import type { CocoEvaluator, CocoKeypointResult } from '../eval/cocoeval.js';

export interface ScoreFileOptions {
  evaluator?: CocoEvaluator;
  /** OKS sigmas for annotations that are not COCO's 17 keypoints (e.g. a model's own keypoint set: sigmasOfModel) */
  sigmas?: readonly number[];
}

export interface ScoreCommandOptions extends ScoreFileOptions {
  /** a converted model whose recorded OKS sigmas score the keypoints (`score --model`; not with `sigmas`) */
  model?: string;
}

/** The OKS sigmas a converted model records (its checkpoint config's); refuses a model that records none. */
export async function sigmasOfModel(path: string): Promise<number[]> {
  const model = await loadModel(path);
  try {
    const s = model.metadata.sigmas;
    if (!s)
      throw new PosePortError('MODEL_FORMAT', `the model records no OKS sigmas (its checkpoint's config named none): they cannot score its keypoints`, { file: path });
    return s;
  } finally {
    await model.dispose();
  }
}


/**
 * Reads and merges several results files (shards of one evaluation). Refuses the same file
 * twice and an image id present in two files, naming both files and the entry.
 */
export function mergeResultFiles(files: readonly string[]): { results: CocoKeypointResult[]; imageIds: Set<number> } {
  if (files.length === 0) throw new PosePortError('USAGE', 'score: expected at least one results file');
  const seen = new Map<string, string>();
  const owner = new Map<number, number>();
  const results: CocoKeypointResult[] = [];
  files.forEach((file, f) => {
    let real: string;
    try {
      real = realpathSync(file);
    } catch (e) {
      throw new PosePortError('IO', `cannot read the results file: ${(e as Error).message}`, { file });
    }
    const twice = seen.get(real);
    if (twice !== undefined) throw new PosePortError('USAGE', `score: the results file is given twice${twice === file ? '' : ` (as '${twice}' and '${file}')`}`, { file });
    seen.set(real, file);
    const list = parseCocoResults(readJsonFile(file, 'results file'), file);
    const mine = new Set<number>();
    list.forEach((r, i) => {
      const o = owner.get(r.image_id);
      if (o !== undefined && o !== f)
        throw new PosePortError(
          'ANNOTATION_FORMAT',
          `results[${i}] is for image_id ${r.image_id}, which '${files[o]}' also holds: shards of one evaluation never share an image (the same shard twice, or shards of different runs?)`,
          { file, key: `[${i}].image_id`, details: { other: files[o] } },
        );
      mine.add(r.image_id);
      results.push(r);
    });
    for (const id of mine) owner.set(id, f);
  });
  return { results, imageIds: new Set(owner.keys()) };
}

export interface ScoreFilesResult {
  score: ScoreResult;
  /** results entries scored (all files) */
  results: number;
  /** images with annotated keypoints that no results file mentions (a missing shard?) */
  imagesWithoutResults: number;
}

/**
 * `pose-port score`: scores the results file(s) against `annFile`, with the OKS sigmas of
 * `opts.model` when given; errors name the file they are about. Several files are merged
 * as shards (`mergeResultFiles`).
 */
export async function scoreResultFiles(resultsFiles: string | readonly string[], annFile: string, opts: ScoreCommandOptions = {}): Promise<ScoreFilesResult> {
  if (opts.model !== undefined && opts.sigmas !== undefined) throw new PosePortError('USAGE', 'score: give the OKS sigmas or a model to take them from, not both');
  const sigmas = opts.model !== undefined ? await sigmasOfModel(opts.model) : opts.sigmas;
  return scoreMerged(resultsFiles, annFile, { evaluator: opts.evaluator, sigmas });
}

function scoreMerged(resultsFiles: string | readonly string[], annFile: string, opts: ScoreFileOptions): ScoreFilesResult {
  const files = typeof resultsFiles === 'string' ? [resultsFiles] : resultsFiles;
  const { results, imageIds } = mergeResultFiles(files);
  const ann = readJsonFile(annFile, 'annotation file');
  const gt = parseCocoGt(ann, annFile);
  const annotated = new Set<number>();
  for (const a of gt.annotations) if (Array.isArray(a.keypoints) && (a.num_keypoints ?? 1) > 0 && !a.iscrowd) annotated.add(a.image_id);
  let imagesWithoutResults = 0;
  for (const id of annotated) if (!imageIds.has(id)) imagesWithoutResults++;
  try {
    return { score: scoreCocoKeypointResults(results, gt, { evaluator: opts.evaluator, sigmas: opts.sigmas }), results: results.length, imagesWithoutResults };
  } catch (e) {
    if (!(e instanceof PosePortError) || e.file !== undefined) throw e;
    // the parse errors say which list they are about: results entries are '[i]...', annotations 'images[...]'/'annotations[...]'
    const aboutAnn = /^(images|annotations)\b/.test(e.key ?? '') || /annotation/.test(e.message);
    throw e.withFile(aboutAnn ? annFile : files.length === 1 ? files[0] : files.join(', '));
  }
}

/** Scores the results file `resultsFile` (or several, merged) against `annFile`. */
export function scoreFiles(resultsFile: string | readonly string[], annFile: string, opts: ScoreFileOptions = {}): ScoreResult {
  return scoreMerged(resultsFile, annFile, opts).score;
}

/** The `--json` form: `{stats: [10]}` for COCO, `{stats: {body, foot, face, lefthand, righthand, wholebody}}` for WholeBody. */
export function scoreJson(r: ScoreResult): { stats: number[] | Record<string, number[]> } {
  if (r.kind === 'coco') return { stats: r.stats };
  const s = r.stats;
  return { stats: { body: s.body, foot: s.foot, face: s.face, lefthand: s.lefthand, righthand: s.righthand, wholebody: s.wholebody } };
}
