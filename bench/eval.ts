/**
 * Evaluation benchmark (issue 6): end-to-end `pose-port eval` throughput on
 * test/data/datasets/coco (COCO val2017 images with the detection boxes MMPose uses) for res50
 * and hrnet_w32, onnxruntime-node on the CPU, batch 8, flip test on (as the zoo rows),
 * with the wall time split into image decoding (JPEG), warp (crop + normalise),
 * inference (both flip passes) and post-processing (flip combination, heatmap decoding,
 * rescoring, NMS, COCOeval). The weights are make-checkpoint.py's (random): the work per person
 * is the same as for the published ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/artifact/model.js';
import { convertCheckpoint } from '../src/pipeline/convert.js';
import { evaluateModel } from '../src/pipeline/eval.js';
import { makeCheckpoint } from '../test/helpers/ckpt.js';
import { COCO } from '../test/helpers/data.js';

export const EVAL_MODELS = ['res50_coco_256x192_dark', 'hrnet_w32_coco_256x192_dark'];

export interface EvalBenchRow {
  model: string;
  runtime: string;
  boxes: 'gt' | 'detections';
  images: number;
  persons: number;
  batch: number;
  flip: boolean;
  totalMs: number;
  imagesPerSec: number;
  personsPerSec: number;
  /** ms per stage */
  split: { decode: number; warp: number; inference: number; post: number };
  /** share of the total, 0..1 */
  share: { decode: number; warp: number; inference: number; post: number; other: number };
}

export async function benchEval(
  opts: { models?: string[]; batch?: number; boxes?: 'gt' | 'detections'; threads?: number; log?: (line: string) => void } = {},
): Promise<EvalBenchRow[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const data = COCO;
  const batch = opts.batch ?? 8;
  const boxes = opts.boxes ?? 'detections';
  const work = mkdtempSync(join(tmpdir(), 'pose-port-bench-eval-'));
  const rows: EvalBenchRow[] = [];
  try {
    for (const name of opts.models ?? EVAL_MODELS) {
      const out = join(work, name);
      await convertCheckpoint(makeCheckpoint(name), { out, zoo: name, formats: ['onnx'] });
      const model = await loadModel(join(out, 'model.onnx'), { threads: opts.threads });
      try {
        // one warm-up batch so session initialisation is not counted as inference
        const [H, W] = model.inputSize;
        await model.run(new Float32Array(batch * 3 * H * W), batch);
        const r = await evaluateModel(model, {
          ann: join(data, 'test_coco.json'),
          images: data,
          dets: boxes === 'detections' ? join(data, 'test_coco_det_AP_H_56.json') : undefined,
          batchSize: batch,
        });
        const t = r.timings;
        const split = { decode: t.decode, warp: t.warp, inference: t.inference, post: t.post };
        const other = Math.max(0, t.total - (t.decode + t.warp + t.inference + t.post));
        const row: EvalBenchRow = {
          model: name,
          runtime: model.runtime,
          boxes,
          images: r.images,
          persons: r.persons,
          batch,
          flip: r.flip,
          totalMs: t.total,
          imagesPerSec: r.images / (t.total / 1000),
          personsPerSec: r.persons / (t.total / 1000),
          split,
          share: {
            decode: t.decode / t.total,
            warp: t.warp / t.total,
            inference: t.inference / t.total,
            post: t.post / t.total,
            other: other / t.total,
          },
        };
        rows.push(row);
        const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
        log(
          `eval ${name} (${row.runtime}, batch ${batch}, flip ${row.flip ? 'on' : 'off'}, ${boxes}): ${row.images} images / ${row.persons} persons in ` +
            `${(row.totalMs / 1000).toFixed(2)} s = ${row.imagesPerSec.toFixed(3)} images/s, ${row.personsPerSec.toFixed(2)} persons/s; ` +
            `decode ${split.decode.toFixed(0)} ms (${pct(row.share.decode)}), warp ${split.warp.toFixed(0)} ms (${pct(row.share.warp)}), ` +
            `inference ${split.inference.toFixed(0)} ms (${pct(row.share.inference)}), post ${split.post.toFixed(0)} ms (${pct(row.share.post)}), other ${pct(row.share.other)}`,
        );
      } finally {
        await model.dispose();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const models = process.argv.slice(2);
  await benchEval({ models: models.length ? models : EVAL_MODELS });
}
