import test from 'ava';
import { mpiiPckh, mpiiPredictionsFromBatches, type MpiiGt } from '../../src/eval/mpii.js';
import { readVectors, num } from './vectors.js';

const vec = readVectors('mpii.json');
const KEYS = ['Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle', 'PCKh', 'PCKh@0.1'] as const;

for (const c of vec.cases) {
  test(`mpii.json ${c.id}: all nine values within 1e-12`, (t) => {
    const r = mpiiPckh(mpiiPredictionsFromBatches(c.outputs), c.gt_mat);
    for (const k of KEYS) {
      const e = num(c.expected[k]);
      if (Number.isNaN(e)) t.true(Number.isNaN(r[k]), k);
      else t.true(Math.abs(r[k] - e) <= 1e-12, `${k}: ${r[k]} vs ${e}`);
    }
  });
}

/** a synthetic GT of N persons: head box 10 px square (head size 0.6·10·√2), joints at (100+j, 200+n) */
function synthGt(n: number, missing: (j: number, p: number) => boolean = () => false): MpiiGt {
  const names = ['rank', 'rkne', 'rhip', 'lhip', 'lkne', 'lank', 'pelv', 'thor', 'neck', 'head', 'rwri', 'relb', 'rsho', 'lsho', 'lelb', 'lwri'];
  const range = (f: (p: number) => number): number[] => Array.from({ length: n }, (_, p) => f(p));
  return {
    dataset_joints: names,
    jnt_missing: names.map((_, j) => range((p) => (missing(j, p) ? 1 : 0))),
    pos_gt_src: names.map((_, j) => [range(() => 101 + j), range((p) => 201 + p)]),
    headboxes_src: [[range(() => 0), range(() => 0)], [range(() => 10), range(() => 10)]],
  };
}
const head = 0.6 * Math.sqrt(200);

test('PCKh@0.1 is taken at 0.11 (errors between 0.10 and 0.11 head sizes count), +1 MATLAB offset applied', (t) => {
  const N = 3;
  const gt = synthGt(N);
  const err = 0.105 * head;
  // predictions are 0-based: gt - 1, plus the error along x
  const preds = Array.from({ length: N }, (_, p) => ({ bboxId: p, keypoints: Array.from({ length: 16 }, (_, j) => [100 + j + err, 200 + p, 1]).flat() }));
  const r = mpiiPckh(preds, gt);
  t.is(r.PCKh, 100);
  t.true(Math.abs(r['PCKh@0.1'] - 100) < 1e-12);
  const far = preds.map((p) => ({ ...p, keypoints: p.keypoints.map((v, i) => (i % 3 === 0 ? v + 0.6 * head : v)) }));
  const rf = mpiiPckh(far, gt);
  t.is(rf.PCKh, 0);
  t.is(rf.Head, 0);
});

test('duplicate bbox_ids keep the first; the weighted mean skips pelvis and thorax; a joint never visible is NaN', (t) => {
  const N = 2;
  const gt = synthGt(N, (j, p) => j === 10 || (j === 0 && p === 1));
  const exact = (p: number, dx = 0): number[] => Array.from({ length: 16 }, (_, j) => [100 + j + dx, 200 + p, 1]).flat();
  const preds = [
    { bboxId: 1, keypoints: exact(1) },
    { bboxId: 0, keypoints: exact(0) },
    { bboxId: 0, keypoints: exact(0, 500) }, // duplicate: dropped
  ];
  const r = mpiiPckh(preds, gt);
  t.is(r.Head, 100);
  t.true(Number.isNaN(r.perJoint[10])); // rwri never visible
  t.true(Number.isNaN(r.Wrist));
  t.true(Number.isNaN(r.PCKh)); // MMPose's masked sum propagates the NaN
  // pelvis/thorax errors do not change the mean when every other joint is fine
  const gt2 = synthGt(N);
  const bad67 = [0, 1].map((p) => ({ bboxId: p, keypoints: exact(p).map((v, i) => ((i === 18 || i === 21) ? v + 100 : v)) }));
  const r2 = mpiiPckh(bad67, gt2);
  t.is(r2.PCKh, 100);
  t.is(r2.perJoint[6], 0);
});
