/**
 * A whole heatmap artifact (the bundled default checkpoint, fixtures/default, a small
 * ResNet SimpleBaseline at 256x192, batch 2) on every browser backend: onnxruntime-web
 * wasm and webgpu, TF.js wasm, webgl and webgpu in headless chromium, each proved to run
 * where it was asked to (demo/backends.js), against onnxruntime-node on the same input.
 * Heatmaps: relative L2 <= 1e-5 and max |diff| <= 1e-4 * max |ref|; the keypoints decoded
 * from them (default decoding, src/eval) within 0.01 px of Node's.
 */
import test from 'ava';
import { join } from 'node:path';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { emitTfjs, writeTfjs } from '../../src/emit/tfjs/index.js';
import { decodeHeatmaps } from '../../src/eval/decode.js';
import { openCheckpoint } from '../../src/pth/index.js';
import { ROOT } from '../helpers/ckpt.js';
import { diff, withinParity } from '../helpers/compare.js';
import { buildFolded } from '../emit/tfjs/family-model.js';
import { nchwToNhwc, randomData, runOnnx } from '../emit/tfjs/runtime.js';
import { chromiumPresent } from './chromium.js';
import { BROWSER_BACKENDS, openHarness } from './harness.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const [N, H, W] = [2, 256, 192];
const CENTER = [[100, 120], [300, 200]];
const SCALE = [[1.2, 1.6], [0.9, 1.2]];

function keypointsOf(heatmaps: ArrayLike<number>, shape: number[]): Float32Array {
  return decodeHeatmaps(Float32Array.from(heatmaps), { shape, method: 'default', center: CENTER, scale: SCALE }).keypoints;
}

function pxDistances(a: Float32Array, b: Float32Array): number[] {
  const d: number[] = [];
  for (let i = 0; i < a.length; i += 2) d.push(Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]));
  return d.sort((x, y) => x - y);
}

test.serial('the default checkpoint\'s heatmap artifact on every browser backend matches onnxruntime-node', async (t) => {
  if (!chromiumPresent(t)) return;
  const ckpt = await openCheckpoint(CKPT);
  const { graph } = buildFolded(ckpt.tensors, [H, W]);
  const onnx = emitOnnx(graph);
  const tfjs = emitTfjs(graph, { outputLayout: 'NCHW' });
  ckpt.close();
  const input = randomData(N * 3 * H * W, 11, -2, 2);
  const [ref] = await runOnnx(onnx, input, [N, 3, H, W], ['heatmaps']);
  const refKp = keypointsOf(ref.data, ref.shape);

  const h = await openHarness(t, { gpu: true });
  writeTfjs(join(h.files, 'tfjs'), tfjs);
  const models = { onnx: h.put('model.onnx', onnx), tfjs: '/files/tfjs/model.json' };
  const inputs = {
    onnx: { url: h.put('nchw.bin', input), dtype: 'float32' as const, shape: [N, 3, H, W] },
    tfjs: { url: h.put('nhwc.bin', nchwToNhwc(input, [N, 3, H, W])), dtype: 'float32' as const, shape: [N, H, W, 3] },
  };
  for (const [runtime, backend] of BROWSER_BACKENDS) {
    const p = await h.page();
    const where = `${runtime} ${backend}`;
    const r = await p.run({ runtime, backend, model: models[runtime], inputs: { input: inputs[runtime] }, outputs: ['heatmaps'], reps: 1 }).catch((e) => {
      throw new Error(`${where}: ${String(e)}\n${p.log.slice(-10).join('\n')}`);
    });
    await p.page.close();
    t.is(r.facts.backend ?? r.facts.ep, backend, `${where}: ${JSON.stringify(r.facts)}`);
    t.deepEqual(r.outputs.heatmaps.shape, ref.shape);
    const d = diff(r.outputs.heatmaps.data, ref.data);
    const px = pxDistances(keypointsOf(r.outputs.heatmaps.data, r.outputs.heatmaps.shape), refKp);
    const line = `${where}: heatmaps relL2 ${d.relL2.toExponential(2)} maxAbs ${d.maxAbs.toExponential(2)} (max |ref| ${d.maxRef.toFixed(3)}); keypoints max ${px[px.length - 1].toFixed(4)} px, median ${px[px.length >> 1].toFixed(4)} px; ${r.ms.map((m) => m.toFixed(0)).join(' / ')} ms for ${N} (first run: includes shader compilation)`;
    t.log(line);
    t.true(withinParity(d), line);
    t.true(px[px.length - 1] <= 0.01, line);
  }
});
