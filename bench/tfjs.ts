/**
 * TF.js benchmark (issue 5): ms per image at batch 1 for the TF.js graph model on the wasm
 * and cpu backends against onnxruntime-node (all threads, and one thread, the fair match for
 * single-threaded wasm in Node), for rsn18 and hrnet_w32 at their 256x192 input; and the
 * model size on disk as float32, float16 and uint8. Weights are manifest-shaped
 * deterministic values (speed does not depend on them); every number is measured now.
 *
 *   npx tsx bench/tfjs.ts [model ...]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { relativeL2 } from '../src/artifact/compare.js';
import { emitOnnx } from '../src/emit/onnx/index.js';
import { emitTfjs, writeTfjs } from '../src/emit/tfjs/index.js';
import { tensorSetFromManifest } from '../test/helpers/manifest-tensors.js';
import { buildFolded } from '../test/emit/tfjs/family-model.js';
import { inputSizeOf } from '../test/helpers/ckpt.js';
import { loadTfjs, tf, useBackend, type Backend } from '../test/emit/tfjs/runtime.js';

const MODELS = ['rsn18_coco_256x192', 'hrnet_w32_coco_256x192_dark'];

export interface TfjsBenchRow {
  model: string;
  inputHW: [number, number];
  ms: { ortAllThreads: number; ortOneThread: number; tfjsWasm: number; tfjsCpu: number };
  /** TF.js ms / onnxruntime (one thread) ms */
  ratios: { wasmOverOrt1: number; cpuOverOrt1: number; wasmOverOrtAll: number };
  bytesOnDisk: { float32: number; float16: number; uint8: number };
  sizeRatios: { float16: number; uint8: number };
  /** output of the quantized model vs float32 (TF.js wasm, bench input): relative L2, max |diff| / max |ref| */
  quantError: { float16: { relL2: number; maxAbsRel: number }; uint8: { relL2: number; maxAbsRel: number } };
}

export interface TfjsBenchOptions {
  models?: string[];
  /** timed runs after one warm-up (best is reported); the cpu backend gets `cpuReps` */
  reps?: number;
  cpuReps?: number;
}

function input(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.01);
  return x;
}

/** relative L2 against `ref`, and max |a - ref| relative to max |ref| */
function errorOf(a: Float32Array, ref: Float32Array): { relL2: number; maxAbsRel: number } {
  const { relL2, maxAbs } = relativeL2(a, ref);
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) maxRef = Math.max(maxRef, Math.abs(ref[i]));
  return { relL2, maxAbsRel: maxAbs / (maxRef || 1) };
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

async function best(reps: number, run: () => Promise<void>): Promise<number> {
  await run(); // warm-up (kernels compiled, weights uploaded)
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await run();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

async function ortMs(onnx: Uint8Array, x: Float32Array, shape: number[], threads: number, reps: number): Promise<number> {
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, shape) };
  try {
    return await best(reps, async () => {
      await session.run(feeds);
    });
  } finally {
    await session.release();
  }
}

