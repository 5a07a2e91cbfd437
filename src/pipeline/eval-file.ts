/**
 * `pose-port eval` as one API function: a model file loaded and evaluated
 * (`evaluateModel`), its results file written whole (the journal beside it removed once
 * it is), and the expected AP checked. The option checks run before the model is loaded,
 * and a bad results path fails at once, not after the whole evaluation.
 */
import { rmSync } from 'node:fs';
import { PosePortError } from '../core/errors.js';
import { writeFileReplacing } from '../core/file-sink.js';
import { checkOutputFile } from '../core/output-path.js';
import { loadModel, type LoadModelOptions } from '../artifact/model.js';
import { evaluateModel, type EvaluateOptions, type EvaluateResult } from './eval.js';
import { journalPathFor } from './eval-journal.js';

export interface EvalFileOptions extends Omit<EvaluateOptions, 'journal'> {
  /** how the model is loaded (TF.js backend, onnxruntime execution providers) */
  model?: LoadModelOptions;
  /** COCO / WholeBody: write the keypoint results file here (for `score`); its journal is FILE.journal */
  results?: string;
  /** continue the interrupted evaluation recorded in the results file's journal */
  resume?: boolean;
  /** the AP (a fraction: COCO AP, WholeBody whole-body AP, MPII PCKh/100) the evaluation must reach, less `tolerance` (default 0) */
  expect?: { ap: number; tolerance?: number };
}

export interface EvalFileResult extends EvaluateResult {
  /** the expectation and whether the measured AP met it */
  expect?: { ap: number; tolerance: number; pass: boolean };
  /** the results file written */
  resultsFile?: string;
}

/** Evaluates the model file at `modelPath` (model.onnx, model.json or a directory). */
export async function evaluateFile(modelPath: string, opts: EvalFileOptions): Promise<EvalFileResult> {
  const { model: loadOptions, results: resultsOpt, resume, expect, ...evaluate } = opts;
  if (expect && !(expect.ap >= 0 && expect.ap <= 1)) throw new PosePortError('USAGE', `eval: --expect-ap is a fraction in [0, 1] (e.g. 0.704), got ${expect.ap}`);
  const tolerance = expect?.tolerance ?? 0;
  const results = resultsOpt === undefined ? undefined : checkOutputFile(resultsOpt, '--results');
  if (opts.shard && !results) throw new PosePortError('USAGE', "eval: --shard needs --results (the shard's results file, merged by 'pose-port score')");
  if (opts.shard && expect) throw new PosePortError('USAGE', 'eval: --expect-ap applies to a whole evaluation, not a shard (check the merged score instead)');
  if (resume && !results) throw new PosePortError('USAGE', 'eval: --resume needs --results (the journal lives beside it)');

  const model = await loadModel(modelPath, loadOptions);
  let r: EvaluateResult;
  try {
    if (results !== undefined && model.metadata.dataset === 'mpii')
      throw new PosePortError('USAGE', 'eval: --results applies to COCO / COCO-WholeBody models (this one is MPII)', { file: model.file });
    r = await evaluateModel(model, { ...evaluate, ...(results ? { journal: { file: journalPathFor(results), resume } } : {}) });
  } finally {
    await model.dispose();
  }
  if (results !== undefined) {
    if (!r.results) throw new PosePortError('USAGE', 'eval: --results applies to COCO / COCO-WholeBody models');
    writeFileReplacing(results, JSON.stringify(r.results) + '\n');
    // the results are written: the journal has served its purpose
    rmSync(journalPathFor(results), { force: true });
  }
  return {
    ...r,
    ...(expect ? { expect: { ap: expect.ap, tolerance, pass: r.ap >= expect.ap - tolerance } } : {}),
    ...(results !== undefined ? { resultsFile: resultsOpt } : {}),
  };
}
