/**
 * A manifest-shaped model (deterministic JS weights, no torch) converted to ONNX and run
 * in onnxruntime-node at batch 1 and 4: output names and shapes, finite values, and the
 * batch-4 result for the batch-1 image equal to the batch-1 result.
 */
import type { ExecutionContext, TestFn } from 'ava';
import * as ort from 'onnxruntime-node';
import { emitOnnx, validateOnnx, type OnnxSummary } from '../../src/emit/onnx/index.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { detectAndBuild } from './arch-cases.js';
import { inputSizeOf, listManifests, readManifest } from './ckpt.js';
import { diff, withinParity, type Diff } from './compare.js';
import { tensorSetFromManifest } from './manifest-tensors.js';

export interface BatchRun {
  summary: OnnxSummary;
  /** output dims at batch 1 and at batch 4 */
  dims: [number[], number[]];
  finite: boolean;
  /** batch-4 output for image 0 against the batch-1 output of the same image */
  batchConsistency: Diff;
  onnxBytes: number;
  ms: { build: number; emit: number; session: number; run: number };
}

/** Smooth deterministic pseudo-image in the normalized range (about -2..2.5). */
export function testImage(n: number, h: number, w: number): Float32Array {
  const x = new Float32Array(n * 3 * h * w);
  for (let b = 0; b < n; b++)
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          x[((b * 3 + c) * h + i) * w + j] = 2 * Math.sin(0.11 * i * (c + 1) + 0.07 * j + b) * Math.cos(0.05 * (i + j) - c + 0.3 * b);
  return x;
}

export async function runBatches(model: string, inputSize: readonly [number, number]): Promise<BatchRun> {
  const t0 = performance.now();
  const { built } = detectAndBuild(tensorSetFromManifest(model), inputSize);
  verifyGraph(built.graph);
  const t1 = performance.now();
  const onnx = emitOnnx(built.graph);
  const summary = validateOnnx(onnx);
  const t2 = performance.now();
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 2 });
  const t3 = performance.now();
  try {
    const [h, w] = inputSize;
    const x4 = testImage(4, h, w);
    const x1 = x4.slice(0, 3 * h * w);
    const out1 = (await session.run({ input: new ort.Tensor('float32', x1, [1, 3, h, w]) })).heatmaps;
    const out4 = (await session.run({ input: new ort.Tensor('float32', x4, [4, 3, h, w]) })).heatmaps;
    const d1 = out1.data as Float32Array;
    const d4 = out4.data as Float32Array;
    const t4 = performance.now();
    return {
      summary,
      dims: [[...out1.dims].map(Number), [...out4.dims].map(Number)],
      finite: d1.every(Number.isFinite) && d4.every(Number.isFinite),
      batchConsistency: diff(d4.subarray(0, d1.length), d1),
      onnxBytes: onnx.byteLength,
      ms: { build: t1 - t0, emit: t2 - t1, session: t3 - t2, run: t4 - t3 },
    };
  } finally {
    await session.release();
  }
}

/**
 * One test per manifest of `family`: ONNX at batch 1 and 4 (shapes declared and returned,
 * finite values, batch 4 sample 0 equal to batch 1). Fully convolutional families run at
 * 128x96 except `fullSize`, which runs at its real input size; `opsCheck` adds the
 * family's own assertions on the ONNX op counts.
 */
export function fullyConvolutionalBatchTests(
  test: TestFn,
  family: string,
  fullSize: string,
  opsCheck: (t: ExecutionContext, ops: BatchRun['summary']['ops']) => void,
): void {
  for (const model of listManifests().filter((m) => readManifest(m).family === family))
    test.serial(`${model}: ONNX runs in onnxruntime-node at batch 1 and 4`, async (t) => {
      const k = readManifest(model).num_output_channels;
      const [h, w] = model === fullSize ? inputSizeOf(model) : [128, 96];
      const r = await runBatches(model, [h, w]);
      t.deepEqual(r.dims, [
        [1, k, h / 4, w / 4],
        [4, k, h / 4, w / 4],
      ]);
      t.true(r.finite);
      t.true(withinParity(r.batchConsistency), JSON.stringify(r.batchConsistency));
      t.deepEqual(r.summary.inputs, [{ name: 'input', elemType: 1, shape: ['N', 3, h, w] }]);
      t.deepEqual(r.summary.outputs, [{ name: 'heatmaps', elemType: 1, shape: ['N', k, h / 4, w / 4] }]);
      opsCheck(t, r.summary.ops);
      t.log(`${h}x${w}: ${(r.onnxBytes / 2 ** 20).toFixed(0)} MiB; ms ${JSON.stringify(Object.fromEntries(Object.entries(r.ms).map(([a, b]) => [a, Math.round(b)])))}`);
    });
}
