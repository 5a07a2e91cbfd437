/** A zoo model's graph (manifest tensors or a real checkpoint), passes applied as `convert` does, as TF.js and ONNX. */
import { detectArchitecture, familyByName } from '../../../src/arch/index.js';
import type { FamilyName } from '../../../src/arch/family.js';
import type { TensorSet } from '../../../src/core/tensor.js';
import type { Graph } from '../../../src/ir/graph.js';
import { DEFAULT_PASSES, runPasses } from '../../../src/passes/index.js';
import { inputSizeOf, readManifest } from '../../helpers/ckpt.js';

/**
 * The input size to test a model at: multi-stage heads (RSN/MSPN) resize to a fixed out_shape, so
 * they run at their real size; ResNet/HRNet are fully convolutional and run at 64x64
 * (a multiple of 32, which HRNet's nearest upsampling and fuse layers need).
 */
export function testSizeOf(model: string): [number, number] {
  return familyByName(readManifest(model).family).head.multiStage ? inputSizeOf(model) : [64, 64];
}

export function buildFolded(tensors: TensorSet, inputSize: readonly [number, number]): { graph: Graph; family: FamilyName } {
  const d = detectArchitecture(tensors);
  if (!d) throw new Error('no family detected');
  const { graph } = familyByName(d.family).build(tensors, d.config, { inputSize });
  runPasses(graph, DEFAULT_PASSES);
  return { graph, family: d.family };
}
