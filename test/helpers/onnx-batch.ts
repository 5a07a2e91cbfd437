/**
 * The one batch suite of the four families: each manifest-shaped model (deterministic JS
 * weights, no torch) converted to ONNX and run in onnxruntime-node at batch 1 and 4:
 * output names and shapes, finite values, and samples 0 and 1 of the batch-4 run equal to
 * their own batch-1 runs.
 */
import type { ExecutionContext, TestFn } from 'ava';
import * as ort from 'onnxruntime-node';
import { familyByName } from '../../src/arch/index.js';
import type { FamilyName } from '../../src/arch/family.js';
import { emitOnnx, validateOnnx, type OnnxSummary } from '../../src/emit/onnx/index.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { detectAndBuild } from './arch-cases.js';
import { inputSizeOf, manifestsOf, readManifest } from './ckpt.js';
import { diff, withinParity, type Diff } from './compare.js';
import { tensorSetFromManifest } from './manifest-tensors.js';

export interface BatchRun {
  summary: OnnxSummary;
  /** output dims at batch 1 and at batch 4 */
  dims: [number[], number[]];
  finite: boolean;
  /** batch-4 output for samples 0 and 1 against the batch-1 output of the same sample */
  batchConsistency: [Diff, Diff];
  /** how much the batch-1 outputs of samples 0 and 1 differ */
  between: Diff;
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
    const per = 3 * h * w;
    const x4 = testImage(4, h, w);
    const run = async (x: Float32Array, n: number) => (await session.run({ input: new ort.Tensor('float32', x, [n, 3, h, w]) })).heatmaps;
    const out4 = await run(x4, 4);
    const ones = [await run(x4.slice(0, per), 1), await run(x4.slice(per, 2 * per), 1)];
    const d4 = out4.data as Float32Array;
    const [a, b] = ones.map((o) => o.data as Float32Array);
    const t4 = performance.now();
    return {
      summary,
      dims: [[...ones[0].dims].map(Number), [...out4.dims].map(Number)],
      finite: a.every(Number.isFinite) && b.every(Number.isFinite) && d4.every(Number.isFinite),
      batchConsistency: [diff(d4.subarray(0, a.length), a), diff(d4.subarray(a.length, 2 * a.length), b)],
      between: diff(b, a),
      onnxBytes: onnx.byteLength,
      ms: { build: t1 - t0, emit: t2 - t1, session: t3 - t2, run: t4 - t3 },
    };
  } finally {
    await session.release();
  }
}

export interface BatchTestOptions {
  /** a fully convolutional family's manifest that runs at its real input size (the others at 128x96) */
  fullSize?: string;
  /** the family's own assertions on the ONNX op counts */
  opsCheck?: (t: ExecutionContext, ops: BatchRun['summary']['ops']) => void;
}

/**
 * One test per manifest of `family`: ONNX at batch 1 and 4 (shapes declared and returned,
 * finite values, samples 0 and 1 of batch 4 equal to their batch-1 runs). Fully
 * convolutional families run at 128x96 except `fullSize`; multi-stage heads (RSN, MSPN)
 * resize to a fixed out_shape, so they run at their real size. Batch consistency holds
 * both as parity (relative L2 1e-5, max abs 1e-4 of the largest value) and within 1% of
 * how much samples 0 and 1 differ (JS-made weights leave deep nets only weakly
 * input-dependent, so parity alone would pass an output that ignores its input).
 */
export function onnxBatchTests(test: TestFn, family: FamilyName, opts: BatchTestOptions = {}): void {
  const multiStage = familyByName(family).head.multiStage;
  for (const model of manifestsOf(family))
    test.serial(`${model}: ONNX runs in onnxruntime-node at batch 1 and 4`, async (t) => {
      const k = readManifest(model).num_output_channels;
      const [h, w] = multiStage || model === opts.fullSize ? inputSizeOf(model) : [128, 96];
      const r = await runBatches(model, [h, w]);
      t.deepEqual(r.dims, [
        [1, k, h / 4, w / 4],
        [4, k, h / 4, w / 4],
      ]);
      t.true(r.finite);
      t.true(r.between.maxAbs > 0, 'samples 0 and 1 give identical heatmaps');
      r.batchConsistency.forEach((d, i) => {
        t.true(withinParity(d), `sample ${i}: ${JSON.stringify(d)}`);
        t.true(d.maxAbs <= 0.01 * r.between.maxAbs, `batch 4 sample ${i} vs batch 1: ${JSON.stringify(d)}; samples differ by ${JSON.stringify(r.between)}`);
      });
      t.deepEqual(r.summary.inputs, [{ name: 'input', elemType: 1, shape: ['N', 3, h, w] }]);
      t.deepEqual(r.summary.outputs, [{ name: 'heatmaps', elemType: 1, shape: ['N', k, h / 4, w / 4] }]);
      opts.opsCheck?.(t, r.summary.ops);
      t.log(
        `${h}x${w}: ${(r.onnxBytes / 2 ** 20).toFixed(0)} MiB; samples differ by maxAbs ${r.between.maxAbs.toExponential(2)}, batch 4 vs 1 by ${Math.max(...r.batchConsistency.map((d) => d.maxAbs)).toExponential(2)}; ms ${JSON.stringify(Object.fromEntries(Object.entries(r.ms).map(([a, b]) => [a, Math.round(b)])))}`,
      );
    });
}
