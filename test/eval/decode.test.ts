import test from 'ava';
import { decodeHeatmaps, argmaxHeatmaps, type DecodeMethod } from '../../src/eval/decode.js';
import { gaussianKernel } from '../../src/eval/gaussian.js';
import { getAffineTransform } from '../../src/eval/affine.js';
import { PosePortError } from '../../src/core/errors.js';
import { readVectors, f32FromB64, flat, sameNumber } from './vectors.js';
import { expectPoseError } from '../helpers/errors.js';

const vec = readVectors('decode.json');
const methodOf = (m: { post_process: string }): DecodeMethod => (m.post_process === 'unbiased' ? 'dark' : (m.post_process as DecodeMethod));

/** tolerances of spec/vectors/README.md */
const TOL: Record<string, { preds: number; maxvals: number }> = {
  default: { preds: 0, maxvals: 0 },
  unbiased_k11: { preds: 2e-3, maxvals: 0 },
  unbiased_k17: { preds: 2e-3, maxvals: 0 },
  megvii_k5: { preds: 0, maxvals: 2e-7 },
};

for (const c of vec.cases) {
  test(`decode.json ${c.id}: argmax and every method within the README tolerance`, (t) => {
    const hm = f32FromB64(c.heatmaps);
    const coords = new Float32Array(c.N * c.K * 2);
    const maxv = new Float32Array(c.N * c.K);
    argmaxHeatmaps(hm, c.N, c.K, c.H, c.W, coords, maxv);
    t.deepEqual(Array.from(coords), flat(c.argmax_xy));
    t.true(flat(c.argmax_maxvals).every((v, i) => sameNumber(v, maxv[i])));
    for (const [name, m] of Object.entries<any>(vec.methods)) {
      const before = hm.slice();
      const r = decodeHeatmaps(hm, { shape: [c.N, c.K, c.H, c.W], method: methodOf(m), kernel: m.kernel, center: c.center, scale: c.scale });
      t.deepEqual(hm, before, 'input untouched');
      const ep = flat(c.results[name].preds);
      const em = flat(c.results[name].maxvals);
      let maxP = 0;
      let maxM = 0;
      for (let i = 0; i < ep.length; i++) {
        if (sameNumber(r.keypoints[i], ep[i])) continue;
        maxP = Math.max(maxP, Number.isNaN(r.keypoints[i] - ep[i]) ? Infinity : Math.abs(r.keypoints[i] - ep[i]));
      }
      for (let i = 0; i < em.length; i++) {
        if (sameNumber(r.scores[i], em[i])) continue;
        maxM = Math.max(maxM, Number.isNaN(r.scores[i] - em[i]) ? Infinity : Math.abs(r.scores[i] - em[i]));
      }
      t.true(maxP <= TOL[name].preds, `${name}: preds max |diff| ${maxP} px`);
      t.true(maxM <= TOL[name].maxvals, `${name}: maxvals max |diff| ${maxM}`);
    }
  });
}

test("'unbiased' is an alias of 'dark'", (t) => {
  const c = vec.cases[0];
  const hm = f32FromB64(c.heatmaps);
  const o = { shape: [c.N, c.K, c.H, c.W], kernel: 17, center: c.center, scale: c.scale } as const;
  t.deepEqual(decodeHeatmaps(hm, { ...o, method: 'unbiased' }), decodeHeatmaps(hm, { ...o, method: 'dark' }));
});

test('Gaussian kernels are the float32 values of spec §6.5 (OpenCV getGaussianKernel, sigma 0)', (t) => {
  t.deepEqual(Array.from(gaussianKernel(5)), [1, 4, 6, 4, 1].map((v) => v / 16));
  t.deepEqual(Array.from(gaussianKernel(11)).slice(0, 6), [0.00881222914904356, 0.027143577113747597, 0.06511405855417252, 0.12164907157421112, 0.17699836194515228, 0.2005654126405716]);
  t.deepEqual(Array.from(gaussianKernel(17)).slice(0, 9), [
    0.0030720364302396774, 0.007494250312447548, 0.01623266376554966, 0.03121843934059143, 0.05330798774957657, 0.0808226615190506,
    0.1088012233376503, 0.13004514575004578, 0.13801118731498718,
  ]);
});

// ---- own cases from the spec ----

/** one 1x1xHxW heatmap with the given (x, y) -> value entries */
function single(h: number, w: number, entries: [number, number, number][], fill = 0): Float32Array {
  const a = new Float32Array(h * w).fill(fill);
  for (const [x, y, v] of entries) a[y * w + x] = v;
  return a;
}
const CS = { center: [[100, 200]], scale: [[0.48, 0.64]] };
/** heatmap (x, y) -> image, as transform_preds maps it (W=48, H=64) */
function toImage(x: number, y: number): [number, number] {
  const m = getAffineTransform(CS.center[0], CS.scale[0], [48, 64], { inv: true });
  return [Math.fround(m[0] * x + m[1] * y + m[2]), Math.fround(m[3] * x + m[4] * y + m[5])];
}

