/**
 * Convert benchmark (issue 10, "Speed"): what a user waits for, as whole processes in the
 * same run, on make-checkpoint.py files (bare state_dict, zip container, seed 0):
 *
 *   pose-port convert <file> --out DIR     (the default formats: model.onnx + report.json)
 *   /usr/bin/python3 -c 'import sys, torch; torch.load(sys.argv[1])' <file>
 *
 * For each row, `pairs` pairs of the two commands run back to back, alternating which goes
 * first (so a burst of load on this shared machine hits both sides alike); the row's ratio
 * is the median of the pairs' ratios. Process start, imports and exit are included on both
 * sides. Each pose-port process also records its peak RSS (./rss-at-exit.ts) and writes
 * report.json, whose `timings_ms` (convert's own stopwatch) gives the per-phase split;
 * the medians are printed. "Node's own" RSS is that of `pose-port --help` (the CLI with
 * the same modules loaded, no checkpoint), subtracted before dividing by the file size.
 * The load average is printed with each row (the ratios are what count).
 *
 * Targets: <= 1.0x for res50_coco_256x192_dark, hrnet_w48_coco_384x288_dark and
 * 4xmspn50_coco_256x192; <= 0.6x for rsn18_coco_256x192; peak RSS above node's own
 * <= 0.5x the file.
 *
 *   npm run bench -- convert            node dist/bench/convert.js [ROW ...] [--pairs N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCheckpoint, PYTHON } from '../test/helpers/ckpt.js';

export const CONVERT_TARGETS: Record<string, number> = {
  res50_coco_256x192_dark: 1.0,
  hrnet_w48_coco_384x288_dark: 1.0,
  '4xmspn50_coco_256x192': 1.0,
  rsn18_coco_256x192: 0.6,
};
export const RSS_TARGET = 0.5;

const BIN = fileURLToPath(new URL('../../bin/pose-port.js', import.meta.url));
const RSS_HOOK = new URL('./rss-at-exit.js', import.meta.url).href;
const TORCH_LOAD = 'import sys, torch; torch.load(sys.argv[1])';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Wall seconds of one whole command; throws with its stderr when it fails. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 24 });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return s;
}

/** A pose-port command run with the peak-RSS hook: wall seconds and peak RSS bytes. */
function poseport(args: string[], rssFile: string): { seconds: number; peakRss: number } {
  const seconds = timed(process.execPath, ['--import', RSS_HOOK, BIN, ...args], { ...process.env, POSE_PORT_BENCH_RSS: rssFile });
  return { seconds, peakRss: Number(readFileSync(rssFile, 'utf8')) };
}

export interface ConvertPair {
  poseportSeconds: number;
  torchSeconds: number;
  ratio: number;
  peakRssBytes: number;
  /** report.json's timings_ms of this run */
  phasesMs: Record<string, number>;
  /** 1-minute load average when the pair started */
  load: number;
}

export interface ConvertBenchRow {
  model: string;
  fileBytes: number;
  pairs: ConvertPair[];
  /** median of the pairs' pose-port / torch ratios */
  ratio: number;
  target: number;
  poseportSeconds: number;
  torchSeconds: number;
  /** medians per phase over the pose-port runs */
  phasesMs: Record<string, number>;
  peakRssBytes: number;
  /** median (peak RSS - node's own) / file size */
  rssOverFile: number;
  nodeOwnRssBytes: number;
}

/** Peak RSS of `pose-port --help` (median of three): the CLI's modules, no checkpoint. */
function nodeOwnRss(work: string): number {
  const rss = join(work, 'help.rss');
  return median([0, 1, 2].map(() => poseport(['--help'], rss).peakRss));
}

