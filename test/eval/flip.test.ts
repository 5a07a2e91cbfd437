import test from 'ava';
import { createHash } from 'node:crypto';
import { flipBack, shiftHeatmapRight, averageHeatmaps, combineFlipTest } from '../../src/eval/flip.js';
import { flipTensorWidth } from '../../src/eval/normalize.js';
import { decodeHeatmaps } from '../../src/eval/decode.js';
import { headBoxRow } from '../../src/eval/bbox.js';
import { DATASETS } from '../../src/eval/datasets.js';
import { readVectors, f32FromB64, flat } from './vectors.js';

const vec = readVectors('flip.json');
const sha256 = (a: Float32Array): string => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

for (const c of vec.cases) {
  test(`flip.json ${c.id}`, (t) => {
    const shape = [c.N, c.K, c.H, c.W] as const;
    const pairs = c.flip_pairs as [number, number][];
    const ds = Object.values(DATASETS).find((d) => d.numKeypoints === c.K);
    t.deepEqual(pairs, ds?.flipPairs.map((p) => [...p]), 'the dataset table has the same flip pairs');
    if (c.heatmaps_flipped_input && c.flip_back_no_shift) {
      const flipped = f32FromB64(c.heatmaps_flipped_input);
      const back = flipBack(flipped, shape, pairs);
      t.deepEqual(back, f32FromB64(c.flip_back_no_shift));
      if (c.flip_back_after_head) {
        const head = c.test_cfg.shift_heatmap ? shiftHeatmapRight(back.slice(), shape) : back;
        t.deepEqual(head, f32FromB64(c.flip_back_after_head));
        if (c.flip_back_after_head_sha256) t.is(sha256(head), c.flip_back_after_head_sha256);
      }
    }
    if (!c.decode) return;
    const orig = f32FromB64(c.heatmaps_orig);
    let hm = orig;
    if (c.test_cfg.flip_test) {
      hm = combineFlipTest(orig, f32FromB64(c.heatmaps_flipped_input), shape, pairs, c.test_cfg.shift_heatmap);
    }
    t.is(sha256(hm), c.averaged_sha256);
    const method = c.test_cfg.post_process === 'unbiased' ? 'dark' : c.test_cfg.post_process;
    const r = decodeHeatmaps(hm, { shape, method, kernel: c.test_cfg.modulate_kernel, center: c.center, scale: c.scale });
    const tol = method === 'dark' ? 2e-3 : 0;
    const exp = c.decode.preds as number[][][];
    for (let n = 0; n < c.N; n++) {
      for (let k = 0; k < c.K; k++) {
        const i = n * c.K + k;
        t.true(Math.abs(r.keypoints[2 * i] - exp[n][k][0]) <= tol && Math.abs(r.keypoints[2 * i + 1] - exp[n][k][1]) <= tol, `person ${n} keypoint ${k}`);
        t.is(r.scores[i], exp[n][k][2]);
      }
      t.deepEqual(Array.from(headBoxRow(c.center[n], c.scale[n], c.bbox_score[n])), c.decode.boxes[n]);
    }
  });
}

test('shift_heatmap duplicates column 0: [4,5,6,7] -> flip_back [7,6,5,4] -> shift [7,7,6,5]', (t) => {
  const shape = [1, 1, 1, 4] as const;
  const back = flipBack(Float32Array.of(4, 5, 6, 7), shape, []);
  t.deepEqual(Array.from(back), [7, 6, 5, 4]);
  t.deepEqual(Array.from(shiftHeatmapRight(back, shape)), [7, 7, 6, 5]);
});

test('flip pairs swap channels; the dataset tables are involutions within range', (t) => {
  const shape = [1, 3, 1, 2] as const;
  const out = flipBack(Float32Array.of(1, 2, 3, 4, 5, 6), shape, [[0, 2]]);
  t.deepEqual(Array.from(out), [6, 5, 4, 3, 2, 1]);
  for (const d of Object.values(DATASETS)) {
    const seen = new Set<number>();
    for (const [l, r] of d.flipPairs) {
      t.true(l >= 0 && r < d.numKeypoints && l !== r, d.name);
      t.false(seen.has(l) || seen.has(r), `${d.name}: ${l} or ${r} in two pairs`);
      seen.add(l).add(r);
    }
    t.is(d.keypoints.length, d.numKeypoints);
    t.is(new Set(d.keypoints).size, d.numKeypoints, `${d.name} names unique`);
  }
  t.deepEqual(Array.from(averageHeatmaps(Float32Array.of(1, 0.1), Float32Array.of(2, 0.2))), [1.5, Math.fround(Math.fround(Math.fround(0.1) + Math.fround(0.2)) * 0.5)]);
  t.deepEqual(Array.from(flipTensorWidth(Float32Array.of(1, 2, 3, 4, 5, 6), [1, 1, 2, 3])), [3, 2, 1, 6, 5, 4]);
  t.deepEqual(flat(vec.cases[0].flip_pairs), DATASETS.coco.flipPairs.flat());
});
