/**
 * The demo page in a real browser (Debian's chromium, headless, driven by playwright-core):
 * a model converted here (rsn18 with manifest-shaped weights) is served with the demo on
 * 127.0.0.1; the page runs the TF.js model (wasm backend) and the ONNX model
 * (onnxruntime-web) on the bundled image's person box. Node runs the same models on the
 * same crop with the same decoding (demo/pose.js): the keypoints agree within 0.5 px.
 * A screenshot goes to .cache/screenshots/demo.png. In CI a missing chromium fails.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { emitTfjs, writeTfjs } from '../../src/emit/tfjs/index.js';
import { boxToCenterScale, cropInput, decodeHeatmaps, heatmapToImage } from '../../demo/pose.js';
import { ROOT } from '../helpers/ckpt.js';
import { tensorSetFromManifest } from '../helpers/manifest-tensors.js';
import { buildFolded } from '../emit/tfjs/family-model.js';
import { inputSizeOf } from '../helpers/ckpt.js';
import { loadTfjs, runOnnx, runTfjs } from '../emit/tfjs/runtime.js';
import { serveStatic } from './server.js';

const CHROMIUM = process.env.POSE_PORT_CHROMIUM ?? '/usr/bin/chromium';
const MODEL = 'rsn18_coco_256x192';
const IMAGE = join(ROOT, 'demo', '000000000785.jpg');
const BOX = [280.79, 44.73, 218.7, 346.68];
const VENDOR = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-converter', 'onnxruntime-web'];

interface PageState {
  done: boolean;
  error?: string;
  input: { width: number; height: number; center: number[]; scale: number[]; sum: number; sumSq: number };
  tfjs: { keypoints: number[][]; ms: number; backend: string; metadata: unknown };
  onnx: { keypoints: number[][]; ms: number };
}

function maxDistance(a: number[][], b: number[][]): number {
  return Math.max(...a.map((p, i) => Math.hypot(p[0] - b[i][0], p[1] - b[i][1])));
}

test.serial('the demo page runs the TF.js and ONNX models in chromium and matches Node within 0.5 px', async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) t.fail(`chromium is required in CI: ${CHROMIUM} is missing (apt-get install -y chromium)`);
    else t.pass(`chromium missing at ${CHROMIUM}: skipped locally (CI fails instead)`);
    return;
  }
  // convert: the same graph to TF.js and ONNX
  const [H, W] = inputSizeOf(MODEL);
  const { graph } = buildFolded(tensorSetFromManifest(MODEL), [H, W]);
  const work = mkdtempSync(join(tmpdir(), 'pose-port-demo-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const art = emitTfjs(graph, { metadata: { model: MODEL, keypoints: 17 } });
  writeTfjs(join(work, 'model', 'tfjs'), art);
  const onnx = emitOnnx(graph);
  writeFileSync(join(work, 'model', 'model.onnx'), onnx);

  // Node: same crop, same models, same decoding
  const { data: rgba, info } = await sharp(IMAGE).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { center, scale } = boxToCenterScale(BOX, W / H);
  const input = cropInput(rgba, info.width, info.height, center, scale, W, H);
  const [tfOut] = await runTfjs(await loadTfjs(art, 'wasm'), 'wasm', input.nhwc, [1, H, W, 3]);
  const [, h, w, K] = tfOut.shape;
  const nodeTf = heatmapToImage(decodeHeatmaps(tfOut.data, 'NHWC', K, h, w), center, scale, w, h);
  const [ortOut] = await runOnnx(onnx, input.nchw, [1, 3, H, W], ['heatmaps']);
  const nodeOnnx = heatmapToImage(decodeHeatmaps(ortOut.data, 'NCHW', K, h, w), center, scale, w, h);

  // browser
  const mounts: Record<string, string> = { '/demo': join(ROOT, 'demo'), '/model': join(work, 'model') };
  for (const p of VENDOR) mounts[`/node_modules/${p}/dist`] = join(ROOT, 'node_modules', p, 'dist');
  const server = await serveStatic(mounts);
  t.teardown(() => server.close());
  const profile = mkdtempSync(join(tmpdir(), 'pose-port-chromium-'));
  t.teardown(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 720, height: 640 },
  });
  t.teardown(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  const query = new URLSearchParams({ tfjs: '/model/tfjs/model.json', onnx: '/model/model.onnx', box: BOX.join(',') });
  await page.goto(`${server.url}/demo/index.html?${query}`);
  await page.waitForFunction(() => (window as unknown as { poseDemo?: { done: boolean } }).poseDemo?.done === true, undefined, { timeout: 300_000 });
  const state = (await page.evaluate(() => (window as unknown as { poseDemo: unknown }).poseDemo)) as PageState;
  const shotDir = join(ROOT, '.cache', 'screenshots');
  mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: join(shotDir, 'demo.png'), fullPage: true });

  t.falsy(state.error, `${state.error}\n${consoleLines.join('\n')}`);
  t.is(state.tfjs.backend, 'wasm');
  t.deepEqual(state.tfjs.metadata, { model: MODEL, keypoints: 17 });
  t.deepEqual([state.input.width, state.input.height], [W, H]);
  // the same crop: chromium's JPEG decode + pose.js vs sharp's decode + pose.js
  const sum = input.nhwc.reduce((a, b) => a + b, 0);
  const sumSq = input.nhwc.reduce((a, b) => a + b * b, 0);
  t.log(`network input sum page ${state.input.sum.toFixed(3)} / Node ${sum.toFixed(3)}, sum of squares ${state.input.sumSq.toFixed(3)} / ${sumSq.toFixed(3)}`);
  t.true(Math.abs(state.input.sumSq - sumSq) <= 1e-3 * sumSq, 'the page and Node cropped the same pixels');
  t.true(server.requests.some((r) => r.endsWith('.wasm')), 'wasm binaries were served locally');
  t.false(server.requests.some((r) => r.startsWith('http')), 'nothing outside 127.0.0.1');
  const dTf = maxDistance(state.tfjs.keypoints, nodeTf);
  const dOnnx = maxDistance(state.onnx.keypoints, nodeOnnx);
  const dCross = maxDistance(state.tfjs.keypoints, state.onnx.keypoints);
  t.log(`page TF.js ${state.tfjs.ms.toFixed(1)} ms, ONNX ${state.onnx.ms.toFixed(1)} ms; max distance page/Node: TF.js ${dTf.toFixed(4)} px, ONNX ${dOnnx.toFixed(4)} px; page TF.js/ONNX ${dCross.toFixed(4)} px`);
  t.is(state.tfjs.keypoints.length, 17);
  t.true(dTf <= 0.5, `TF.js keypoints: page vs Node ${dTf} px`);
  t.true(dOnnx <= 0.5, `ONNX keypoints: page vs Node ${dOnnx} px`);
  t.true(dCross <= 0.5, `page TF.js vs page ONNX ${dCross} px`);
});
