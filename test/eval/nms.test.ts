import test from 'ava';
import { oksIou, oksNms, softOksNms, type NmsPerson } from '../../src/eval/nms.js';
import { argsortQuick, pairwiseSum } from '../../src/eval/numpy-compat.js';
import { COCO_SIGMAS, DATASETS } from '../../src/eval/datasets.js';
import { readVectors } from './vectors.js';

const vec = readVectors('nms.json');
const SIGMAS: Record<string, readonly number[]> = { coco17: COCO_SIGMAS, coco_wholebody133: DATASETS.coco_wholebody.sigmas! };

for (const c of vec.cases) {
  test(`nms.json ${c.id}: OKS matrix, oks_nms and soft_oks_nms keep lists exact`, (t) => {
    const sigmas = SIGMAS[c.sigmas];
    const persons: NmsPerson[] = c.dets.map((d: any) => ({ keypoints: d.keypoints.flat(), score: d.score, area: d.area }));
    const kpts = persons.map((p) => p.keypoints);
    const areas = persons.map((p) => p.area);
    c.oks_matrix_row_i_vs_all.forEach((row: number[], i: number) => {
      t.deepEqual(Array.from(oksIou(kpts[i], kpts, areas[i], areas, sigmas, c.vis_thr)), row, `row ${i}`);
    });
    t.deepEqual(oksNms(persons, c.thr, sigmas, c.vis_thr), c.oks_nms_keep);
    t.deepEqual(softOksNms(persons, c.thr, sigmas, 20, c.vis_thr), c.soft_oks_nms_keep_max_dets_20);
  });
}

test('numpy argsort: insertion sort below 17 (ties keep index order), quicksort above, NaN last', (t) => {
  t.deepEqual(Array.from(argsortQuick([0.5, 0.2, 0.5, 0.1])), [3, 1, 0, 2]);
  // reversed for "descending": the higher index of a tie comes first, as MMPose's NMS sees it
  t.deepEqual(Array.from(argsortQuick([0.5, 0.2, 0.5, 0.1])).reverse(), [2, 0, 1, 3]);
  t.deepEqual(Array.from(argsortQuick([NaN, 1, 0])), [2, 1, 0]);
  // a large input is sorted (values), whatever the tie order
  const v = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 101) / 7);
  const o = argsortQuick(v);
  for (let i = 1; i < o.length; i++) t.true(v[o[i - 1]] <= v[o[i]]);
  t.is(new Set(o).size, 200);
  // many equal keys force the partition path through its tie handling and stay a permutation
  const eq = argsortQuick(new Array(100).fill(1));
  t.is(new Set(eq).size, 100);
});

test('pairwise sum equals numpy block order (blocks of 8 accumulators)', (t) => {
  const a = Array.from({ length: 9 }, (_, i) => 0.1 * (i + 1));
  // n=9: r[j] = a[j] for j<8 combined ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then + a[8]
  const r = a.slice(0, 8);
  t.is(pairwiseSum(a), r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7])) + a[8]);
  t.is(pairwiseSum([1, 2, 3]), 6);
  const big = Array.from({ length: 1010 }, (_, i) => Math.sin(i));
  t.true(Math.abs(pairwiseSum(big) - big.reduce((s, x) => s + x, 0)) < 1e-12);
});

test('soft-NMS keeps at most max_dets and NMS keeps the best first', (t) => {
  const base = Array.from({ length: 17 }, (_, k) => [100 + k, 100 + 2 * k, 0.9]).flat();
  const persons: NmsPerson[] = Array.from({ length: 30 }, (_, i) => ({ keypoints: base.map((v, j) => (j % 3 === 2 ? v : v + i * 50)), score: 0.5 + i / 100, area: 10000 }));
  t.is(softOksNms(persons, 0.9, COCO_SIGMAS, 20).length, 20);
  const keep = oksNms(persons, 0.9, COCO_SIGMAS);
  t.is(keep.length, 30); // far apart: nothing suppressed
  t.is(keep[0], 29);
  const dup = [persons[0], { ...persons[0], score: 0.9 }];
  t.deepEqual(oksNms(dup, 0.9, COCO_SIGMAS), [1]); // identical poses: OKS 1 > 0.9
});
