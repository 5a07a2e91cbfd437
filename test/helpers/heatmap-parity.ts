/**
 * Parity of a converted heatmap model against the reference outputs of the original
 * MMPose model (test/data/reference/<model>): make-checkpoint.py checkpoint -> openCheckpoint ->
 * detect -> build -> ONNX -> onnxruntime-node on the reference input, plain and flipped.
 */
import { detectArchitecture, familyByName } from '../../src/arch/index.js';
import type { Detection, FamilyName } from '../../src/arch/family.js';
import { getZooEntry } from '../../src/zoo/registry.js';
import type { TestFn } from 'ava';
import type { TensorSet } from '../../src/core/tensor.js';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { openCheckpoint } from '../../src/pth/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { makeCheckpoint, readManifest, requireTorch } from './ckpt.js';
import { diff, readReference, referenceModels, withinParity, type Diff } from './compare.js';
import { flipAverage, flipW } from './flip.js';
import { runOrt } from '../emit/onnx/ort.js';

export interface ParityResult {
  detection: Detection;
  /** container format the reader found ('zip' | 'legacy') */
  format: string;
  graph: Graph;
  output: Diff;
  flip: Diff;
}

/** Builds the reference's model from `tensors` at the reference input size and emits ONNX. */
export function buildOnnx(tensors: TensorSet, inputSize: readonly [number, number]): { detection: Detection; graph: Graph; onnx: Uint8Array } {
  const detection = detectArchitecture(tensors);
  if (!detection) throw new Error('no family detected');
  const { graph } = familyByName(detection.family).build(tensors, detection.config, { inputSize });
  verifyGraph(graph);
  return { detection, graph, onnx: emitOnnx(graph) };
}

export async function heatmapParity(model: string, legacy: boolean): Promise<ParityResult> {
  const ref = readReference(model);
  const manifest = readManifest(model);
  const ckpt = await openCheckpoint(makeCheckpoint(model, { seed: 0, legacy }));
  const [, , h, w] = ref.inputShape;
  let built: ReturnType<typeof buildOnnx>;
  try {
    built = buildOnnx(ckpt.tensors, [h, w]);
  } finally {
    ckpt.close();
  }
  const { detection, graph, onnx } = built;
  const plain = (await runOrt(onnx, ref.input, ref.inputShape)).get('heatmaps')!;
  const flipped = (await runOrt(onnx, flipW(ref.input, ref.inputShape), ref.inputShape)).get('heatmaps')!;
  const avg = flipAverage(plain.data, flipped.data, plain.dims, manifest.flip_pairs, manifest.test_cfg.shift_heatmap === true);
  if (plain.dims.join() !== ref.outputShape.join()) throw new Error(`output dims ${plain.dims} != reference ${ref.outputShape}`);
  return { detection, format: ckpt.format, graph, output: diff(plain.data, ref.output), flip: diff(avg, ref.outputFlip) };
}

/**
 * Parity with the original MMPose model for every reference of `family` present in
 * test/data/reference, both .pth containers: relL2 <= 1e-5 and maxAbs <= 1e-4 * max|ref|,
 * plain and flip-averaged; the keys must detect to the row's family and preset.
 */
export function referenceParityTests(test: TestFn, family: FamilyName): void {
  const models = referenceModels(family);
  test(`at least one ${family} reference is present`, (t) => t.true(models.length > 0));
  for (const model of models)
    for (const legacy of [false, true])
      test(`${model} (${legacy ? 'legacy' : 'zip'} .pth) equals MMPose's output and flip-averaged output`, async (t) => {
        if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
        const r = await heatmapParity(model, legacy);
        t.is(r.detection.family, family);
        t.is(r.detection.preset, getZooEntry(model).preset);
        t.is(r.format, legacy ? 'legacy' : 'zip');
        t.log(`${r.format}: output relL2 ${r.output.relL2.toExponential(2)} maxAbs ${r.output.maxAbs.toExponential(2)} (max|ref| ${r.output.maxRef.toFixed(3)})`);
        t.log(`flip   relL2 ${r.flip.relL2.toExponential(2)} maxAbs ${r.flip.maxAbs.toExponential(2)} (max|ref| ${r.flip.maxRef.toFixed(3)})`);
        t.true(withinParity(r.output), `output: ${JSON.stringify(r.output)}`);
        t.true(withinParity(r.flip), `flip: ${JSON.stringify(r.flip)}`);
      });
}
