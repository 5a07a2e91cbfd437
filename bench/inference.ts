/**
 * Inference benchmark (issues 3 and 4): onnxruntime-node ms per image at batch 1 and 8,
 * with batch-norm folding on and off, on the artifacts `convertCheckpoint` writes for
 * make-checkpoint.py files. (The conversion's own speed against torch.load is
 * ./convert.ts.) Every number is measured here, now.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { convertCheckpoint } from '../src/pipeline/convert.js';
import { makeCheckpoint } from '../test/helpers/ckpt.js';

const INFERENCE_MODELS = ['res50_coco_256x192_dark', 'hrnet_w48_coco_384x288_dark', 'rsn50_coco_256x192', '4xmspn50_coco_256x192'];

async function msPerImage(modelPath: string, shape: number[], batch: number, reps: number): Promise<number> {
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 0 });
  const [_, c, h, w] = shape;
  const x = new Float32Array(batch * c * h * w);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.01);
  const feeds = { input: new ort.Tensor('float32', x, [batch, c, h, w]) };
  await session.run(feeds); // warm-up
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - t);
  }
  await session.release();
  return best / batch;
}

export interface InferenceBenchRow {
  model: string;
  inference: { batch: number; foldedMs: number; unfoldedMs: number; speedup: number }[];
}

export async function benchInference(models = INFERENCE_MODELS, opts: { inferReps?: number } = {}): Promise<InferenceBenchRow[]> {
  const rows: InferenceBenchRow[] = [];
  const work = mkdtempSync(join(tmpdir(), 'pose-port-bench-'));
  try {
    for (const model of models) {
      const ckpt = makeCheckpoint(model);
      const folded = join(work, `${model}-folded`);
      const unfolded = join(work, `${model}-unfolded`);
      await convertCheckpoint(ckpt, { out: folded });
      await convertCheckpoint(ckpt, { out: unfolded, noFold: true });
      const report = JSON.parse(readFileSync(join(folded, 'report.json'), 'utf8'));
      const [h, w] = report.input_size_hw;
      const inference = [];
      for (const batch of [1, 8]) {
        const reps = opts.inferReps ?? (batch === 1 ? 5 : 2);
        const f = await msPerImage(join(folded, 'model.onnx'), [1, 3, h, w], batch, reps);
        const u = await msPerImage(join(unfolded, 'model.onnx'), [1, 3, h, w], batch, reps);
        inference.push({ batch, foldedMs: f, unfoldedMs: u, speedup: u / f });
      }
      rows.push({ model, inference });
      console.log(`inference ${model}:`);
      for (const i of inference)
        console.log(`  onnxruntime batch ${i.batch}: ${i.foldedMs.toFixed(1)} ms/image folded, ${i.unfoldedMs.toFixed(1)} unfolded (folding ${i.speedup.toFixed(2)}x)`);
      rmSync(folded, { recursive: true, force: true });
      rmSync(unfolded, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const models = process.argv.slice(2);
  await benchInference(models.length ? models : INFERENCE_MODELS);
}
