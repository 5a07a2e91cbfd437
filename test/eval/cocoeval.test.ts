import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { CocoKeypointEval, cocoKeypointEval, COCO_EVALUATORS, type CocoGtFile, type CocoKeypointResult } from '../../src/eval/cocoeval.js';
import { scoreCocoKeypointResults, wholeBodyEval, evaluateTopDown } from '../../src/eval/coco-results.js';
import { topDownCocoResults, imageIdsByFileName, rescore } from '../../src/eval/topdown-results.js';
import { COCO_SIGMAS, DATASETS } from '../../src/eval/datasets.js';
import { COCO, dataFile, readDataJson as readJson } from '../helpers/data.js';
import { readVectors } from './vectors.js';
import { expectPoseError } from '../helpers/errors.js';

const index = readVectors('cocoeval/index.json');

for (const [id, c] of Object.entries<any>(index.cases)) {
  test(`cocoeval ${id}: result_keypoints.json equal, stats exact for every evaluator`, (t) => {
    const v = readVectors(`cocoeval/${c.file}`);
    const gt = readJson(dataFile(v.gt_file));
    const names = imageIdsByFileName(gt);
    const rows = v.model_outputs.map((o: any) => ({ imageId: names.get(o.image_file)!, bboxId: o.bbox_id, preds: o.preds.flat(), box: o.box }));
    const cfg = v.data_cfg;
    const res = topDownCocoResults(rows, { numJoints: 17, sigmas: COCO_SIGMAS, useNms: cfg.use_nms ?? true, softNms: cfg.soft_nms, oksThr: cfg.oks_thr, visThr: cfg.vis_thr });
    t.true(isDeepStrictEqual(JSON.parse(JSON.stringify(res)), v.result_keypoints_json));
    for (const ev of COCO_EVALUATORS) {
      t.deepEqual(cocoKeypointEval(gt, v.result_keypoints_json, { sigmas: COCO_SIGMAS, evaluator: ev }).stats, c.stats[ev], ev);
    }
    t.deepEqual(Object.values(v.mmpose_evaluate_return), c.stats['xtcocotools_1.6']);
    // OKS matrices of xtcocotools 1.6
    const ev = new CocoKeypointEval(gt, v.result_keypoints_json, { sigmas: COCO_SIGMAS });
    // exp() of V8 and of numpy may differ in the last bit: OKS agrees to ~1e-15 relative
    for (const [img, rowsExp] of Object.entries<number[][]>(v['ious_dt_by_gt_xtcocotools_1.6'])) {
      const m = ev.oksMatrix(Number(img));
      t.is(m.length, rowsExp.length, `OKS rows of image ${img}`);
      rowsExp.forEach((r, i) => r.forEach((x, j) => t.true(Math.abs(m[i][j] - x) <= 2e-15 * Math.abs(x), `OKS image ${img} [${i}][${j}]: ${m[i][j]} vs ${x}`)));
    }
    // the one-call evaluate glue gives the same
    const all = evaluateTopDown(rows, gt, { dataset: 'coco', useNms: cfg.use_nms ?? true, softNms: cfg.soft_nms, oksThr: cfg.oks_thr, visThr: cfg.vis_thr });
    t.deepEqual(all.score, { kind: 'coco', stats: c.stats['xtcocotools_1.6'] });
    // the 'score' entry point gives the same
    const s = scoreCocoKeypointResults(v.result_keypoints_json, gt);
    t.deepEqual(s, { kind: 'coco', stats: c.stats['xtcocotools_1.6'] });
  });
}

