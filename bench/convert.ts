/**
 * Conversion and inference benchmark (issues 3 and 4):
 *  - `pose-port convert` (read, build, fold, write ONNX) wall time and peak RSS, in a
 *    child process, against `torch.load` of the same file in the same run;
 *  - onnxruntime-node ms per image at batch 1 and 8, with batch-norm folding on and off.
 * Every number is measured here, now; ratios are against the baseline of the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { makeCheckpoint, PYTHON } from '../test/helpers/ckpt.js';

const CONVERT_MODELS = ['res50_coco_256x192_dark', 'hrnet_w48_coco_384x288_dark', 'rsn50_coco_256x192', '4xmspn50_coco_256x192'];

/** Seconds torch.load takes for `path` (best of `reps`, interpreter start excluded). */
export function torchLoadSeconds(path: string, reps = 3): number {
  const code = [
    'import sys, time, torch',
    'best = 1e9',
    `for _ in range(${reps}):`,
    '    t = time.perf_counter(); sd = torch.load(sys.argv[1], map_location="cpu"); best = min(best, time.perf_counter() - t); del sd',
    'print(best)',
  ].join('\n');
  return Number(execFileSync(PYTHON, ['-c', code, path], { encoding: 'utf8' }).trim());
}

const PEAK_RSS = fileURLToPath(new URL('./peak-rss.js', import.meta.url));
const PEAK_RSS_EXPR = `(await import(${JSON.stringify(PEAK_RSS)})).peakRssBytes()`;

interface ChildConvert {
  ms: number;
  maxRssBytes: number;
}

/** Runs convertCheckpoint from dist in a fresh node process: wall ms and peak RSS of that process. */
function convertInChild(ckpt: string, out: string, noFold: boolean): ChildConvert {
  const dist = fileURLToPath(new URL('../src/pipeline/convert.js', import.meta.url));
  const script = `
    const { convertCheckpoint } = await import(${JSON.stringify(dist)});
    const t = performance.now();
    await convertCheckpoint(${JSON.stringify(ckpt)}, { out: ${JSON.stringify(out)}, noFold: ${noFold} });
    const ms = performance.now() - t;
    console.log(JSON.stringify({ ms, maxRssBytes: ${PEAK_RSS_EXPR} }));`;
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** Peak RSS of a bare node process importing the same modules (subtracted to show what the file costs). */
function baselineRss(): number {
  const dist = fileURLToPath(new URL('../src/pipeline/convert.js', import.meta.url));
  const script = `await import(${JSON.stringify(dist)}); console.log(${PEAK_RSS_EXPR});`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
}

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

/** Wall seconds of a whole command (process start, imports and exit included), best of `reps`. */
function commandSeconds(cmd: string, args: string[], reps = 2): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    execFileSync(cmd, args, { stdio: 'ignore' });
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

export interface ConvertBenchRow {
  model: string;
  fileBytes: number;
  torchLoadMs: number;
  convertMs: number;
  /** convert time / torch.load time: target <= 1 */
  convertOverTorchLoad: number;
  peakRssBytes: number;
  /** (peak RSS - RSS of node with the modules loaded) / file size: target < 1.5 */
  rssOverFile: number;
  inference: { batch: number; foldedMs: number; unfoldedMs: number; speedup: number }[];
  /** what a user waits for: `pose-port convert` vs `python3 -c 'import torch; torch.load(f)'`, whole processes */
  command: { poseportSeconds: number; torchSeconds: number; ratio: number };
  /** report.json's timings_ms of the last in-process run: the per-phase split */
  phasesMs: Record<string, number>;
}

export async function benchConvert(models = CONVERT_MODELS, opts: { inferReps?: number } = {}): Promise<ConvertBenchRow[]> {
  const rows: ConvertBenchRow[] = [];
  const base = baselineRss();
  const work = mkdtempSync(join(tmpdir(), 'pose-port-bench-'));
  try {
    for (const model of models) {
      const ckpt = makeCheckpoint(model);
      const fileBytes = statSync(ckpt).size;
      const torchMs = torchLoadSeconds(ckpt) * 1000;
      const folded = join(work, `${model}-folded`);
      const unfolded = join(work, `${model}-unfolded`);
      const runs = [convertInChild(ckpt, folded, false), convertInChild(ckpt, folded, false)];
      const conv = runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
      const peak = Math.max(...runs.map((r) => r.maxRssBytes));
      convertInChild(ckpt, unfolded, true);
      const bin = fileURLToPath(new URL('../../bin/pose-port.js', import.meta.url));
      const cli = commandSeconds(process.execPath, [bin, 'convert', ckpt, '--out', join(work, `${model}-cli`)]);
      const py = commandSeconds(PYTHON, ['-c', 'import sys, torch; torch.load(sys.argv[1], map_location="cpu")', ckpt]);
      const report = JSON.parse(readFileSync(join(folded, 'report.json'), 'utf8'));
      const [h, w] = report.input_size_hw;
      const inference = [];
      for (const batch of [1, 8]) {
        const reps = opts.inferReps ?? (batch === 1 ? 5 : 2);
        const f = await msPerImage(join(folded, 'model.onnx'), [1, 3, h, w], batch, reps);
        const u = await msPerImage(join(unfolded, 'model.onnx'), [1, 3, h, w], batch, reps);
        inference.push({ batch, foldedMs: f, unfoldedMs: u, speedup: u / f });
      }
      const row: ConvertBenchRow = {
        model,
        fileBytes,
        torchLoadMs: torchMs,
        convertMs: conv.ms,
        convertOverTorchLoad: conv.ms / torchMs,
        peakRssBytes: peak,
        rssOverFile: (peak - base) / fileBytes,
        inference,
        command: { poseportSeconds: cli, torchSeconds: py, ratio: cli / py },
        phasesMs: report.timings_ms,
      };
      rows.push(row);
      printRow(row);
      rmSync(folded, { recursive: true, force: true });
      rmSync(unfolded, { recursive: true, force: true });
      rmSync(join(work, `${model}-cli`), { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

function printRow(r: ConvertBenchRow): void {
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(
    `convert ${r.model}: ${mb(r.fileBytes)} MiB; torch.load ${r.torchLoadMs.toFixed(0)} ms; convert ${r.convertMs.toFixed(0)} ms ` +
      `= ${r.convertOverTorchLoad.toFixed(2)}x torch.load (target <= 1); peak RSS ${mb(r.peakRssBytes)} MiB, ` +
      `above node baseline ${r.rssOverFile.toFixed(2)}x file (target < 1.5)`,
  );
  console.log(
    `  whole commands: pose-port convert ${r.command.poseportSeconds.toFixed(2)} s vs python -c 'import torch; torch.load' ` +
      `${r.command.torchSeconds.toFixed(2)} s = ${r.command.ratio.toFixed(2)}x (process start and imports included)`,
  );
  console.log(`  phases (ms): ${Object.entries(r.phasesMs).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
  for (const i of r.inference)
    console.log(
      `  onnxruntime batch ${i.batch}: ${i.foldedMs.toFixed(1)} ms/image folded, ${i.unfoldedMs.toFixed(1)} unfolded (folding ${i.speedup.toFixed(2)}x)`,
    );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const models = process.argv.slice(2);
  await benchConvert(models.length ? models : CONVERT_MODELS);
}
