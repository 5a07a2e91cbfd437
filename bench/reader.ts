/**
 * Reader benchmark (issue 2, "Speed"): open a checkpoint and read every tensor, for
 * res50_coco_256x192_dark and hrnet_w48_coco_384x288_dark (make-checkpoint.py) in both
 * containers, against torch.load of the same file in the same run.
 *
 *  - pose-port: a fresh node process opens the file, calls data() on every tensor and
 *    keeps them all (as a converter does). Its first pass is timed cold (fresh JIT, as
 *    in a CLI run) and its peak RSS taken right after it (peakRssBytes());
 *    further passes in the same process give the warm time (best of `reps`). Process
 *    start and module loading are excluded. `processes` fresh processes; the minimum
 *    times (the runs least disturbed by other load) and the largest peak RSS are kept.
 *  - torch: fresh python processes time torch.load(map_location='cpu'): the first load
 *    (cold) and the best of `reps` more (warm); interpreter start and `import torch`
 *    excluded.
 *
 * Targets: >= 3x faster than torch.load; peak RSS < 1.5x the file size.
 *
 *   npx tsx bench/reader.ts            (or node dist/bench/reader.js after a build)
 */
import { execFileSync } from 'node:child_process';
import { peakRssBytes } from './peak-rss.js';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCheckpoint, PYTHON } from '../test/helpers/ckpt.js';
import { openCheckpointSync } from '../src/pth/index.js';

export const READER_MODELS = ['res50_coco_256x192_dark', 'hrnet_w48_coco_384x288_dark'];
export const TARGET_SPEEDUP = 3;
export const TARGET_RSS_RATIO = 1.5;

export interface ReaderRow {
  model: string;
  format: 'zip' | 'legacy';
  fileBytes: number;
  tensors: number;
  tensorBytes: number;
  /** pose-port: open + data() of every tensor, first pass of a fresh process */
  poseportColdMs: number;
  /** pose-port: open + data() of every tensor, best of reps (warm JIT) */
  poseportMs: number;
  /** pose-port: openCheckpoint alone (pickle + record index), best of reps */
  poseportOpenMs: number;
  /**
   * pose-port, streaming: open + readInto() of every tensor into one reused buffer (a
   * consumer that checksums or writes each tensor and lets it go), best of reps
   */
  poseportStreamMs: number;
  /** torchLoadMs / poseportStreamMs */
  speedupStream: number;
  /** torch.load, best of reps after the first, in one python process */
  torchLoadMs: number;
  /** torch.load, the first load of a fresh python process (import torch excluded) */
  torchLoadColdMs: number;
  /** torchLoadMs / poseportMs (warm against warm) */
  speedup: number;
  /** torchLoadColdMs / poseportColdMs (first read against first load) */
  speedupCold: number;
  /** peak RSS of the pose-port child process holding every tensor */
  poseportPeakRssBytes: number;
  /** poseportPeakRssBytes / fileBytes */
  rssRatio: number;
  /** peak RSS of an idle node process with the reader loaded, for scale */
  nodeBaselineRssBytes: number;
  torchPeakRssBytes: number;
  meetsSpeed: boolean;
  meetsRss: boolean;
}

interface ChildResult {
  coldMs: number;
  ms: number;
  streamMs: number;
  openMs: number;
  tensors: number;
  bytes: number;
  maxRssBytes: number;
}

/** one pass: open, read every tensor and keep them all */
function readAll(file: string): { ms: number; openMs: number; tensors: number; bytes: number; kept: unknown[] } {
  const kept: unknown[] = [];
  let bytes = 0;
  const t0 = performance.now();
  const ckpt = openCheckpointSync(file);
  const t1 = performance.now();
  for (const e of ckpt.tensors.entries) {
    const d = e.data();
    bytes += d.byteLength;
    kept.push(d);
  }
  ckpt.close();
  const t2 = performance.now();
  return { ms: t2 - t0, openMs: t1 - t0, tensors: ckpt.tensors.entries.length, bytes, kept };
}

/** one streaming pass: open, read every tensor into one reused buffer */
function streamAll(file: string): number {
  const t0 = performance.now();
  const ckpt = openCheckpointSync(file);
  let scratch = new Uint8Array(0);
  let sum = 0;
  for (const e of ckpt.tensors.entries) {
    if (scratch.length < e.byteLength) scratch = new Uint8Array(e.byteLength);
    sum += e.readInto(scratch)[0] ?? 0;
  }
  ckpt.close();
  if (sum < 0) throw new Error('unreachable');
  return performance.now() - t0;
}

/** Child mode: a cold pass (timed, then peak RSS), then `reps` warm passes, then `reps` streaming passes. */
function childRead(file: string, reps: number): ChildResult {
  let pass: ReturnType<typeof readAll> | null = readAll(file);
  const maxRssBytes = peakRssBytes();
  const { ms: coldMs, tensors, bytes } = pass;
  let best = Infinity;
  let bestOpen = pass.openMs;
  for (let r = 0; r < reps; r++) {
    // free the previous pass first, as torch's `del sd` does, so both reuse freed memory
    pass = null;
    (globalThis as { gc?: () => void }).gc?.();
    pass = readAll(file);
    best = Math.min(best, pass.ms);
    bestOpen = Math.min(bestOpen, pass.openMs);
  }
  pass = null;
  let stream = Infinity;
  for (let r = 0; r < Math.max(1, reps); r++) stream = Math.min(stream, streamAll(file));
  return { coldMs, ms: Math.min(best, coldMs), streamMs: stream, openMs: bestOpen, tensors, bytes, maxRssBytes };
}

const SELF = fileURLToPath(import.meta.url);