export async function benchConvert(models = Object.keys(CONVERT_TARGETS), opts: { pairs?: number } = {}): Promise<ConvertBenchRow[]> {
  const pairsWanted = opts.pairs ?? 3;
  const work = mkdtempSync(join(tmpdir(), 'pose-port-bench-convert-'));
  const rows: ConvertBenchRow[] = [];
  try {
    const own = nodeOwnRss(work);
    console.log(`node's own peak RSS (pose-port --help): ${(own / 2 ** 20).toFixed(1)} MiB; ${pairsWanted} interleaved pairs per row; formats: the default (onnx)`);
    for (const model of models) {
      const ckpt = makeCheckpoint(model);
      const fileBytes = statSync(ckpt).size;
      // one unmeasured run of each: the file in the page cache, the interpreters' files too
      timed(PYTHON, ['-c', TORCH_LOAD, ckpt]);
      poseport(['convert', ckpt, '--out', join(work, 'warm')], join(work, 'warm.rss'));
      rmSync(join(work, 'warm'), { recursive: true, force: true });
      const pairs: ConvertPair[] = [];
      for (let i = 0; i < pairsWanted; i++) {
        const load = loadavg()[0];
        const out = join(work, `${model}-${i}`);
        const runPoseport = () => poseport(['convert', ckpt, '--out', out], join(work, `${model}-${i}.rss`));
        const runTorch = () => timed(PYTHON, ['-c', TORCH_LOAD, ckpt]);
        let pp: { seconds: number; peakRss: number };
        let py: number;
        if (i % 2 === 0) {
          pp = runPoseport();
          py = runTorch();
        } else {
          py = runTorch();
          pp = runPoseport();
        }
        const phasesMs = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).timings_ms as Record<string, number>;
        rmSync(out, { recursive: true, force: true });
        pairs.push({ poseportSeconds: pp.seconds, torchSeconds: py, ratio: pp.seconds / py, peakRssBytes: pp.peakRss, phasesMs, load });
      }
      const phases: Record<string, number> = {};
      for (const k of Object.keys(pairs[0].phasesMs)) phases[k] = median(pairs.map((p) => p.phasesMs[k] ?? 0));
      const row: ConvertBenchRow = {
        model,
        fileBytes,
        pairs,
        ratio: median(pairs.map((p) => p.ratio)),
        target: CONVERT_TARGETS[model] ?? 1.0,
        poseportSeconds: median(pairs.map((p) => p.poseportSeconds)),
        torchSeconds: median(pairs.map((p) => p.torchSeconds)),
        phasesMs: phases,
        peakRssBytes: median(pairs.map((p) => p.peakRssBytes)),
        rssOverFile: median(pairs.map((p) => (p.peakRssBytes - own) / fileBytes)),
        nodeOwnRssBytes: own,
      };
      rows.push(row);
      printRow(row);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

function printRow(r: ConvertBenchRow): void {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `convert ${r.model} (${mib(r.fileBytes)} MiB): pose-port convert ${r.poseportSeconds.toFixed(2)} s vs torch.load ${r.torchSeconds.toFixed(2)} s ` +
      `= ${r.ratio.toFixed(2)}x (median of ${r.pairs.map((p) => p.ratio.toFixed(2)).join(', ')}; target <= ${r.target}: ${verdict(r.ratio <= r.target)}); ` +
      `load ${r.pairs.map((p) => p.load.toFixed(1)).join(', ')}`,
  );
  console.log(
    `  peak RSS ${mib(r.peakRssBytes)} MiB, ${mib(r.peakRssBytes - r.nodeOwnRssBytes)} MiB above node's own = ${r.rssOverFile.toFixed(2)}x the file ` +
      `(target <= ${RSS_TARGET}: ${verdict(r.rssOverFile <= RSS_TARGET)})`,
  );
  console.log(`  phases (ms, medians of report.json timings_ms): ${Object.entries(r.phasesMs).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--pairs');
  const pairs = at >= 0 ? Number(args.splice(at, 2)[1]) : undefined;
  await benchConvert(args.length ? args : undefined, { pairs });
}