test('default: quarter step towards the larger neighbour, none at positions 0, 1 and W-1 (W-2 refined)', (t) => {
  const H = 64;
  const W = 48;
  const cases: [number, number, number, number][] = [
    // peak x, peak y, expected heatmap x, y
    [20, 30, 20.25, 29.75], // right and upper neighbours larger
    [1, 30, 1, 30], // px = 1: no refinement
    [0, 30, 0, 30],
    [W - 1, 30, W - 1, 30],
    [W - 2, 30, W - 2 + 0.25, 29.75], // W-2 allowed
    [20, 1, 20, 1], // py = 1
    [20, H - 2, 20.25, H - 2 - 0.25],
  ];
  for (const [px, py, ex, ey] of cases) {
    const e: [number, number, number][] = [[px, py, 1]];
    if (px + 1 < W) e.push([px + 1, py, 0.5]);
    if (px - 1 >= 0) e.push([px - 1, py, 0.25]);
    if (py - 1 >= 0) e.push([px, py - 1, 0.5]);
    if (py + 1 < H) e.push([px, py + 1, 0.25]);
    const r = decodeHeatmaps(single(H, W, e), { shape: [1, 1, H, W], method: 'default', ...CS });
    t.deepEqual(Array.from(r.keypoints), toImage(ex, ey), `peak at (${px}, ${py})`);
    t.is(r.scores[0], 1);
  }
});

test('flat, negative, all-zero and NaN channels: coordinates (-1, -1) mapped to the image', (t) => {
  const H = 64;
  const W = 48;
  const corner = toImage(-1, -1);
  for (const [name, hm, score] of [
    ['all zero', single(H, W, []), 0],
    ['negative', single(H, W, [[5, 5, -0.1]], -0.5), -0.1],
  ] as const) {
    for (const method of ['default', 'dark'] as const) {
      const r = decodeHeatmaps(hm, { shape: [1, 1, H, W], method, ...CS });
      t.deepEqual(Array.from(r.keypoints), corner, `${name} ${method}`);
      t.is(r.scores[0], Math.fround(score), `${name} ${method}`);
    }
  }
  // a flat positive map: first index wins, no step (neighbours equal)
  const flatMap = single(H, W, [], 0.5);
  const r = decodeHeatmaps(flatMap, { shape: [1, 1, H, W], method: 'default', ...CS });
  t.deepEqual(Array.from(r.keypoints), toImage(0, 0));
  // megvii: an all-zero channel gives NaN score (0/0 in the modulation) and (-1, -1)
  const m = decodeHeatmaps(single(H, W, []), { shape: [1, 1, H, W], method: 'megvii', ...CS });
  t.true(Number.isNaN(m.scores[0]));
  t.deepEqual(Array.from(m.keypoints), corner);
  // NaN anywhere: argmax takes the first NaN, maxval NaN, coordinates -1
  const withNaN = single(H, W, [[3, 3, NaN], [10, 10, 1]]);
  const n = decodeHeatmaps(withNaN, { shape: [1, 1, H, W], method: 'default', ...CS });
  t.true(Number.isNaN(n.scores[0]));
  t.deepEqual(Array.from(n.keypoints), corner);
});

test('DARK refines a sub-pixel Gaussian peak towards its true centre; megvii adds +0.5 only inside the border condition', (t) => {
  const H = 64;
  const W = 48;
  const cx = 20.3;
  const cy = 30.6;
  const hm = new Float32Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) hm[y * W + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 2 * 2));
  const d = decodeHeatmaps(hm, { shape: [1, 1, H, W], method: 'dark', kernel: 11, ...CS });
  const target = toImage(cx, cy);
  const sw = 0.48 * 200 / 48; // image px per heatmap px
  t.true(Math.abs(d.keypoints[0] - target[0]) < 0.05 * sw && Math.abs(d.keypoints[1] - target[1]) < 0.05 * sw);
  const plain = decodeHeatmaps(hm, { shape: [1, 1, H, W], method: 'default', ...CS });
  t.true(Math.abs(plain.keypoints[0] - target[0]) > Math.abs(d.keypoints[0] - target[0]));
  // megvii on a border peak: neither the step nor +0.5
  const border = single(H, W, [[0, 30, 255]]);
  const mb = decodeHeatmaps(border, { shape: [1, 1, H, W], method: 'megvii', ...CS });
  t.deepEqual(Array.from(mb.keypoints), toImage(0, 30));
});

test('decodeHeatmaps validates its options', (t) => {
  const hm = new Float32Array(2 * 3 * 4);
  const ok = { shape: [1, 2, 3, 4], method: 'default', center: [[0, 0]], scale: [[1, 1]] } as const;
  t.notThrows(() => decodeHeatmaps(hm, ok));
  const bad = (o: object): PosePortError => expectPoseError(t, () => decodeHeatmaps(hm, { ...ok, ...o } as never));
  t.is(bad({ shape: [1, 2, 3, 5] }).code, 'SHAPE_MISMATCH');
  t.is(bad({ center: [] }).code, 'SHAPE_MISMATCH');
  t.is(bad({ method: 'udp' }).code, 'USAGE');
  t.is(bad({ method: 'dark', kernel: 4 }).code, 'USAGE');
});
