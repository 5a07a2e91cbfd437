/**
 * `pose-port score`: COCOeval of a standard COCO keypoint results file against an
 * annotation file, with COCO's own semantics (xtcocotools 1.6 = pycocotools by
 * default); COCO-WholeBody annotations give the six part evaluations.
 */
import { loadModel } from '../artifact/model.js';
import { readJsonFile } from '../io/json.js';
import { PosePortError } from '../core/errors.js';
import { scoreCocoKeypointResults, type ScoreResult } from '../eval/coco-results.js';
import { COCO_EVALUATORS, type CocoEvaluator } from '../eval/cocoeval.js';

export interface ScoreFileOptions {
  evaluator?: CocoEvaluator;
  /** OKS sigmas for annotations that are not COCO's 17 keypoints (e.g. a model's own keypoint set: sigmasOfModel) */
  sigmas?: readonly number[];
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


export function checkEvaluator(v: string): CocoEvaluator {
  if (!(COCO_EVALUATORS as readonly string[]).includes(v)) throw new PosePortError('USAGE', `unknown evaluator '${v}' (known: ${COCO_EVALUATORS.join(', ')})`);
  return v as CocoEvaluator;
}

/** Scores the results file `resultsFile` against `annFile`; errors name the file they are about. */
export function scoreFiles(resultsFile: string, annFile: string, opts: ScoreFileOptions = {}): ScoreResult {
  const results = readJsonFile(resultsFile, 'results file');
  const ann = readJsonFile(annFile, 'annotation file');
  try {
    return scoreCocoKeypointResults(results, ann, { evaluator: opts.evaluator, sigmas: opts.sigmas });
  } catch (e) {
    if (!(e instanceof PosePortError) || e.file !== undefined) throw e;
    // the parse errors say which list they are about: results entries are '[i]...', annotations 'images[...]'/'annotations[...]'
    const aboutAnn = /^(images|annotations)\b/.test(e.key ?? '') || /annotation/.test(e.message);
    throw e.withFile(aboutAnn ? annFile : resultsFile);
  }
}

/** The `--json` form: `{stats: [10]}` for COCO, `{stats: {body, foot, face, lefthand, righthand, wholebody}}` for WholeBody. */
export function scoreJson(r: ScoreResult): { stats: number[] | Record<string, number[]> } {
  if (r.kind === 'coco') return { stats: r.stats };
  const s = r.stats;
  return { stats: { body: s.body, foot: s.foot, face: s.face, lefthand: s.lefthand, righthand: s.righthand, wholebody: s.wholebody } };
}
