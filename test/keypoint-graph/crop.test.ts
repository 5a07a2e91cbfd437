/**
 * The keypoint graphs' crop (src/keypoint-graph/crop.ts, crop-positions.ts) against
 * OpenCV's `cv2.warpAffine(..., INTER_LINEAR)` with a black border:
 *
 * - the reference vectors' crops made by MMPose v0.12's own TopDownAffine with OpenCV 4.6
 *   (test/data/vectors/affine.json: real detections, boxes outside the image, 256x192,
 *   384x288, 64x48, MPII's float64 center/scale): every one equal, sha256 of the crop;
 * - the GT boxes of the COCO and MPII test images, against the TypeScript crop (bit-equal
 *   to OpenCV by test/eval/affine.test.ts): the share of values equal and the largest
 *   grey-level difference, stated and bounded;
 * - the sample positions of 3000 random boxes (positions to 4000 px, sizes to 1500 px):
 *   every position that differs from OpenCV's float64 one lies exactly on a half unit of
 *   its 1/1024-px rounding, where the last bit of OpenCV's float64 matrix (its LU solve)
 *   decides the side; none elsewhere.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { getAffineTransform } from '../../src/eval/affine.js';
import { xywh2cs } from '../../src/eval/bbox.js';
import { invertAffine } from '../../src/eval/warp.js';
import { rint } from '../../src/eval/numpy-compat.js';
import type { ImageU8 } from '../../src/io/image.js';
import { decodeImage } from '../../src/io/image.js';
import { comparePixels, cropSession, referenceCrop, samplePositionsOf, type PixelStats } from '../helpers/keypoint-crop.js';
import { groundTruthBoxes } from '../helpers/keypoint-parity.js';
import { mulberry32 } from '../helpers/manifest-tensors.js';
import { readVectors, u8FromB64 } from '../eval/vectors.js';

const f = Math.fround;
const vec = readVectors('affine.json');

test('the in-graph crop equals cv2.warpAffine on every reference vector (sha256)', async (t) => {
  const image: ImageU8 = { data: u8FromB64(vec.image.decoded_rgb), width: vec.image.shape_hwc[1], height: vec.image.shape_hwc[0], channels: 3 };
  for (const w of vec.warps) {
    const [wo, ho] = w.output_size_wh;
    const s = await cropSession('center-scale', [ho, wo]);
    const [got] = await s.run(image, [[...w.center, ...w.scale]]);
    await s.release();
    t.is(createHash('sha256').update(got).digest('hex'), w.warped_sha256, w.name);
    if (w.warped_full) t.deepEqual(got, u8FromB64(w.warped_full), w.name);
  }
  t.log(`${vec.warps.length} OpenCV crops equal`);
});

// measured: 3 of the 19 boxes (COCO 14, MPII 5) differ, 620 of 2.8e6 values (0.022 %), by at most 2 grey levels
const MAX_GREY = 2;
const MIN_EQUAL_SHARE = 0.999;

test('the in-graph crop equals the TypeScript (OpenCV) crop on the GT boxes of the COCO and MPII test images, but for rounding ties', async (t) => {
  const total: PixelStats = { values: 0, differing: 0, maxDiff: 0 };
  let boxes = 0;
  let differ = 0;
  for (const dataset of ['coco', 'mpii'] as const) {
    const size: [number, number] = dataset === 'mpii' ? [256, 256] : [256, 192];
    const s = await cropSession('boxes', size);
    for (const [file, list] of groundTruthBoxes(dataset)) {
      const img = await decodeImage(file);
      const got = await s.run(img, list);
      list.forEach((b, i) => {
        const before = total.differing;
        comparePixels(got[i], referenceCrop(img, b, size), total);
        boxes++;
        if (total.differing > before) differ++;
      });
    }
    await s.release();
  }
  const share = 1 - total.differing / total.values;
  t.log(`${boxes} boxes, ${differ} with a difference; ${total.differing} of ${total.values} values differ (${(100 * share).toFixed(3)} % equal), max ${total.maxDiff} grey levels`);
  t.true(share >= MIN_EQUAL_SHARE, `${(100 * share).toFixed(3)} % equal`);
  t.true(total.maxDiff <= MAX_GREY, `max ${total.maxDiff} grey levels`);
});

/** Whether `num / den` (den a positive integer) is exactly k + 1/2: `2·num/den` an odd integer. */
function halfUnit(num: number, den: number): boolean {
  const q = (2 * num) / den;
  return Number.isInteger(q) && Math.abs(q % 2) === 1;
}

test('sample positions: OpenCV float64 positions everywhere but on exact half-unit ties (3000 random boxes)', async (t) => {
  const [ho, wo] = [256, 192];
  const rnd = mulberry32(12);
  const cs = Array.from({ length: 3000 }, () => {
    const w = 5 + rnd() * 1500;
    const h = 5 + rnd() * 1500;
    const r = xywh2cs(rnd() * 4000 - 200, rnd() * 3000 - 200, w, h, [wo, ho]);
    return [...r.center, ...r.scale];
  });
  const { X, Y } = await samplePositionsOf(cs, [ho, wo]);
  let ties = 0;
  let other = 0;
  let tieBoxes = 0;
  cs.forEach(([cx, cy, s0, s1], i) => {
    const inv = invertAffine(getAffineTransform([cx, cy], [s0, s1], [wo, ho]));
    // the exact frame OpenCV's matrix stands for (see AffineFrame): float32 points, real arithmetic
    const sw = f(f(s0) * 200);
    const top = f(f(cy) - f(sw * 0.5));
    const u = f(f(cx) - f(f(cy) - top));
    let tie = false;
    const x0Tie = halfUnit(u * 1024 * 2, 2);
    for (let x = 0; x < wo; x++) {
      const want = (rint(inv[2] * 1024) + 16 + rint(inv[0] * x * 1024)) >> 5;
      if (X[i * wo + x] === want) continue;
      if (x0Tie || halfUnit((f(cx) - u) * 2048 * x, wo)) (ties++, (tie = true));
      else other++;
    }
    for (let y = 0; y < ho; y++) {
      const want = (rint((inv[4] * y + inv[5]) * 1024) + 16) >> 5;
      if (Y[i * ho + y] === want) continue;
      // (t + 2(cy − t)(y − c)/Wo)·1024 = S / Wo
      if (halfUnit(top * 1024 * wo + (f(cy) - top) * 2048 * (y - (ho - wo) / 2), wo)) (ties++, (tie = true));
      else other++;
    }
    if (tie) tieBoxes++;
  });
  t.log(`${cs.length} boxes, ${cs.length * (wo + ho)} positions: ${ties} differ at a half-unit tie (${tieBoxes} boxes), ${other} elsewhere`);
  t.is(other, 0);
});