test('cocoeval wholebody: results split into parts, stats per part exact for every evaluator', (t) => {
  const w = index.wholebody;
  const v = readVectors(`cocoeval/${w.file}`);
  const gt = readJson(dataFile(v.gt_file));
  const names = imageIdsByFileName(gt);
  const ds = DATASETS.coco_wholebody;
  const rows = v.model_outputs.map((o: any) => ({ imageId: names.get(o.image_file)!, bboxId: o.bbox_id, preds: o.preds.flat(), box: o.box }));
  const res = topDownCocoResults(rows, { numJoints: 133, sigmas: ds.sigmas!, oksThr: v.data_cfg.oks_thr, visThr: v.data_cfg.vis_thr, softNms: v.data_cfg.soft_nms, wholebodyParts: ds.parts });
  t.true(isDeepStrictEqual(JSON.parse(JSON.stringify(res)), v.result_keypoints_json));
  for (const ev of ['xtcocotools_1.6', 'xtcocotools_1.8', 'xtcocotools_1.9-1.11', 'xtcocotools_1.14'] as const) {
    const st = wholeBodyEval(gt, v.result_keypoints_json, ev);
    for (const part of ['body', 'foot', 'face', 'lefthand', 'righthand', 'wholebody'] as const) {
      t.deepEqual(st[part], w.stats_by_part[`keypoints_${part}`][ev], `${ev} ${part}`);
    }
  }
  const all = evaluateTopDown(rows, gt, { dataset: 'coco_wholebody', oksThr: v.data_cfg.oks_thr, visThr: v.data_cfg.vis_thr, softNms: v.data_cfg.soft_nms });
  t.true(all.score.kind === 'wholebody' && isDeepStrictEqual(all.score.stats.wholebody, w.stats_by_part.keypoints_wholebody['xtcocotools_1.6']));
  const s = scoreCocoKeypointResults(v.result_keypoints_json, gt);
  t.is(s.kind, 'wholebody');
  if (s.kind === 'wholebody') {
    t.deepEqual(s.stats.wholebody, Object.values(v['mmpose_evaluate_return (= keypoints_wholebody stats)']));
    t.deepEqual(s.handMean, s.stats.lefthand.map((x, i) => (x + s.stats.righthand[i]) / 2));
  }
});

// ---- hand-checked cases ----

/** COCOeval's precision of a run of n true positives: n / (n + eps), 1 - 2^-52 for n = 1 */
const P1 = 1 / (1 + 2.220446049250313e-16);
function close(t: import('ava').ExecutionContext, actual: number[], expected: number[]): void {
  t.is(actual.length, expected.length);
  actual.forEach((a, i) => t.true(Math.abs(a - expected[i]) <= 1e-12, `stat ${i}: ${a} vs ${expected[i]}`));
}

/** 17 visible keypoints in a 2-pixel-step pattern from (x, y) */
function pose(x: number, y: number, v = 2): number[] {
  return Array.from({ length: 17 }, (_, k) => [x + 3 * k, y + 5 * k, v]).flat();
}
function gtFile(anns: Partial<CocoGtFile['annotations'][number]>[]): CocoGtFile {
  return {
    images: [{ id: 1, file_name: 'a.jpg', width: 1000, height: 1000 }],
    categories: [{ id: 1, name: 'person' }],
    annotations: anns.map((a, i) => ({ id: i + 1, image_id: 1, category_id: 1, iscrowd: 0, num_keypoints: 17, area: 5000, bbox: [0, 0, 100, 100], keypoints: pose(0, 0), ...a })),
  };
}
function det(kpts: number[], score: number, imageId = 1): CocoKeypointResult {
  return { image_id: imageId, category_id: 1, keypoints: kpts.map((v, i) => (i % 3 === 2 ? 1 : v)), score };
}

