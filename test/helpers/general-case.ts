/**
 * A config the zoo does not have, end to end: its MMPose-shaped key set detects back to
 * the same config, the build consumes every key and verifies, and the ONNX model run in
 * onnxruntime-node equals the IR reference interpreter on a small input.
 */
import type { ExecutionContext } from 'ava';
import * as ort from 'onnxruntime-node';
import type { Family } from '../../src/arch/family.js';
import type { TensorSet } from '../../src/core/tensor.js';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { diff, withinParity } from './compare.js';
import { interpret } from './ir-interp.js';
import { testImage } from './onnx-batch.js';

export async function generalCase<C>(
  t: ExecutionContext,
  family: Family<C>,
  tensors: TensorSet,
  config: C,
  inputSize: [number, number],
  heatmaps: [number, number, number],
): Promise<void> {
  const d = family.detect(tensors);
  t.truthy(d, 'detected');
  t.deepEqual(d!.config, config);
  const built = family.build(tensors, d!.config, { inputSize });
  t.is(built.consumed + built.ignored.length, tensors.entries.length);
  verifyGraph(built.graph);
  t.deepEqual(built.graph.outputs[0].shape, ['N', ...heatmaps]);
  const [h, w] = inputSize;
  const x = testImage(2, h, w);
  const session = await ort.InferenceSession.create(emitOnnx(built.graph));
  try {
    const out = (await session.run({ input: new ort.Tensor('float32', x, [2, 3, h, w]) })).heatmaps;
    t.deepEqual([...out.dims].map(Number), [2, ...heatmaps]);
    const ref = interpret(built.graph, x, [2, 3, h, w]).get('heatmaps')!;
    const dd = diff(out.data as Float32Array, ref);
    t.true(withinParity(dd), JSON.stringify(dd));
    t.true(dd.maxRef > 0, 'output not all zero');
  } finally {
    await session.release();
  }
}
