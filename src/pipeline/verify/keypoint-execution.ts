/**
 * Execution of keypoint artifacts (`convert --graph keypoints|crop-keypoints`): their
 * inputs are an image and boxes (or crops with center and scale), not one NCHW tensor,
 * so they run on verify's bundled image and boxes (keypoint-inputs.ts):
 *
 * - onnx-vs-rebuilt: model.onnx and a fresh ONNX emission of the rebuilt keypoint graph,
 *   both in onnxruntime-node (relative L2 of every output, as for heatmap artifacts);
 * - keypoints (keypoints.ts): model.onnx (onnxruntime-node) and the TF.js artifact (wasm
 *   backend, as `run` loads it; the cpu backend takes four times as long on the crop) each against the TypeScript pipeline run on the rebuilt heatmap network. This
 *   replaces onnx-vs-tfjs and tfjs-vs-rebuilt: both artifacts are held to the same
 *   reference, in pixels, with a bound that knows which keypoints are determined at
 *   float32 precision.
 */
import { join } from 'node:path';
import { checkOnnxGraph } from '../../artifact/check-onnx-graph.js';
import { runOnnxInputs } from '../../artifact/onnx-runtime.js';
import { runTfjsInputs } from '../../artifact/tfjs-runtime.js';
import { DEFAULT_OPSET } from '../../emit/onnx/index.js';
import { wellPosedKeypoints } from '../../eval/well-posed.js';
import type { Graph } from '../../ir/graph.js';
import { decodeImage } from '../../io/image.js';
import type { KeypointGraphKind } from '../../keypoint-graph/index.js';
import { attempt } from './attempt.js';
import type { Described } from './format.js';
import type { ExecutionSubjects } from './heatmap-execution.js';
import { keypointInputs, VERIFY_BOXES, VERIFY_IMAGE, verifyImagePath } from './keypoint-inputs.js';
import { keypointReference } from './keypoint-reference.js';
import { keypointsCheck, type KeypointRun } from './keypoints.js';
import type { CheckedVerifyOptions } from './options.js';
import { compareOutputs } from './outputs.js';

/** What the report records of the input (schemas/report.schema.json, verify.input.image). */
export interface KeypointInputRecord {
  file: string;
  width: number;
  height: number;
  boxes: number[][];
}

/**
 * The execution checks of a `kind` artifact; `network` rebuilds the heatmap network
 * (undefined when the architecture check found the checkpoint is not the one converted).
 */
export async function keypointExecutionChecks(
  s: ExecutionSubjects,
  kind: KeypointGraphKind,
  network: (() => Graph) | undefined,
  o: CheckedVerifyOptions,
): Promise<{ checks: Described[]; input: KeypointInputRecord }> {
  const checks: Described[] = [];
  const meta = s.report.metadata;
  const file = verifyImagePath();
  const image = await decodeImage(file);
  const inputs = keypointInputs(kind, meta, image, VERIFY_BOXES);
  const onnxRec = s.report.artifacts.find((a) => a.format === 'onnx');
  const tfjsRec = s.report.artifacts.find((a) => a.format === 'tfjs');
  const { onnxBytes, tfjsDir, freshBytes } = s;
  const [H, W] = meta.input.size_hw;
  const onnx = onnxBytes
    ? await attempt(checks, 'onnx-run', () => {
        checkOnnxGraph(onnxBytes, join(s.dir, onnxRec!.file), Math.max(H, W));
        return runOnnxInputs(onnxBytes, inputs, s.providers);
      })
    : undefined;
  const tfjs = tfjsDir ? await attempt(checks, 'tfjs-run', () => runTfjsInputs(tfjsDir, inputs, 'wasm')) : undefined;
  const rebuilt = freshBytes ? await attempt(checks, 'rebuilt-run', () => runOnnxInputs(freshBytes, inputs, s.providers)) : undefined;
  if (onnx && rebuilt) checks.push(compareOutputs('onnx-vs-rebuilt', onnx, rebuilt, o.tolerance, 'ONNX artifact vs a fresh ONNX emission of the rebuilt graph'));

  const runs: KeypointRun[] = [];
  if (onnx) runs.push({ subject: onnxRec!.file, outputs: onnx });
  if (tfjs) runs.push({ subject: tfjsRec!.file, outputs: tfjs, quantized: !!tfjsRec!.quantize });
  if (network && runs.length) {
    const ref = await attempt(checks, 'keypoints', () => keypointReference(network(), meta, onnxRec?.opset ?? DEFAULT_OPSET, image, VERIFY_BOXES, s.providers));
    if (ref) checks.push(keypointsCheck(ref, wellPosedKeypoints(ref.heatmaps, ref.decode), runs));
  }
  return { checks, input: { file: VERIFY_IMAGE, width: image.width, height: image.height, boxes: VERIFY_BOXES.map((b) => [...b]) } };
}