test('ground truth submitted as predictions gives AP 1.0 (all ten stats on test_coco.json)', (t) => {
  const gt: CocoGtFile = readJson(join(COCO, 'test_coco.json'));
  const res = gt.annotations.filter((a) => a.num_keypoints! > 0).map((a) => ({ image_id: a.image_id, category_id: 1, keypoints: a.keypoints!, score: 1 }));
  t.deepEqual(cocoKeypointEval(gt, res, { sigmas: COCO_SIGMAS }).stats, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
});

test('a known shift: OKS between 0.70 and 0.75 is matched at 5 of 10 thresholds (AP = AR = 0.5, medium area only)', (t) => {
  const gt = gtFile([{ keypoints: pose(100, 100) }]);
  const d = 5.5; // pixels, along x for every keypoint
  const oks = COCO_SIGMAS.reduce((s, sg) => s + Math.exp(-(d * d) / (2 * sg) ** 2 / (5000 + 2.220446049250313e-16) / 2), 0) / 17;
  t.true(oks > 0.7 && oks < 0.75, `OKS ${oks}`);
  const r = new CocoKeypointEval(gt, [det(pose(100 + d, 100), 0.9)], { sigmas: COCO_SIGMAS });
  t.true(Math.abs(r.oksMatrix(1)[0][0] - oks) < 1e-15);
  // AP, AP50, AP75, APM, APL(-1: no large GT), AR, AR50, AR75, ARM, ARL; one TP has precision 1/(1+eps)
  close(t, r.run().stats, [0.5 * P1, P1, 0, 0.5 * P1, -1, 0.5, 1, 0, 0.5, -1]);
});

test('precision envelope: TP, FP, TP gives AP = (51 + 50·2/3)/101 at every threshold', (t) => {
  const gt = gtFile([{ keypoints: pose(100, 100) }, { keypoints: pose(500, 500) }]);
  const res = [det(pose(100, 100), 0.9), det(pose(800, 100), 0.8), det(pose(500, 500), 0.7)];
  const stats = cocoKeypointEval(gt, res, { sigmas: COCO_SIGMAS }).stats;
  const p2 = 2 / (1 + 2 + 2.220446049250313e-16);
  const ap = (51 * 1 + 50 * p2) / 101;
  t.true(Math.abs(stats[0] - ap) < 1e-12, `AP ${stats[0]} vs ${ap}`);
  t.is(stats[5], 1); // both found
  // score ties are broken by file order (stable sorts): FP first when it comes first
  const tied = cocoKeypointEval(gt, [det(pose(800, 100), 0.9), det(pose(100, 100), 0.9), det(pose(500, 500), 0.9)], { sigmas: COCO_SIGMAS }).stats;
  t.true(tied[0] < ap);
});

test('crowd GT: detections on it are ignored (and may match it repeatedly); as a normal GT they count', (t) => {
  const anns = [{ keypoints: pose(100, 100) }, { keypoints: pose(500, 500), iscrowd: 1 }];
  const res = [det(pose(500, 500), 0.95), det(pose(500, 500), 0.9), det(pose(100, 100), 0.5)];
  close(t, cocoKeypointEval(gtFile(anns), res, { sigmas: COCO_SIGMAS }).stats.slice(0, 3), [P1, P1, P1]);
  // as a normal GT: TP, FP (duplicate), TP -> precision 1 up to recall 0.5, then 2/3
  const normal = cocoKeypointEval(gtFile([anns[0], { keypoints: pose(500, 500) }]), res, { sigmas: COCO_SIGMAS }).stats;
  const p2 = 2 / (1 + 2 + 2.220446049250313e-16);
  close(t, [normal[0], normal[5]], [(51 * P1 + 50 * p2) / 101, 1]);
});

test('GT with num_keypoints 0 is ignored: a detection inside its doubled box is neither TP nor FP', (t) => {
  const anns = [{ keypoints: pose(100, 100) }, { keypoints: new Array(51).fill(0), num_keypoints: 0, bbox: [600, 600, 50, 50] }];
  const res = [det(pose(100, 100), 0.5), det(pose(610, 610).map((v, i) => (i % 3 === 0 ? 610 : i % 3 === 1 ? 615 : v)), 0.9)];
  close(t, cocoKeypointEval(gtFile(anns), res, { sigmas: COCO_SIGMAS }).stats.slice(0, 3), [P1, P1, P1]);
  // without the ignored GT the same detection is a false positive ranked first: precision 1/2 everywhere
  const counted = cocoKeypointEval(gtFile([anns[0]]), res, { sigmas: COCO_SIGMAS }).stats;
  close(t, counted.slice(0, 3), [1 / (2 + 2.220446049250313e-16), 1 / (2 + 2.220446049250313e-16), 1 / (2 + 2.220446049250313e-16)]);
});

test('evaluator differences: all-zero-score detections (dropped from 1.8), unmatched out-of-range detections (1.9-1.11 bug)', (t) => {
  const gt = gtFile([{ keypoints: pose(100, 100) }]);
  const zero = { ...det(pose(700, 700), 0.95), keypoints: pose(700, 700, 0) };
  const res = [zero, det(pose(100, 100), 0.5)];
  const s16 = cocoKeypointEval(gt, res, { sigmas: COCO_SIGMAS, evaluator: 'xtcocotools_1.6' }).stats;
  const s18 = cocoKeypointEval(gt, res, { sigmas: COCO_SIGMAS, evaluator: 'xtcocotools_1.8' }).stats;
  t.true(s16[0] < 1); // a false positive ranked first
  close(t, [s18[0]], [P1]);
  // a large false positive: outside the medium range, ignored for AP (M) except by 1.9-1.11
  const big = det(Array.from({ length: 17 }, (_, k) => [k * 40, k * 40, 1]).flat(), 0.99);
  const r = [big, det(pose(100, 100), 0.5)];
  const ok = cocoKeypointEval(gt, r, { sigmas: COCO_SIGMAS, evaluator: 'xtcocotools_1.14' }).stats;
  const bug = cocoKeypointEval(gt, r, { sigmas: COCO_SIGMAS, evaluator: 'xtcocotools_1.9-1.11' }).stats;
  close(t, [ok[3]], [P1]);
  t.true(bug[3] < 1);
  t.is(ok[0], bug[0]);
});

test('rescoring: mean of scores > vis_thr times the box score, 0 when none passes', (t) => {
  const p = [0, 0, 0.5, 0, 0, 0.2, 0, 0, Math.fround(0.9)];
  t.is(rescore(p, 3, Math.fround(0.8)), ((0.5 + Math.fround(0.9)) / 2) * Math.fround(0.8));
  t.is(rescore([0, 0, 0.1], 1, 0.9), 0);
});

test('bad input names the place', (t) => {
  const gt = gtFile([{}]);
  const e = expectPoseError(t, () => cocoKeypointEval(gt, [{ ...det(pose(0, 0), 1), image_id: 99 }], { sigmas: COCO_SIGMAS }));
  t.is(e.code, 'ANNOTATION_FORMAT');
  t.regex(e.message, /image_id 99/);
  const e2 = expectPoseError(t, () => scoreCocoKeypointResults([{ image_id: 1, category_id: 1, score: 1 }], gt));
  t.regex(e2.message, /results\[0\] has no numeric 'keypoints'/);
  const e3 = expectPoseError(t, () => cocoKeypointEval(gt, [det(pose(0, 0), 1)], { sigmas: COCO_SIGMAS, evaluator: 'foo' as never }));
  t.is(e3.code, 'USAGE');
});

test('speed: 2000 images, 12000 GT, 40000 detections evaluate in seconds', (t) => {
  const images = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, file_name: `${i}.jpg`, width: 1000, height: 1000 }));
  const annotations: CocoGtFile['annotations'] = [];
  const results: CocoKeypointResult[] = [];
  let id = 1;
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const img of images) {
    for (let p = 0; p < 6; p++) {
      const x = 50 + p * 150;
      annotations.push({ id: id++, image_id: img.id, category_id: 1, iscrowd: 0, num_keypoints: 17, area: 2000 + 3000 * p, bbox: [x, 100, 100, 300], keypoints: pose(x, 100) });
    }
    for (let d = 0; d < 20; d++) {
      const x = 50 + (d % 6) * 150;
      results.push({ image_id: img.id, category_id: 1, score: rnd(), keypoints: pose(x + rnd() * 6 - 3, 100 + rnd() * 6 - 3).map((v, i) => (i % 3 === 2 ? 0.9 : v)) });
    }
  }
  const t0 = Date.now();
  const stats = cocoKeypointEval({ images, annotations, categories: [{ id: 1 }] }, results, { sigmas: COCO_SIGMAS }).stats;
  const ms = Date.now() - t0;
  t.log(`COCOeval of ${results.length} detections / ${annotations.length} GT: ${ms} ms, AP ${stats[0].toFixed(4)}`);
  t.true(ms < 60000);
  t.true(stats[0] > 0 && stats[0] <= 1);
});