export async function benchTfjs(opts: TfjsBenchOptions = {}): Promise<{ rows: TfjsBenchRow[] }> {
  const reps = opts.reps ?? 5;
  const cpuReps = opts.cpuReps ?? 1;
  const rows: TfjsBenchRow[] = [];
  const work = mkdtempSync(join(tmpdir(), 'pose-port-bench-tfjs-'));
  try {
    for (const model of opts.models ?? MODELS) {
      const [h, w] = inputSizeOf(model);
      const { graph } = buildFolded(tensorSetFromManifest(model), [h, w]);
      const onnx = emitOnnx(graph);
      const bytes = { float32: 0, float16: 0, uint8: 0 };
      for (const q of ['float32', 'float16', 'uint8'] as const) {
        const dir = join(work, `${model}-${q}`);
        writeTfjs(dir, emitTfjs(graph, q === 'float32' ? {} : { quantize: q }));
        bytes[q] = dirBytes(dir);
      }
      const nchw = input(3 * h * w);
      const ortAll = await ortMs(onnx, nchw, [1, 3, h, w], 0, reps);
      const ort1 = await ortMs(onnx, nchw, [1, 3, h, w], 1, reps);
      const tfMs: Record<Backend, number> = { wasm: 0, cpu: 0 };
      const outputs: Record<string, Float32Array> = {};
      for (const q of ['float32', 'float16', 'uint8'] as const) {
        const m = await loadTfjs(join(work, `${model}-${q}`), 'wasm');
        const x = tf.tensor(input(3 * h * w), [1, h, w, 3]);
        const y = m.execute({ input: x }, 'heatmaps') as import('@tensorflow/tfjs-core').Tensor;
        outputs[q] = (await y.data()) as Float32Array;
        tf.dispose([x, y]);
        m.dispose();
      }
      const quantError = { float16: errorOf(outputs.float16, outputs.float32), uint8: errorOf(outputs.uint8, outputs.float32) };
      const modelTf = await loadTfjs(join(work, `${model}-float32`));
      for (const b of ['wasm', 'cpu'] as const) {
        await useBackend(b);
        const x = tf.tensor(input(3 * h * w), [1, h, w, 3]);
        tfMs[b] = await best(b === 'cpu' ? cpuReps : reps, async () => {
          const y = modelTf.execute({ input: x }, 'heatmaps') as import('@tensorflow/tfjs-core').Tensor;
          await y.data();
          y.dispose();
        });
        x.dispose();
      }
      modelTf.dispose();
      const row: TfjsBenchRow = {
        model,
        inputHW: [h, w],
        ms: { ortAllThreads: ortAll, ortOneThread: ort1, tfjsWasm: tfMs.wasm, tfjsCpu: tfMs.cpu },
        ratios: { wasmOverOrt1: tfMs.wasm / ort1, cpuOverOrt1: tfMs.cpu / ort1, wasmOverOrtAll: tfMs.wasm / ortAll },
        bytesOnDisk: bytes,
        sizeRatios: { float16: bytes.float16 / bytes.float32, uint8: bytes.uint8 / bytes.float32 },
        quantError,
      };
      rows.push(row);
      printRow(row);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { rows };
}

function printRow(r: TfjsBenchRow): void {
  const mb = (b: number) => (b / 2 ** 20).toFixed(2);
  console.log(
    `tfjs ${r.model} ${r.inputHW.join('x')} batch 1: onnxruntime-node ${r.ms.ortAllThreads.toFixed(1)} ms (all threads), ` +
      `${r.ms.ortOneThread.toFixed(1)} ms (1 thread); TF.js wasm ${r.ms.tfjsWasm.toFixed(1)} ms (${r.ratios.wasmOverOrt1.toFixed(2)}x ort 1 thread, ` +
      `${r.ratios.wasmOverOrtAll.toFixed(2)}x ort all), TF.js cpu ${r.ms.tfjsCpu.toFixed(0)} ms (${r.ratios.cpuOverOrt1.toFixed(1)}x ort 1 thread)`,
  );
  console.log(
    `  on disk: float32 ${mb(r.bytesOnDisk.float32)} MiB, float16 ${mb(r.bytesOnDisk.float16)} MiB (${r.sizeRatios.float16.toFixed(3)}x), ` +
      `uint8 ${mb(r.bytesOnDisk.uint8)} MiB (${r.sizeRatios.uint8.toFixed(3)}x)`,
  );
  const e = r.quantError;
  console.log(
    `  output vs float32: float16 relL2 ${e.float16.relL2.toExponential(2)} (max ${e.float16.maxAbsRel.toExponential(2)} of max |ref|), ` +
      `uint8 relL2 ${e.uint8.relL2.toExponential(2)} (max ${e.uint8.maxAbsRel.toExponential(2)})`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const models = process.argv.slice(2);
  await benchTfjs(models.length ? { models } : {});
}
