/** The top-down evaluation library: pure functions over typed arrays and parsed JSON. */
export { DATASETS, datasetForKeypoints, COCO_SIGMAS, WHOLEBODY_SIGMAS, WHOLEBODY_PARTS, WHOLEBODY_PART_KEYS } from './datasets.js';
export type { DatasetInfo, DatasetName, KeypointRange, WholeBodyPart } from './datasets.js';
export { xywh2cs, mpiiCenterScale, headBoxRow, type CenterScale, type SizeWH } from './bbox.js';
export { detectionPersons, groundTruthPersons, mpiiPersons, type PersonEntry, type DetectionEntry, type MpiiJsonEntry } from './persons.js';
export { getAffineTransform, solveAffine, applyAffine, transformPreds, type Affine2x3, type AffineOptions } from './affine.js';
export { warpAffineLinear, invertAffine } from './warp.js';
export type { ImageU8 } from '../core/image.js';
export { toNormalizedTensor, flipTensorWidth, IMAGENET_MEAN, IMAGENET_STD } from './normalize.js';
export { flipBack, shiftHeatmapRight, averageHeatmaps, combineFlipTest } from './flip.js';
export { gaussianKernel, modulateHeatmaps } from './gaussian.js';
export { decodeHeatmaps, argmaxHeatmaps, type DecodeMethod, type DecodeOptions, type DecodedKeypoints } from './decode.js';
export { wellPosedKeypoints, type WellPosedOptions, type WellPosedResult } from './well-posed.js';
export { oksIou, oksNms, softOksNms, type NmsPerson } from './nms.js';
export { rescore, topDownCocoResults, imageIdsByFileName, type TopDownOutputRow, type TopDownEvalConfig } from './topdown-results.js';
export {
  CocoKeypointEval,
  cocoKeypointEval,
  loadResults,
  COCO_EVALUATORS,
  STATS_NAMES,
  type CocoEvaluator,
  type CocoEvalOptions,
  type CocoEvalResult,
  type CocoGtFile,
  type CocoGtAnnotation,
  type CocoKeypointResult,
  type KeypointIouType,
} from './cocoeval.js';
export {
  scoreCocoKeypointResults,
  evaluateTopDown,
  wholeBodyEval,
  parseCocoGt,
  parseCocoResults,
  isWholeBodyGt,
  WHOLEBODY_SPLITS,
  type ScoreResult,
  type ScoreOptions,
  type WholeBodySplit,
} from './coco-results.js';
export { mpiiPckh, mpiiPredictionsFromBatches, type MpiiGt, type MpiiPrediction, type MpiiPckh } from './mpii.js';
