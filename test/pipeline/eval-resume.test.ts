/**
 * Long evaluations: the journal beside `--results`, `--resume` after a SIGKILL (with a torn
 * last line) giving results and stats equal to an uninterrupted run's, the journal bound
 * to its inputs, `--shard i/n` slices whose results merge through `score a b c` to the
 * whole run's, and `score`'s refusals of overlapping files. The model is the bundled
 * default checkpoint converted to ONNX (no PyTorch needed), on the shared COCO images with
 * the 118 detection boxes, batch 1 so an evaluation is 118 journal lines.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { COCO, workDir } from './converted.js';

const ANN = join(COCO, 'test_coco.json');
const DETS = join(COCO, 'test_coco_det_AP_H_56.json');
const work = workDir('eval-resume');
let model = '';

test.before(async () => {
  const out = join(work.dir, 'tiny');
  await convertCheckpoint(join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth'), { out, formats: ['onnx'] });
  model = join(out, 'model.onnx');
});
test.after.always(() => work.cleanup());

const evalArgs = (results: string, ...more: string[]) => ['eval', model, '--ann', ANN, '--images', COCO, '--dets', DETS, '--batch', '1', '--results', results, '--json', ...more];

interface Whole {
  results: any[];
  stats: number[];
}
let whole: Promise<Whole> | undefined;
/** The uninterrupted run (once). */
function wholeRun(): Promise<Whole> {
  whole ??= (async () => {
    const file = join(work.dir, 'whole.json');
    const r = runCli(evalArgs(file));
    if (r.code !== 0) throw new Error(r.stderr);
    if (existsSync(file + '.journal')) throw new Error('the journal outlived a finished run');
    return { results: JSON.parse(readFileSync(file, 'utf8')), stats: Object.values(JSON.parse(r.stdout).metrics) as number[] };
  })();
  return whole;
}

const byImageAndKeypoints = (a: any, b: any) => a.image_id - b.image_id || a.score - b.score || String(a.keypoints).localeCompare(String(b.keypoints));

/** Starts `eval`, SIGKILLs it once its journal holds `lines` lines; resolves with the journal's line count at death. */
function evalKilledAfter(args: string[], journal: string, lines: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', join(ROOT, 'src', 'cli', 'entry.ts'), ...args], { cwd: ROOT, stdio: 'ignore' });
    let killed = false;
    const count = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0);
    const poll = setInterval(() => {
      if (!killed && count() >= lines) {
        killed = child.kill('SIGKILL');
      }
    }, 2);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal !== 'SIGKILL') reject(new Error(`eval ended by itself (code ${code}) before ${lines} journal lines: the test needs a slower run`));
      else resolve(count());
    });
  });
}

test.serial('eval killed with SIGKILL midway resumes (after a torn last line) to results and stats equal to an uninterrupted run', async (t) => {
  const w = await wholeRun();
  t.is(w.results.length > 0, true);
  const results = join(work.dir, 'resumed.json');
  const journal = results + '.journal';
  const at = await evalKilledAfter(evalArgs(results), journal, 20);
  t.false(existsSync(results), 'no results file from a killed run');
  t.true(at >= 20 && at < 119, `journal lines at the kill: ${at}`);
  // the process died while writing: half a batch line at the end
  appendFileSync(journal, '{"from":' + (at - 1) + ',"n":1,"preds":"AAAA');

  // without --resume: refused (the journal holds an interrupted run), naming the journal
  const again = runCli(evalArgs(results));
  t.is(again.code, 2, again.stderr);
  t.regex(again.stderr, /\[USAGE\].*pass --resume to continue it/);
  t.true(again.stderr.includes(journal));
  // other settings: refused, naming the setting that differs
  const other = runCli(evalArgs(results, '--resume', '--no-flip'));
  t.is(other.code, 2, other.stderr);
  t.regex(other.stderr, /\[JOURNAL_MISMATCH\].*flip: true then, false now/);
  const otherDets = join(work.dir, 'dets-edited.json');
  writeFileSync(otherDets, JSON.stringify(JSON.parse(readFileSync(DETS, 'utf8')).slice(1)));
  const d = runCli(['eval', model, '--ann', ANN, '--images', COCO, '--dets', otherDets, '--batch', '1', '--results', results, '--resume']);
  t.is(d.code, 2, d.stderr);
  t.regex(d.stderr, /\[JOURNAL_MISMATCH\].*dets: /);

  const r = runCli(evalArgs(results, '--resume'));
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.is(out.resumed, at - 1, 'every complete batch line was read back, the torn one dropped');
  t.deepEqual(Object.values(out.metrics), w.stats);
  t.deepEqual(JSON.parse(readFileSync(results, 'utf8')), w.results, 'the results file equals the uninterrupted run’s, value for value');
  t.false(existsSync(journal));
});

