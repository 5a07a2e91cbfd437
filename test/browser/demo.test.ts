/**
 * The demo page (demo/) in headless chromium on every backend: the keypoint artifacts of
 * the bundled default checkpoint (`convert --graph keypoints`, ONNX and TF.js) get the
 * image and three boxes (the COCO GT box of image 785, one partly outside the image, a
 * small one) and return keypoints in image pixels; the page has no processing of its own.
 * Each backend is proved to be the one asked for (demo/backends.js throws otherwise), and
 * the keypoints equal onnxruntime-node's on the same pixels (the page gets a PNG of
 * sharp's decode) within 0.01 px. For onnxruntime-web webgpu, onnxruntime's node placement
 * must put every node on the WebGPU EP: a node on its CPU EP fails by name. A screenshot
 * goes to .cache/screenshots/demo.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { ROOT } from '../helpers/ckpt.js';
import { chromiumPresent, launchChromium } from './chromium.js';
import { VENDOR } from './harness.js';
import { serveStatic } from './server.js';
import { cpuNodesOf, type Placement } from './placement.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const IMAGE = join(ROOT, 'demo', '000000000785.jpg');
const BOXES = [
  [280.79, 44.73, 218.7, 346.68],
  [-40, 300, 200, 160],
  [10, 20, 24, 40],
];
const TOLERANCE_PX = 0.01;
/** page loads: TF.js backend and onnxruntime-web EP in each */
const LOADS = [
  { tfjsBackend: 'wasm', onnxBackend: 'wasm' },
  { tfjsBackend: 'webgl', onnxBackend: 'webgpu' },
  { tfjsBackend: 'webgpu', onnxBackend: 'none' },
];
interface PageRun {
  persons: number[][][];
  ms: number;
  backend?: string;
  ep?: string;
  facts: { placement?: Placement } & Record<string, unknown>;
}
interface PageState {
  done: boolean;
  error?: string;
  image: { width: number; height: number };
  tfjs?: PageRun;
  onnx?: PageRun;
}

function distances(page: number[][][], ref: Float32Array): number[] {
  const d: number[] = [];
  page.flat().forEach(([x, y], i) => d.push(Math.hypot(x - ref[2 * i], y - ref[2 * i + 1])));
  return d.sort((a, b) => a - b);
}

test.serial('the demo runs the keypoint artifacts on every backend and matches onnxruntime-node', async (t) => {
  if (!chromiumPresent(t)) return;
  const work = join(ROOT, '.cache', `demo-test-${process.pid}`);
  t.teardown(() => import('node:fs').then((fs) => fs.rmSync(work, { recursive: true, force: true })));
  await convertCheckpoint(CKPT, { out: join(work, 'model'), formats: ['onnx', 'tfjs'], graph: 'keypoints' });
  const { data, info } = await sharp(IMAGE).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(join(work, 'model', 'image.png'));
  const session = await ort.InferenceSession.create(join(work, 'model', 'model.onnx'));
  const ref = await session.run({
    image: new ort.Tensor('uint8', new Uint8Array(data.buffer, data.byteOffset, data.length), [info.height, info.width, 3]),
    boxes: new ort.Tensor('float32', Float32Array.from(BOXES.flat()), [BOXES.length, 4]),
  });
  await session.release();
  const refKp = ref.keypoints.data as Float32Array;
  t.deepEqual([...ref.keypoints.dims], [BOXES.length, 17, 2]);

  const mounts: Record<string, string> = { '/demo': join(ROOT, 'demo'), '/model': join(work, 'model') };
  for (const p of VENDOR) mounts[`/node_modules/${p}/dist`] = join(ROOT, 'node_modules', p, 'dist');
  const server = await serveStatic(mounts);
  t.teardown(() => server.close());
  const context = await launchChromium(t, { gpu: true });
  for (const load of LOADS) {
    const page = await context.newPage();
    const lines: string[] = [];
    page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
    const query = new URLSearchParams({ ...load, tfjs: '/model/tfjs/model.json', onnx: '/model/model.onnx', image: '/model/image.png', box: BOXES.map((b) => b.join(',')).join(';') });
    await page.goto(`${server.url}/demo/index.html?${query}`);
    await page.waitForFunction(() => (window as unknown as { poseDemo?: { done: boolean } }).poseDemo?.done === true, undefined, { timeout: 480_000 });
    const state = (await page.evaluate(() => (window as unknown as { poseDemo: unknown }).poseDemo)) as PageState;
    if (load.tfjsBackend === 'webgl') {
      mkdirSync(join(ROOT, '.cache', 'screenshots'), { recursive: true });
      await page.screenshot({ path: join(ROOT, '.cache', 'screenshots', 'demo.png'), fullPage: true });
    }
    await page.close();
    t.falsy(state.error, `${JSON.stringify(load)}: ${state.error}\n${lines.join('\n')}`);
    if (state.error) continue;
    t.deepEqual([state.image.width, state.image.height], [info.width, info.height]);
    const runs: [string, PageRun][] = [[`TF.js ${load.tfjsBackend}`, state.tfjs!]];
    if (load.onnxBackend !== 'none') runs.push([`onnxruntime-web ${load.onnxBackend}`, state.onnx!]);
    t.is(state.tfjs!.backend, load.tfjsBackend);
    for (const [what, run] of runs) {
      t.is(run.persons.length, BOXES.length, what);
      const d = distances(run.persons, refKp);
      const line = `${what}: keypoints vs onnxruntime-node max ${d[d.length - 1].toFixed(4)} px, median ${d[d.length >> 1].toFixed(4)} px; ${run.ms.toFixed(0)} ms for ${BOXES.length} persons (first run)`;
      t.log(line);
      t.true(d[d.length - 1] <= TOLERANCE_PX, line);
    }
    if (load.onnxBackend === 'webgpu') {
      const placement = state.onnx!.facts.placement!;
      const cpu = cpuNodesOf(placement);
      t.log(`onnxruntime-web webgpu: ${placement.counts.WebGpuExecutionProvider} nodes on WebGPU, ${cpu.length} on the CPU EP ${cpu.join(', ')}`);
      t.deepEqual(cpu, [], 'nodes placed on the CPU EP');
      t.deepEqual(Object.keys(placement.counts), ['WebGpuExecutionProvider'], 'execution providers');
    }
  }
});
