/**
 * The well-posedness criterion (src/eval/well-posed.ts) is not vacuous: Gaussian peaks at
 * sub-pixel centres (MMPose's targets, sigma 2) are well-posed for every decoding; an exact
 * tie of two equal peaks is ill-posed for every decoding (the move is the distance between
 * them); a flat log-map (one very broad peak: DARK's Hessian near zero) is ill-posed for
 * DARK. 48x64 maps, a 192-px-wide box (4 image px per heatmap px).
 */
import test from 'ava';
import type { DecodeMethod } from '../../src/eval/decode.js';
import { wellPosedKeypoints } from '../../src/eval/well-posed.js';

const H = 64;
const W = 48;
const PX_PER_CELL = 4;

/** [1, peaks.length, H, W]: channel k is amplitude·exp(−d²/2σ²) around peaks[k] (several centres summed). */
function maps(channels: { centres: [number, number][]; sigma: number }[]): Float32Array {
  const out = new Float32Array(channels.length * H * W);
  channels.forEach(({ centres, sigma }, k) => {
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let v = 0;
        for (const [cx, cy] of centres) v += Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
        out[(k * H + y) * W + x] = v;
      }
  });
  return out;
}

function classify(hm: Float32Array, k: number, method: DecodeMethod) {
  return wellPosedKeypoints(hm, { shape: [1, k, H, W], method, kernel: method === 'megvii' ? 5 : 11, center: [[500, 400]], scale: [[(W * PX_PER_CELL) / 200, (H * PX_PER_CELL) / 200]] });
}

// centres off the grid and off half-pixels (a centre on x.0 or x.5 ties the neighbours the quarter step compares)
const GAUSSIANS = Array.from({ length: 12 }, (_, i) => ({ centres: [[6.37 + 3.1 * i, 8.71 + 4.05 * i] as [number, number]], sigma: 2 }));
// two equal peaks on integer centres: the first in row-major order wins in the reference
const TIES = [
  { centres: [[10, 12], [30, 40]] as [number, number][], sigma: 2 },
  { centres: [[20, 20], [28, 20]] as [number, number][], sigma: 1 },
];

for (const method of ['default', 'dark', 'megvii'] as const) {
  test(`${method}: Gaussian peaks are well-posed`, (t) => {
    const r = classify(maps(GAUSSIANS), GAUSSIANS.length, method);
    t.log(`largest move ${Math.max(...r.movement).toExponential(2)} px`);
    t.is(r.illPosed, 0, `moves ${Array.from(r.movement).map((m) => m.toExponential(1))}`);
  });

  test(`${method}: an exact tie of two peaks is ill-posed (it moves to the other peak)`, (t) => {
    const r = classify(maps(TIES), TIES.length, method);
    t.log(`moves ${Array.from(r.movement).map((m) => m.toFixed(2))} px`);
    t.is(r.illPosed, TIES.length);
    TIES.forEach(({ centres: [a, b] }, k) => t.true(r.movement[k] >= 0.9 * PX_PER_CELL * Math.hypot(a[0] - b[0], a[1] - b[1]), `tie ${k}: ${r.movement[k]} px`));
  });
}

test('dark: a flat log-map (one peak of sigma 300 cells, curvature ~1e-5) is ill-posed; sigma 2 and 10 are not', (t) => {
  const chans = [300, 2, 10].map((sigma) => ({ centres: [[20.3, 30.6]] as [number, number][], sigma }));
  const r = classify(maps(chans), chans.length, 'dark');
  t.log(`moves ${Array.from(r.movement).map((m) => m.toExponential(2))} px`);
  t.deepEqual(r.wellPosed, [false, true, true]);
});