test.serial('--shard 0/3, 1/3, 2/3: disjoint slices by image whose results merge (score a b c) to the whole run, stats equal', async (t) => {
  const w = await wholeRun();
  const files = [0, 1, 2].map((i) => join(work.dir, `shard${i}.json`));
  const images: number[] = [];
  files.forEach((f, i) => {
    const r = runCli(evalArgs(f, '--shard', `${i}/3`));
    t.is(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    t.deepEqual(o.shard, { index: i, count: 3, images: o.images });
    images.push(o.images);
  });
  t.deepEqual(images, [2, 1, 1]);
  const merged = files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')));
  t.deepEqual([...merged].sort(byImageAndKeypoints), [...w.results].sort(byImageAndKeypoints));
  const s = runCli(['score', ...files, '--ann', ANN, '--json']);
  t.is(s.code, 0, s.stderr);
  t.deepEqual(JSON.parse(s.stdout).stats, w.stats);
  t.is(s.stderr, '');
  // a shard left out is reported
  const missing = runCli(['score', files[0], files[1], '--ann', ANN, '--json']);
  t.is(missing.code, 0);
  t.regex(missing.stderr, /1 image\(s\) with annotated keypoints have no result in any of the files/);
});

test.serial('score refuses the same file twice and two files sharing an image (overlapping shards), naming both', async (t) => {
  await wholeRun();
  const a = join(work.dir, 'whole.json');
  const twice = runCli(['score', a, a, '--ann', ANN]);
  t.is(twice.code, 2);
  t.regex(twice.stderr, /\[USAGE\]: score: the results file is given twice \(/);
  const s0 = join(work.dir, 'overlap0.json');
  const r = runCli(evalArgs(s0, '--shard', '0/2'));
  t.is(r.code, 0, r.stderr);
  const overlap = runCli(['score', s0, a, '--ann', ANN]);
  t.is(overlap.code, 2);
  t.regex(overlap.stderr, /\[ANNOTATION_FORMAT\]: results\[0\] is for image_id \d+, which '.*overlap0\.json' also holds/);
  t.true(overlap.stderr.includes(a));
});

test('score of several files equals the score of their concatenation (GT-derived results, AP well above 0)', (t) => {
  const gt = JSON.parse(readFileSync(ANN, 'utf8'));
  // results from the ground truth, moved by a pixel or two so the AP is high but not 1
  const res = gt.annotations
    .filter((a: any) => a.num_keypoints > 0 && !a.iscrowd)
    .map((a: any, i: number) => ({
      image_id: a.image_id,
      category_id: 1,
      score: 0.5 + (i % 5) / 10,
      keypoints: a.keypoints.map((v: number, k: number) => (k % 3 === 2 ? 1 : v + ((i + k) % 3) - 1)),
    }));
  const ids = [...new Set(res.map((r: any) => r.image_id))];
  const parts = [res.filter((r: any) => ids.indexOf(r.image_id) < 2), res.filter((r: any) => ids.indexOf(r.image_id) >= 2)];
  const files = parts.map((_p, i) => join(work.dir, `gt-part${i}.json`));
  parts.forEach((part, i) => writeFileSync(files[i], JSON.stringify(part)));
  const all = join(work.dir, 'gt-all.json');
  writeFileSync(all, JSON.stringify(res));
  const one = runCli(['score', all, '--ann', ANN, '--json']);
  const two = runCli(['score', ...files, '--ann', ANN, '--json']);
  t.is(one.code, 0, one.stderr);
  t.is(two.code, 0, two.stderr);
  const stats = JSON.parse(one.stdout).stats;
  t.true(stats[0] > 0.5, `AP ${stats[0]}`);
  t.deepEqual(JSON.parse(two.stdout).stats, stats);
});

test('--shard and --resume need --results; a malformed --shard is USAGE', (t) => {
  const base = ['eval', model, '--ann', ANN, '--images', COCO];
  for (const [args, msg] of [
    [['--shard', '0/2'], /--shard needs --results/],
    [['--resume'], /--resume needs --results/],
    [['--shard', '2/2', '--results', 'x.json'], /--shard expects i\/n with 0 <= i < n/],
    [['--shard', '1', '--results', 'x.json'], /--shard expects i\/n/],
  ] as const) {
    const r = runCli([...base, ...args]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, msg);
  }
});
