// The demo page: loads a converted TF.js graph model and the ONNX model of the same
// network, runs both on one person box of the bundled image and draws the skeletons.
// Query parameters (defaults in brackets):
//   tfjs  URL of model.json   [model/tfjs/model.json]
//   onnx  URL of the .onnx    [model/model.onnx]
//   image URL of the image    [000000000785.jpg]
//   box   x,y,w,h person box  [280.79,44.73,218.7,346.68] (COCO GT of image 785)
// Results go to window.poseDemo = { done, error?, input, tfjs, onnx } for tests.
import { boxToCenterScale, COCO_SKELETON, cropInput, decodeHeatmaps, heatmapToImage } from './pose.js';

const params = new URLSearchParams(location.search);
const TFJS_URL = params.get('tfjs') ?? 'model/tfjs/model.json';
const ONNX_URL = params.get('onnx') ?? 'model/model.onnx';
const IMAGE_URL = params.get('image') ?? '000000000785.jpg';
const BOX = (params.get('box') ?? '280.79,44.73,218.7,346.68').split(',').map(Number);
const VENDOR = new URL('../node_modules/', location.href).href;

const state = (window.poseDemo = { done: false });
const status = document.getElementById('status');
const log = (line) => {
  status.textContent = status.textContent === 'loading…' ? line : `${status.textContent}\n${line}`;
};

async function loadImage(url) {
  const img = new Image();
  img.src = url;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  return { img, rgba: ctx.getImageData(0, 0, c.width, c.height).data, width: c.width, height: c.height };
}

/**
 * fetch that resolves only once the whole body has arrived. tfjs's weight loader first
 * awaits the response headers of every shard, then reads the bodies; over HTTP/1.1 the
 * browser opens at most 6 connections per host, so with more than 6 shards the unread
 * bodies hold every connection and the remaining shards are never requested (a stall
 * seen with chromium and a plain static server). Reading each body at once frees them.
 */
async function wholeBodyFetch(url, init) {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  const body = await r.arrayBuffer();
  return new Response(body, { status: r.status, statusText: r.statusText, headers: r.headers });
}

async function runTfjs(input, H, W) {
  tf.wasm.setWasmPaths(`${VENDOR}@tensorflow/tfjs-backend-wasm/dist/`);
  await tf.setBackend('wasm');
  await tf.ready();
  const model = await tf.loadGraphModel(TFJS_URL, { fetchFunc: wholeBodyFetch });
  const x = tf.tensor(input.nhwc, [1, H, W, 3]);
  const t0 = performance.now();
  const y = model.execute({ input: x }, 'heatmaps');
  const data = await y.data();
  const ms = performance.now() - t0;
  const [, h, w, K] = y.shape;
  tf.dispose([x, y]);
  return { data, h, w, K, ms, backend: tf.getBackend(), metadata: model.metadata ?? null };
}

async function runOnnx(input, H, W) {
  ort.env.wasm.wasmPaths = `${VENDOR}onnxruntime-web/dist/`;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(ONNX_URL, { executionProviders: ['wasm'] });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.nchw, [1, 3, H, W]) };
  const t0 = performance.now();
  const out = await session.run(feeds);
  const ms = performance.now() - t0;
  const y = out.heatmaps ?? out[session.outputNames[0]];
  const [, K, h, w] = y.dims;
  return { data: y.data, h, w, K, ms };
}

function draw(image, box, results) {
  const canvas = document.getElementById('view');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image.img, 0, 0);
  ctx.strokeStyle = '#fc0';
  ctx.lineWidth = 2;
  ctx.strokeRect(box[0], box[1], box[2], box[3]);
  for (const { points, color, dash } of results) {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 3;
    ctx.setLineDash(dash);
    for (const [a, b] of COCO_SKELETON) {
      if (!points[a] || !points[b]) continue;
      ctx.beginPath();
      ctx.moveTo(points[a][0], points[a][1]);
      ctx.lineTo(points[b][0], points[b][1]);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const [x, y] of points) {
      ctx.beginPath();
      ctx.arc(x, y, 4, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

async function main() {
  const image = await loadImage(IMAGE_URL);
  // the input size comes from the TF.js model's signature: [-1, H, W, 3]
  const modelJson = await (await fetch(TFJS_URL)).json();
  const dims = Object.values(modelJson.signature.inputs)[0].tensorShape.dim.map((d) => Number(d.size));
  const [, H, W] = dims;
  const { center, scale } = boxToCenterScale(BOX, W / H);
  const input = cropInput(image.rgba, image.width, image.height, center, scale, W, H);
  let sum = 0;
  let sumSq = 0;
  for (const v of input.nhwc) {
    sum += v;
    sumSq += v * v;
  }
  state.input = { width: W, height: H, center, scale, box: BOX, image: { width: image.width, height: image.height }, sum, sumSq };
  log(`image ${image.width}x${image.height}, box [${BOX.join(', ')}], input ${W}x${H}`);

  const tfOut = await runTfjs(input, H, W);
  const tfPoints = heatmapToImage(decodeHeatmaps(tfOut.data, 'NHWC', tfOut.K, tfOut.h, tfOut.w), center, scale, tfOut.w, tfOut.h);
  state.tfjs = { keypoints: tfPoints, ms: tfOut.ms, backend: tfOut.backend, heatmap: [tfOut.h, tfOut.w, tfOut.K], metadata: tfOut.metadata };
  log(`TF.js (${tfOut.backend}): ${tfOut.ms.toFixed(1)} ms, heatmaps ${tfOut.h}x${tfOut.w}x${tfOut.K}`);

  const onnxOut = await runOnnx(input, H, W);
  const onnxPoints = heatmapToImage(decodeHeatmaps(onnxOut.data, 'NCHW', onnxOut.K, onnxOut.h, onnxOut.w), center, scale, onnxOut.w, onnxOut.h);
  state.onnx = { keypoints: onnxPoints, ms: onnxOut.ms, heatmap: [onnxOut.K, onnxOut.h, onnxOut.w] };
  log(`ONNX (onnxruntime-web wasm): ${onnxOut.ms.toFixed(1)} ms, heatmaps ${onnxOut.K}x${onnxOut.h}x${onnxOut.w}`);

  const maxDist = Math.max(...tfPoints.map((p, i) => Math.hypot(p[0] - onnxPoints[i][0], p[1] - onnxPoints[i][1])));
  log(`largest TF.js / ONNX keypoint distance: ${maxDist.toFixed(3)} px`);
  draw(image, BOX, [
    { points: tfPoints, color: '#0c0', dash: [] },
    { points: onnxPoints, color: '#d0d', dash: [8, 6] },
  ]);
  state.done = true;
}

main().catch((e) => {
  state.error = String(e && e.stack ? e.stack : e);
  state.done = true;
  log(`error: ${state.error}`);
});
