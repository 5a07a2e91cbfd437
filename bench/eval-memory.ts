/**
 * Memory of a large evaluation's post-processing (issue 13): a generated COCO keypoint
 * annotation set of 100,000 persons (20,000 images of 5), and per person one result near
 * its ground truth. Each measurement runs in a fresh child process so its peak RSS
 * (VmHWM) is its own:
 * - `parse`: the baseline, reading and JSON-parsing the annotation and results files (what
 *   any tool scoring them holds at least);
 * - `score`: `pose-port score` of the results split into 4 shard files (merge, overlap
 *   check, COCOeval);
 * - `post`: eval's post-processing from per-person rows (GT person database, rescoring,
 *   OKS-NMS, results entries, COCOeval), without inference.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { headBoxRow } from '../src/eval/bbox.js';
import { evaluateTopDown, parseCocoGt } from '../src/eval/coco-results.js';
import { groundTruthPersons } from '../src/eval/persons.js';
import type { TopDownOutputRow } from '../src/eval/topdown-results.js';
import { scoreFiles } from '../src/pipeline/score.js';
import { mulberry32 } from '../test/helpers/manifest-tensors.js';
import { peakRssBytes } from './peak-rss.js';

export const PERSONS = 100_000;
const PER_IMAGE = 5;
const SHARDS = 4;

/** Writes ann.json and results-{0..3}.json for PERSONS persons into `dir`. */
function generate(dir: string): { ann: string; results: string[] } {
  const rnd = mulberry32(13);
  const images = [];
  const annotations = [];
  const results: unknown[][] = Array.from({ length: SHARDS }, () => []);
  const nImages = PERSONS / PER_IMAGE;
  for (let i = 0; i < nImages; i++) {
    const id = i + 1;
    images.push({ id, file_name: `${String(id).padStart(12, '0')}.jpg`, width: 640, height: 480 });
    for (let p = 0; p < PER_IMAGE; p++) {
      const w = 40 + rnd() * 200;
      const h = 80 + rnd() * 300;
      const x = rnd() * (640 - w);
      const y = rnd() * (480 - h);
      const kp: number[] = [];
      const res: number[] = [];
      for (let k = 0; k < 17; k++) {
        const kx = Math.round(x + rnd() * w);
        const ky = Math.round(y + rnd() * h);
        kp.push(kx, ky, 2);
        res.push(kx + (rnd() - 0.5) * 4, ky + (rnd() - 0.5) * 4, 0.5 + rnd() / 2);
      }
      annotations.push({ id: annotations.length + 1, image_id: id, category_id: 1, iscrowd: 0, area: w * h, bbox: [x, y, w, h], num_keypoints: 17, keypoints: kp });
      results[Math.floor((i * SHARDS) / nImages)].push({ image_id: id, category_id: 1, score: 0.3 + rnd() * 0.7, keypoints: res });
    }
  }
  const ann = join(dir, 'ann.json');
  writeFileSync(ann, JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'person' }] }));
  const files = results.map((r, s) => {
    const f = join(dir, `results-${s}.json`);
    writeFileSync(f, JSON.stringify(r));
    return f;
  });
  return { ann, results: files };
}

type Mode = 'parse' | 'score' | 'post';

/** The child: one measurement, printed as JSON. */
function child(mode: Mode, ann: string, results: string[]): void {
  const t0 = performance.now();
  let ap: number | undefined;
  if (mode === 'parse') {
    JSON.parse(readFileSync(ann, 'utf8'));
    for (const f of results) JSON.parse(readFileSync(f, 'utf8'));
  } else if (mode === 'score') {
    const s = scoreFiles(results, ann);
    if (s.kind === 'coco') ap = s.stats[0];
  } else {
    const gt = parseCocoGt(JSON.parse(readFileSync(ann, 'utf8')), ann);
    const persons = groundTruthPersons(gt, [192, 256]);
    const byImage = new Map<number, number[][]>();
    for (const f of results)
      for (const r of JSON.parse(readFileSync(f, 'utf8')) as { image_id: number; keypoints: number[] }[]) {
        if (!byImage.has(r.image_id)) byImage.set(r.image_id, []);
        byImage.get(r.image_id)!.push(r.keypoints);
      }
    const rows: TopDownOutputRow[] = persons.map((p) => ({
      imageId: p.imageId,
      bboxId: p.bboxId,
      preds: Float32Array.from(byImage.get(p.imageId)![p.bboxId]),
      box: headBoxRow(p.center, p.scale, 1),
    }));
    byImage.clear();
    const ev = evaluateTopDown(rows, gt, { dataset: 'coco', useNms: true, softNms: false, oksThr: 0.9, visThr: 0.2 });
    if (ev.score.kind === 'coco') ap = ev.score.stats[0];
  }
  process.stdout.write(JSON.stringify({ peakRss: peakRssBytes(), ms: performance.now() - t0, ap }) + '\n');
}

export interface EvalMemoryRow {
  mode: Mode;
  persons: number;
  peakRssMiB: number;
  /** peak RSS over the `parse` baseline's */
  vsParse: number;
  seconds: number;
  ap?: number;
}

export async function benchEvalMemory(opts: { log?: (line: string) => void } = {}): Promise<{ inputMiB: number; rows: EvalMemoryRow[] }> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const dir = mkdtempSync(join(tmpdir(), 'pose-port-bench-evalmem-'));
  try {
    const { ann, results } = generate(dir);
    const inputMiB = [ann, ...results].reduce((s, f) => s + statSync(f).size, 0) / 2 ** 20;
    log(`${PERSONS} persons, ${PERSONS / PER_IMAGE} images; annotation + ${SHARDS} results files: ${inputMiB.toFixed(1)} MiB of JSON`);
    const rows: EvalMemoryRow[] = [];
    for (const mode of ['parse', 'score', 'post'] as Mode[]) {
      const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', mode, ann, ...results], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`bench eval-memory ${mode}: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
      const row: EvalMemoryRow = { mode, persons: PERSONS, peakRssMiB: m.peakRss / 2 ** 20, vsParse: 0, seconds: m.ms / 1000, ...(m.ap !== undefined ? { ap: m.ap } : {}) };
      row.vsParse = row.peakRssMiB / (rows[0]?.peakRssMiB ?? row.peakRssMiB);
      rows.push(row);
      log(`${mode.padEnd(5)}  peak RSS ${row.peakRssMiB.toFixed(0)} MiB (${row.vsParse.toFixed(2)}x parse), ${row.seconds.toFixed(1)} s${row.ap !== undefined ? `, AP ${row.ap.toFixed(4)}` : ''}`);
    }
    return { inputMiB, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') child(process.argv[3] as Mode, process.argv[4], process.argv.slice(5));
