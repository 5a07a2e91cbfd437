/**
 * `pose-port score` through the CLI as a user runs it: ground truth submitted as results
 * scores AP 1.0 (COCO and every COCO-WholeBody split); the spec vectors' result files
 * (MMPose's result_keypoints.json) score exactly the xtcocotools 1.6 stats recorded with
 * them, also per WholeBody part; --evaluator picks the other recorded behaviours; bad
 * input is a named error with exit code 2.
 */
import test from 'ava';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreFiles } from '../../src/pipeline/score.js';
import { runCli } from '../helpers/cli.js';
import { COCO, dataFile, readDataJson as readJson, VECTORS } from '../helpers/data.js';
import { workDir } from './converted.js';

const CASES = join(VECTORS, 'cocoeval');
const ANN = join(COCO, 'test_coco.json');
const WB_ANN = join(COCO, 'test_coco_wholebody.json');
const PARTS = ['body', 'foot', 'face', 'lefthand', 'righthand', 'wholebody'] as const;
const work = workDir('score');
test.after.always(() => work.cleanup());

function scoreCli(results: unknown, ann: string, extra: string[] = []): any {
  const file = join(work.dir, `results-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(results));
  const r = runCli(['score', file, '--ann', ann, '--json', ...extra]);
  if (r.code !== 0) throw new Error(`score exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('COCO ground truth as results: AP 1.0 (every stat 1, or -1 where an area range has no GT)', (t) => {
  const gt = readJson(ANN);
  const results = gt.annotations
    .filter((a: any) => !a.iscrowd && a.num_keypoints > 0)
    .map((a: any) => ({ image_id: a.image_id, category_id: 1, keypoints: a.keypoints, score: 1 }));
  t.is(results.length, 12);
  const out = scoreCli(results, ANN);
  t.deepEqual(Object.keys(out), ['stats']);
  t.is(out.stats.length, 10);
  t.is(out.stats[0], 1);
  t.true(out.stats.every((v: number) => v === 1 || v === -1), JSON.stringify(out.stats));

  // one person moved far away: that GT is missed and a false positive appears
  results[0] = { ...results[0], keypoints: results[0].keypoints.map((v: number, i: number) => (i % 3 === 2 ? v : v + 400)) };
  const worse = scoreCli(results, ANN);
  t.true(worse.stats[0] < 1 && worse.stats[5] < 1, JSON.stringify(worse.stats));
});

/**
 * A GT part as a prediction: labelled points where they are; unlabelled ones (stored as
 * 0, 0, 0) at the centre of the person box. COCOeval matches a detection to a GT without
 * labelled points of that part by its distance outside the GT box (doubled), so points
 * left at (0, 0) would make a false positive of every person whose part is unlabelled
 * (the foot AP of GT-with-zeros is 0.868 here).
 */
function partAsPrediction(kpts: number[], bbox: number[]): number[] {
  const out = kpts.slice();
  for (let i = 0; i < out.length; i += 3) {
    if (out[i + 2] > 0) continue;
    out[i] = bbox[0] + bbox[2] / 2;
    out[i + 1] = bbox[1] + bbox[3] / 2;
  }
  return out;
}

test('COCO-WholeBody ground truth as results: AP 1.0 in every split, keyed by part', (t) => {
  const gt = readJson(WB_ANN);
  const results = gt.annotations
    .filter((a: any) => !a.iscrowd && Math.max(...a.keypoints) > 0)
    .map((a: any) => ({
      image_id: a.image_id,
      category_id: 1,
      keypoints: partAsPrediction(a.keypoints, a.bbox),
      foot_kpts: partAsPrediction(a.foot_kpts, a.bbox),
      face_kpts: partAsPrediction(a.face_kpts, a.bbox),
      lefthand_kpts: partAsPrediction(a.lefthand_kpts, a.bbox),
      righthand_kpts: partAsPrediction(a.righthand_kpts, a.bbox),
      score: 1,
    }));
  const out = scoreCli(results, WB_ANN);
  t.deepEqual(Object.keys(out.stats), [...PARTS]);
  for (const p of PARTS) {
    t.is(out.stats[p].length, 10);
    t.log(`${p}: ${out.stats[p].map((v: number) => v.toFixed(4)).join(' ')}`);
    // AP, AP .5, AP .75, AR, AR .5, AR .75 over all areas. (Per area range a hand can be
    // matched to a neighbour's hand of the other range first, so (M)/(L) may fall short.)
    for (const i of [0, 1, 2, 5, 6, 7]) t.is(out.stats[p][i], 1, `${p} stat ${i}: ${JSON.stringify(out.stats[p])}`);
  }
});

const caseFiles = readdirSync(CASES).filter((f) => f.endsWith('.json.gz') && f !== 'index.json.gz');

test("every spec vector case: MMPose's result_keypoints.json scores the recorded xtcocotools 1.6 stats exactly", (t) => {
  t.true(caseFiles.length >= 5, caseFiles.join(', '));
  for (const f of caseFiles) {
    const c = readJson(join(CASES, f));
    const ann = dataFile(c.gt_file);
    const resultsFile = join(work.dir, `vec-${f.slice(0, -'.gz'.length)}`);
    writeFileSync(resultsFile, JSON.stringify(c.result_keypoints_json));
    const r = scoreFiles(resultsFile, ann);
    if (c.stats_by_part) {
      t.is(r.kind, 'wholebody', f);
      if (r.kind !== 'wholebody') continue;
      for (const p of PARTS) t.deepEqual(r.stats[p], c.stats_by_part[`keypoints_${p}`]['xtcocotools_1.6'], `${f} ${p}`);
    } else {
      t.is(r.kind, 'coco', f);
      t.deepEqual(r.stats, c.stats['xtcocotools_1.6'], f);
    }
  }
});

test('CLI --json on the vectors: COCO {stats: [10]} and WholeBody {stats: {part: [10]}}, as recorded; --evaluator', (t) => {
  const coco = readJson(join(CASES, 'det_noise_0.5.json.gz'));
  t.deepEqual(scoreCli(coco.result_keypoints_json, ANN), { stats: coco.stats['xtcocotools_1.6'] });
  // xtcocotools 1.9-1.11's AP (M)/(L) bug and pycocotools, as recorded
  t.deepEqual(scoreCli(coco.result_keypoints_json, ANN, ['--evaluator', 'xtcocotools_1.9-1.11']).stats, coco.stats['xtcocotools_1.9-1.11']);
  t.deepEqual(scoreCli(coco.result_keypoints_json, ANN, ['--evaluator', 'pycocotools']).stats, coco.stats.pycocotools);

  const wb = readJson(join(CASES, 'wholebody_det_noise_1.0.json.gz'));
  const out = scoreCli(wb.result_keypoints_json, WB_ANN);
  t.deepEqual(out, { stats: Object.fromEntries(PARTS.map((p) => [p, wb.stats_by_part[`keypoints_${p}`]['xtcocotools_1.6']])) });

  const text = runCli(['score', join(work.dir, 'vec-det_noise_0.5.json'), '--ann', ANN]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /^AP\s+0\.9274$/m);
});

test('bad input: exit 2 with the code and the file named', (t) => {
  const notList = join(work.dir, 'not-a-list.json');
  writeFileSync(notList, JSON.stringify({ image_id: 1 }));
  const r1 = runCli(['score', notList, '--ann', ANN]);
  t.is(r1.code, 2);
  t.regex(r1.stderr, /ANNOTATION_FORMAT/);
  t.true(r1.stderr.includes(notList), r1.stderr);

  const badAnn = join(work.dir, 'bad-ann.json');
  writeFileSync(badAnn, JSON.stringify({ annotations: [] }));
  const ok = join(work.dir, 'empty.json');
  writeFileSync(ok, '[]');
  const r2 = runCli(['score', ok, '--ann', badAnn, '--json']);
  t.is(r2.code, 2);
  t.true(r2.stderr.includes(badAnn), r2.stderr);
  t.false(JSON.parse(r2.stdout).ok);

  const noKpts = join(work.dir, 'no-kpts.json');
  writeFileSync(noKpts, JSON.stringify([{ image_id: 785, category_id: 1, score: 1 }]));
  const r3 = runCli(['score', noKpts, '--ann', ANN]);
  t.is(r3.code, 2);
  t.regex(r3.stderr, /keypoints/);

  t.is(runCli(['score', ok]).code, 2);
  t.is(runCli(['score', ok, '--ann', ANN, '--evaluator', 'cocoapi-2']).code, 2);
  t.is(runCli(['score', join(work.dir, 'missing.json'), '--ann', ANN]).code, 2);
});
