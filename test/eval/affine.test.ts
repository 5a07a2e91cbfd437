import test from 'ava';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { xywh2cs, mpiiCenterScale } from '../../src/eval/bbox.js';
import { getAffineTransform, solveAffine } from '../../src/eval/affine.js';
import type { ImageU8 } from '../../src/core/image.js';
import { warpAffineLinear, invertAffine } from '../../src/eval/warp.js';
import { toNormalizedTensor, IMAGENET_MEAN, IMAGENET_STD } from '../../src/eval/normalize.js';
import { groundTruthPersons, detectionPersons, mpiiPersons } from '../../src/eval/persons.js';
import { COCO, MPII, readDataJson as readJson } from '../helpers/data.js';
import { readVectors, u8FromB64 } from './vectors.js';

const vec = readVectors('affine.json');
const image: ImageU8 = { data: u8FromB64(vec.image.decoded_rgb), width: vec.image.shape_hwc[1], height: vec.image.shape_hwc[0], channels: 3 };
const sha256 = (b: ArrayBufferView): string => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');

test('xywh2cs: every case exact in float32', (t) => {
  for (const c of vec.xywh2cs) {
    const [x, y, w, h] = c.bbox_xywh;
    const r = xywh2cs(x, y, w, h, c.image_size_wh);
    t.deepEqual(r.center, c.center, JSON.stringify(c.bbox_xywh));
    t.deepEqual(r.scale, c.scale, JSON.stringify(c.bbox_xywh));
  }
  // the 1.25 is applied in float32 after rounding w/200: not f32(w*1.25/200)
  const r = xywh2cs(0, 0, 150, 200, [192, 256]);
  t.is(r.scale[0], Math.fround(Math.fround(150 / 200) * Math.fround(1.25)));
});

test('GT-box database of test_coco.json (use_gt_bbox=True): sanitised boxes, per-image bbox_id, 12 entries', (t) => {
  const gt = readJson(join(COCO, 'test_coco.json'));
  const db = groundTruthPersons(gt, [192, 256]);
  t.is(db.length, vec.coco_gt_bbox_db.length);
  db.forEach((p, i) => {
    const e = vec.coco_gt_bbox_db[i];
    t.is(p.imageFile, e.image_file);
    t.is(p.bboxId, e.bbox_id);
    t.deepEqual(p.cleanBbox, e.clean_bbox_xywh);
    t.deepEqual(p.center, e.center);
    t.deepEqual(p.scale, e.scale);
    t.is(p.bboxScore, 1);
  });
});

test('detection database (use_gt_bbox=False) for det_bbox_thr 0.0 and 0.4: one bbox_id counter over the file', (t) => {
  const gt = readJson(join(COCO, 'test_coco.json'));
  const dets = readJson(join(COCO, 'test_coco_det_AP_H_56.json'));
  for (const thr of ['0.0', '0.4']) {
    const db = detectionPersons(dets, gt, [192, 256], Number(thr));
    const exp = vec.coco_det_db[thr];
    t.is(db.length, exp.num_boxes_kept);
    db.forEach((p, i) => {
      const e = exp.entries[i];
      t.deepEqual([p.imageFile, p.bboxId, p.bboxScore, p.center, p.scale], [e.image_file, e.bbox_id, e.bbox_score, e.center, e.scale]);
    });
  }
});

test('MPII centre/scale (float64) and their float32 copies', (t) => {
  const entries = readJson(join(MPII, 'test_mpii.json'));
  const db = mpiiPersons(entries);
  for (const e of vec.mpii_center_scale) {
    const r = mpiiCenterScale(e.json_center, e.json_scale);
    t.deepEqual(r.center, e.center);
    t.deepEqual(r.scale, e.scale);
    t.deepEqual(r.center.map(Math.fround), e.center_as_float32);
    t.deepEqual(r.scale.map(Math.fround), e.scale_as_float32);
    const p = db.find((d) => d.imageFile === e.image);
    t.deepEqual(p?.center, e.center);
  }
});

for (const [i, w] of vec.warps.entries()) {
  test(`warp ${i} ${w.name}: matrices exact, crop sha256/sum exact, normalised tensor sha256 exact`, (t) => {
    const dtype = w.center_scale_dtype[0] as 'float32' | 'float64';
    const fwd = getAffineTransform(w.center, w.scale, w.output_size_wh, { dtype });
    t.deepEqual(Array.from(fwd), w.trans_fwd.flat());
    const inv = getAffineTransform(w.center.map(Math.fround), w.scale.map(Math.fround), w.heatmap_size_wh, { inv: true, dtype: 'float32' });
    t.deepEqual(Array.from(inv), w.trans_inv_heatmap.flat());
    const [wo, ho] = w.output_size_wh;
    const crop = warpAffineLinear(image, fwd, wo, ho);
    t.deepEqual([crop.height, crop.width, crop.channels], w.warped_shape_hwc);
    t.is(crop.data.reduce((s, v) => s + v, 0), w.warped_sum);
    t.is(sha256(crop.data), w.warped_sha256);
    if (w.warped_full) t.deepEqual(crop.data, u8FromB64(w.warped_full));
    const tensor = toNormalizedTensor(crop);
    t.is(sha256(tensor), w.normalized_sha256_f32le_chw);
    let sum = 0;
    for (const v of tensor) sum += v;
    t.true(Math.abs(sum - w.normalized_sum_f64) <= 1e-6 * Math.abs(w.normalized_sum_f64) + 1e-6);
    for (const s of w.samples) {
      const o = (s.y * wo + s.x) * 3;
      t.deepEqual(Array.from(crop.data.subarray(o, o + 3)), s.rgb);
      t.deepEqual([0, 1, 2].map((c) => tensor[c * wo * ho + s.y * wo + s.x]), s.normalized_chw);
    }
  });
}

test('OpenCV LU solve: exact inverse relationship and zero matrix for degenerate points', (t) => {
  const m = getAffineTransform([100, 50], [1, 1], [192, 256]);
  const back = invertAffine(m);
  const mi = getAffineTransform([100, 50], [1, 1], [192, 256], { inv: true });
  for (let k = 0; k < 6; k++) t.true(Math.abs(back[k] - mi[k]) < 1e-9);
  t.deepEqual(Array.from(solveAffine([[0, 0], [0, 0], [0, 0]], [[1, 1], [2, 2], [3, 3]])), [0, 0, 0, 0, 0, 0]);
});

test('warp: a crop entirely outside the image is black; fixed point differs from float bilinear', (t) => {
  const m = getAffineTransform([5000, 5000], [0.5, 0.5], [48, 64]);
  t.true(warpAffineLinear(image, m, 48, 64).data.every((v) => v === 0));
  // sub-pixel positions are quantised to 1/32 px: shifting by 1/100 px changes nothing
  const a = warpAffineLinear(image, Float64Array.of(1, 0, -100, 0, 1, -100), 16, 16);
  const b = warpAffineLinear(image, Float64Array.of(1, 0, -100.01, 0, 1, -100.01), 16, 16);
  t.deepEqual(a.data, b.data);
  t.deepEqual(IMAGENET_MEAN, vec.normalize.mean);
  t.deepEqual(IMAGENET_STD, vec.normalize.std);
});