function runChild(args: string[]): string {
  // the same runtime flags (tsx's loader when run from source) for the child
  return execFileSync(process.execPath, [...process.execArgv, '--expose-gc', SELF, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
}

/** torch.load in a fresh python: the first load (cold), its peak RSS, then the best of `reps` more. */
function torchLoad(file: string, reps: number): { coldMs: number; ms: number; maxRssBytes: number } {
  const code = [
    'import sys, time, json, resource, torch',
    't = time.perf_counter(); sd = torch.load(sys.argv[1], map_location="cpu"); cold = time.perf_counter() - t',
    'rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024',
    'best = cold',
    `for _ in range(${reps}):`,
    '    del sd; t = time.perf_counter(); sd = torch.load(sys.argv[1], map_location="cpu"); best = min(best, time.perf_counter() - t)',
    'print(json.dumps({"coldMs": cold * 1000, "ms": best * 1000, "maxRssBytes": rss}))',
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', code, file], { encoding: 'utf8' }).trim()) as { coldMs: number; ms: number; maxRssBytes: number };
}

export async function benchReader(
  opts: { reps?: number; processes?: number; models?: string[]; log?: (line: string) => void } = {},
): Promise<{
  rows: ReaderRow[];
  targets: { speedup: number; rssRatio: number };
}> {
  const reps = opts.reps ?? 3;
  const processes = opts.processes ?? 3;
  const log = opts.log ?? ((l: string) => console.log(l));
  const baseline = Number(runChild(['--baseline']).trim());
  const rows: ReaderRow[] = [];
  for (const model of opts.models ?? READER_MODELS) {
    for (const legacy of [false, true]) {
      const file = makeCheckpoint(model, { legacy });
      const fileBytes = statSync(file).size;
      // warm the page cache so both readers see the same starting point
      runChild(['--child', file, '0']);
      // several fresh processes on each side; the minimum is the least disturbed by other load
      const oursRuns = Array.from({ length: processes }, () => JSON.parse(runChild(['--child', file, String(reps)]).trim().split('\n').pop()!) as ChildResult);
      const torchRuns = Array.from({ length: processes }, () => torchLoad(file, reps));
      const ours: ChildResult = {
        coldMs: Math.min(...oursRuns.map((r) => r.coldMs)),
        ms: Math.min(...oursRuns.map((r) => r.ms)),
        openMs: Math.min(...oursRuns.map((r) => r.openMs)),
        streamMs: Math.min(...oursRuns.map((r) => r.streamMs)),
        tensors: oursRuns[0].tensors,
        bytes: oursRuns[0].bytes,
        maxRssBytes: Math.max(...oursRuns.map((r) => r.maxRssBytes)),
      };
      const torch = {
        coldMs: Math.min(...torchRuns.map((r) => r.coldMs)),
        ms: Math.min(...torchRuns.map((r) => r.ms)),
        maxRssBytes: Math.max(...torchRuns.map((r) => r.maxRssBytes)),
      };
      const row: ReaderRow = {
        model,
        format: legacy ? 'legacy' : 'zip',
        fileBytes,
        tensors: ours.tensors,
        tensorBytes: ours.bytes,
        poseportColdMs: round(ours.coldMs),
        poseportMs: round(ours.ms),
        poseportOpenMs: round(ours.openMs),
        poseportStreamMs: round(ours.streamMs),
        speedupStream: round(torch.ms / ours.streamMs),
        torchLoadMs: round(torch.ms),
        torchLoadColdMs: round(torch.coldMs),
        speedup: round(torch.ms / ours.ms),
        speedupCold: round(torch.coldMs / ours.coldMs),
        poseportPeakRssBytes: ours.maxRssBytes,
        rssRatio: round(ours.maxRssBytes / fileBytes),
        nodeBaselineRssBytes: baseline,
        torchPeakRssBytes: torch.maxRssBytes,
        meetsSpeed: Math.min(torch.ms / ours.ms, torch.coldMs / ours.coldMs) >= TARGET_SPEEDUP,
        meetsRss: ours.maxRssBytes / fileBytes < TARGET_RSS_RATIO,
      };
      rows.push(row);
      log(
        `${model} ${row.format}: ${mb(fileBytes)} MB, ${row.tensors} tensors | pose-port ${row.poseportMs} ms warm ` +
          `(open ${row.poseportOpenMs} ms), ${row.poseportColdMs} ms cold vs torch.load ${row.torchLoadMs} ms warm, ` +
          `${row.torchLoadColdMs} ms cold: ${row.speedup}x warm, ${row.speedupCold}x cold; streaming ` +
          `${row.poseportStreamMs} ms = ${row.speedupStream}x ` +
          `(target >= ${TARGET_SPEEDUP}x ${row.meetsSpeed ? 'met' : 'NOT met'}) | peak RSS ${mb(row.poseportPeakRssBytes)} MB = ` +
          `${row.rssRatio}x file (target < ${TARGET_RSS_RATIO}x ${row.meetsRss ? 'met' : 'NOT met'}; idle node ${mb(baseline)} MB, ` +
          `torch ${mb(row.torchPeakRssBytes)} MB)`,
      );
    }
  }
  return { rows, targets: { speedup: TARGET_SPEEDUP, rssRatio: TARGET_RSS_RATIO } };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function mb(b: number): string {
  return (b / 2 ** 20).toFixed(1);
}

if (process.argv[1] && resolve(process.argv[1]) === SELF) {
  const [mode, file, reps] = process.argv.slice(2);
  if (mode === '--child') {
    console.log(JSON.stringify(childRead(file, Number(reps))));
  } else if (mode === '--baseline') {
    console.log(peakRssBytes());
  } else {
    const r = await benchReader();
    console.log(JSON.stringify(r, null, 1));
  }
}
